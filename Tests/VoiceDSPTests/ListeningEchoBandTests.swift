import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// The echo gate's band test (`EchoGateParameters.bargeInBandMarginDB`): a user whose voice lands in bands the
/// reply leaves quiet interrupts it before they are loud enough to clear the echo over the whole speech band.
@Suite(.computeBound) struct ListeningEchoBandTests {
    static let rates = [16000, 24000]

    /// The device plays a 400 Hz tone from 0.5 s to 5.5 s at −20 dBFS; the mic hears it 10 dB lower, with a room
    /// at −65 dBFS. From 1.2 s, for half a second, a user at 1 kHz, 1 dB under the echo: over the whole band the mic
    /// rises only 2.5 dB, under the 5 dB full-band margin, but in the 800–1200 Hz band the user is 20 dB or more over
    /// what the reply puts there. (A tone's echo is steady, so the noise floor follows it within its window, 1.6 s;
    /// the user speaks before that, as they would over a reply that pauses between words.)
    static func capture(sampleRate: Int) -> (capture: [Int16], reference: [Int16]) {
        let reply = Signals.tone(frequency: 400, levelDBFS: -20, seconds: 5, sampleRate: sampleRate)
        let reference = Signals.placed(reply, at: 0.5, totalSeconds: 6, sampleRate: sampleRate)
        let room = ListeningEchoGateTests.room(reference, echoGainDB: -10, sampleRate: sampleRate)
        let user = Signals.tone(frequency: 1000, levelDBFS: -31, seconds: 0.5, sampleRate: sampleRate)
        let capture = Signals.mix(room, Signals.placed(user, at: 1.2, totalSeconds: 6, sampleRate: sampleRate))
        return (capture, reference)
    }

    @Test(arguments: rates)
    func aUserInABandTheReplyLeavesQuietBargesIn(sampleRate: Int) throws {
        let (capture, reference) = Self.capture(sampleRate: sampleRate)
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate)
        let first = try theOnlyBargeIn(decisions)
        #expect(first >= 120 && first <= 126, "barge-in within 60 ms of the user's onset, got frame \(first)")
        #expect(!decisions[frames(from: 0, to: 1.2)].contains { $0.isSpeech })
    }

    @Test(arguments: rates)
    func withoutTheBandTestTheSameUserIsNotHeardOverTheEcho(sampleRate: Int) {
        // Guards the test above: the user is too quiet for the full-band margin alone.
        var parameters = ListeningParameters()
        parameters.echo.bargeInBandMarginDB = 0
        let (capture, reference) = Self.capture(sampleRate: sampleRate)
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate, parameters: parameters)
        #expect(!decisions[frames(from: 0, to: 5.5)].contains { $0.bargeIn || $0.isSpeech })
    }

    /// A reply that moves its energy between bands (a 400 Hz tone, then a 1 kHz one, in turns of 300 ms): each band's
    /// estimate follows what is played in it, so the echo's arrival in a band that was quiet a moment ago is not a
    /// user.
    // Echo no louder than the gate's cautious starting coupling (−10 dB): a louder one can interrupt the first
    // moments of the first reply, band test or not.
    @Test(arguments: rates, [-10.0, -15.0])
    func aReplyMovingBetweenBandsDoesNotInterruptItself(sampleRate: Int, echoGainDB: Double) {
        var reply: [Int16] = []
        for turn in 0..<16 {
            reply += Signals.tone(
                frequency: turn % 2 == 0 ? 400 : 1000, levelDBFS: -20, seconds: 0.3, sampleRate: sampleRate)
        }
        let reference = Signals.placed(reply, at: 0.5, totalSeconds: 6, sampleRate: sampleRate)
        let capture = ListeningEchoGateTests.room(reference, echoGainDB: echoGainDB, sampleRate: sampleRate)
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate)
        #expect(!decisions.contains { $0.isSpeech || $0.bargeIn || $0.speechStarted })
        #expect(decisions[frames(from: 0.6, to: 5.3)].allSatisfy { $0.echoActive })
    }

    @Test func theBandTestIsOnByDefaultAndOffAtZero() {
        #expect(EchoGate(sampleRate: 16000).testsBands)
        var parameters = EchoGateParameters()
        parameters.bargeInBandMarginDB = 0
        #expect(!EchoGate(sampleRate: 16000, parameters: parameters).testsBands)
    }
}

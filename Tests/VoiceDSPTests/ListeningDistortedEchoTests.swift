import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// A small speaker driven hard does not play what it is sent: it limits the peaks and adds harmonics and
/// intermodulation in bands the reference leaves nearly empty. The echo of that is not a scaled copy of the
/// reference, so the gate must hold without a linear echo path: the distortion must not be taken for a user, and a
/// user must still get through over it. The band test's margin (`barge_in_band_margin_db`, 8 dB) is what holds it:
/// at 3 dB, or with the full-band margin at 2 dB, the distorted replies interrupt themselves while a clean echo of
/// the same replies still does not.
@Suite(.computeBound) struct ListeningDistortedEchoTests {
    static let rates = [16000, 24000]

    /// The speaker plays two replies, 0.5–5.5 s and 7–10 s, distorted; the room returns them `echoGainDB` from what
    /// was sent, over a quiet noise floor.
    static func room(
        _ reference: [Int16], kneeFraction: Double, asymmetry: Double, echoGainDB: Double, sampleRate: Int
    ) -> [Int16] {
        let played = Signals.speakerDistorted(reference, kneeFraction: kneeFraction, asymmetry: asymmetry)
        return ListeningLoudEchoTests.room(played, echoGainDB: echoGainDB, sampleRate: sampleRate)
    }

    @Test(arguments: rates, [(0.5, 0.0), (0.25, 0.0), (0.25, 0.25)])
    func aDistortingSpeakerDoesNotInterruptItsReplies(sampleRate: Int, distortion: (knee: Double, asymmetry: Double)) {
        let reference = ListeningLoudEchoTests.twoReplies(levelDBFS: -30, sampleRate: sampleRate)
        for echoGainDB in [-10.0, 0.0] {
            let capture = Self.room(
                reference, kneeFraction: distortion.knee, asymmetry: distortion.asymmetry, echoGainDB: echoGainDB,
                sampleRate: sampleRate)
            let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate)
            let interruptions = decisions.indices.filter { decisions[$0].bargeIn || decisions[$0].speechStarted }
            #expect(
                interruptions.isEmpty, "echo \(echoGainDB) dB: the replies were taken for a user at \(interruptions)")
            #expect(!decisions.contains { $0.isSpeech }, "echo \(echoGainDB) dB")
        }
    }

    @Test(arguments: rates)
    func aUserStillBargesInOverADistortingSpeaker(sampleRate: Int) throws {
        // The echo is about as loud as what is sent; the user talks about 10 dB over it from 3 s on.
        let reference = ListeningLoudEchoTests.twoReplies(levelDBFS: -30, sampleRate: sampleRate)
        let user = Signals.speechLike(levelDBFS: -20, seconds: 1.5, sampleRate: sampleRate, pitch: 110, seed: 35)
        let capture = Signals.mix(
            Self.room(reference, kneeFraction: 0.25, asymmetry: 0.25, echoGainDB: 0, sampleRate: sampleRate),
            Signals.placed(user, at: 3, totalSeconds: 11, sampleRate: sampleRate))
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate)
        let first = try theOnlyBargeIn(decisions)
        #expect(first >= 300 && first <= 315, "barge-in within 150 ms of the user's onset, got frame \(first)")
        #expect(!decisions[frames(from: 0, to: 3)].contains { $0.isSpeech })
    }
}

import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// The barge-in margin after the noise floor fell under the reply: the spread cannot learn while our echo is
/// audible, so when minimum statistics catch a gap in the room's noise in a pause of the reply, the floor drops
/// while the spread stays what the steady room taught it, and a later burst of the room's noise clears
/// floor + margin. `barge_in_floor_drop_factor` takes the drop as a lower bound of the spread.
@Suite(.computeBound) struct ListeningEchoFloorDropTests {
    static let rates = [16000, 24000]
    static let seconds = 10.0

    /// The reply of `ListeningEchoRoomNoiseTests` (six 0.9 s sentences, 0.45 s pauses, from 1 s), its echo
    /// 15 dB down, and a steady room at -60 dBFS that stops for 0.3 s in the reply's third pause (4.6 s) and
    /// has a burst 7 dB over its level in the fourth (6.15 s).
    static func room(sampleRate: Int) -> (capture: [Int16], reference: [Int16]) {
        let reference = ListeningEchoRoomNoiseTests.reply(sampleRate: sampleRate)
        let echo = Signals.echo(
            of: reference, delayMilliseconds: 20, gainDB: -15, decayMilliseconds: 250, sampleRate: sampleRate)
        var noise = Signals.whiteNoise(levelDBFS: -60, seconds: seconds, sampleRate: sampleRate, seed: 90)
        for index in Int(4.6 * Double(sampleRate))..<Int(4.9 * Double(sampleRate)) { noise[index] = 0 }
        let burst = Signals.speechLike(levelDBFS: -53, seconds: 0.2, sampleRate: sampleRate, pitch: 210, seed: 91)
        let placedBurst = Signals.placed(burst, at: 6.15, totalSeconds: seconds, sampleRate: sampleRate)
        return (Signals.mix(echo, noise, placedBurst), reference)
    }

    static func parameters(floorDropFactor: Double? = nil) -> ListeningParameters {
        var parameters = ListeningParameters()
        if let floorDropFactor { parameters.echo.bargeInFloorDropFactor = floorDropFactor }
        return parameters
    }

    @Test(arguments: rates)
    func aBurstAfterTheFloorFellUnderTheReplyIsNotABargeIn(sampleRate: Int) {
        let (capture, reference) = Self.room(sampleRate: sampleRate)
        let decisions = runDetector(
            capture, reference: reference, sampleRate: sampleRate, parameters: Self.parameters())
        #expect(!decisions.contains { $0.bargeIn })
    }

    @Test(arguments: rates)
    func withoutTheFloorDropTheSameBurstBargesIn(sampleRate: Int) {
        // Guards the test above: the stale spread alone lets the burst through.
        let (capture, reference) = Self.room(sampleRate: sampleRate)
        let decisions = runDetector(
            capture, reference: reference, sampleRate: sampleRate, parameters: Self.parameters(floorDropFactor: 0))
        #expect(decisions[frames(from: 6.1, to: 6.5)].contains { $0.bargeIn })
    }

    @Test(arguments: rates)
    func aUserTalkingOverTheReplyAfterTheDropStillBargesIn(sampleRate: Int) {
        let (room, reference) = Self.room(sampleRate: sampleRate)
        let user = Signals.speechLike(levelDBFS: -18, seconds: 1.2, sampleRate: sampleRate, pitch: 120, seed: 60)
        let capture = Signals.mix(
            room, Signals.placed(user, at: 6.6, totalSeconds: Self.seconds, sampleRate: sampleRate))
        let decisions = runDetector(
            capture, reference: reference, sampleRate: sampleRate, parameters: Self.parameters())
        let bargeIns = decisions.indices.filter { decisions[$0].bargeIn }
        #expect(bargeIns.count == 1)
        #expect(bargeIns.allSatisfy(frames(from: 6.6, to: 6.9).contains), "barge-ins at frames \(bargeIns)")
    }
}

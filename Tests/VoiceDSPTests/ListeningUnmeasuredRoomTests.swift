import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Rooms the echo gate meets while a reply plays that it had no chance to measure, or whose sounds rise less over the
/// reply's echo than over silence: babble that started from silence and held the VAD on until the reply began, and
/// knocks on a door while the reply plays. Neither may cut the reply off; a user talking over it still does.
/// Seconds of computation per test: on the compute-bound threads, one test at a time per core, so that the daemon's
/// tests that wait on real-time audio meanwhile keep their share of the machine.
@Suite(.computeBound) struct ListeningUnmeasuredRoomTests {
    static let rates = [16000, 24000]
    static let seconds = 9.0

    /// A reply of five 0.9 s sentences with 0.5 s pauses, from 1 s on, and its echo 15 dB down.
    static func reply(sampleRate: Int) -> (played: [Int16], echo: [Int16]) {
        let played = speechLikeReply(
            sentences: 5, start: 1, every: 1.4, seconds: seconds, sampleRate: sampleRate, seed: 80)
        let echo = Signals.echo(
            of: played, delayMilliseconds: 20, gainDB: -15, decayMilliseconds: 250, sampleRate: sampleRate)
        return (played, echo)
    }

    /// Babble of a few talkers at -48 dBFS that starts 0.2 s in, out of the microphone's own noise (-80 dBFS), as a
    /// television switched on just before a question would: the VAD takes its start for speech and holds it until
    /// the reply begins, so the noise spread never hears the room before the reply.
    static func babbleFromSilence(sampleRate: Int, seed: UInt64) -> [Int16] {
        let babble = Signals.babble(
            levelDBFS: -48, seconds: seconds - 0.2, sampleRate: sampleRate, talkers: 3, seed: seed)
        return Signals.mix(
            Signals.placed(babble, at: 0.2, totalSeconds: seconds, sampleRate: sampleRate),
            Signals.whiteNoise(levelDBFS: -80, seconds: seconds, sampleRate: sampleRate, seed: seed + 100))
    }

    static let babbleRooms: Range<UInt64> = 90..<98

    /// Barge-ins during the reply (from its start to 0.5 s after its end) in each babble room.
    static func bargeInsInBabbleRooms(sampleRate: Int, parameters: ListeningParameters, user: [Int16]? = nil)
        -> [[Int]]
    {
        let (played, echo) = reply(sampleRate: sampleRate)
        return babbleRooms.map { seed in
            var capture = Signals.mix(echo, babbleFromSilence(sampleRate: sampleRate, seed: seed))
            if let user { capture = Signals.mix(capture, user) }
            let decisions = runDetector(capture, reference: played, sampleRate: sampleRate, parameters: parameters)
            return frames(from: 1, to: 7.1).filter { decisions[$0].bargeIn }
        }
    }

    @Test(arguments: rates)
    func babbleTheSpreadNeverHeardDoesNotInterruptTheReply(sampleRate: Int) {
        let bargeIns = Self.bargeInsInBabbleRooms(sampleRate: sampleRate, parameters: ListeningParameters())
        // One room of the eight still interrupts the reply at 24 kHz, in its first pause (its bursts stand 20 dB over
        // the floor there); none at 16 kHz.
        #expect(bargeIns.filter { !$0.isEmpty }.count <= 1, "barge-ins at frames \(bargeIns)")
    }

    @Test func withoutThePriorTheSameBabbleInterruptsTheReply() {
        // Guards the test above: assumed steady (no prior), the unmeasured room's bursts in the reply's pauses clear
        // the barge-in margin (in five of the eight rooms at 16 kHz, six at 24 kHz).
        var parameters = ListeningParameters()
        parameters.vad.bargeInSpreadPriorDB = 0
        let bargeIns = Self.bargeInsInBabbleRooms(sampleRate: 16000, parameters: parameters)
        #expect(bargeIns.filter { !$0.isEmpty }.count >= 4, "barge-ins at frames \(bargeIns)")
    }

    @Test(arguments: rates)
    func aUserTalkingOverTheReplyInThatBabbleStillBargesIn(sampleRate: Int) {
        // The user starts 3.9 s in, 0.1 s into the reply's third sentence, about 15 dB over its echo.
        let user = Signals.placed(
            Signals.speechLike(levelDBFS: -20, seconds: 1.2, sampleRate: sampleRate, pitch: 120, seed: 61),
            at: 3.9, totalSeconds: Self.seconds, sampleRate: sampleRate)
        let bargeIns = Self.bargeInsInBabbleRooms(sampleRate: sampleRate, parameters: ListeningParameters(), user: user)
        // Within 200 ms of their first word in every room; before it, only the room the test above allows.
        for (room, frames) in bargeIns.enumerated() {
            #expect(frames.contains { (390...410).contains($0) }, "room \(room): barge-ins at frames \(frames)")
        }
        #expect(bargeIns.filter { $0.contains { $0 < 390 } }.count <= 1, "barge-ins at frames \(bargeIns)")
    }

    /// Knocks at `peakDBFS` in a room of the microphone's own noise, the first series 1.3 s in (under the reply).
    static func knockRoom(sampleRate: Int, peakDBFS: Double, seed: UInt64) -> [Int16] {
        Signals.mix(
            Signals.placed(
                Signals.knocks(
                    peakDBFS: peakDBFS, seconds: seconds - 1, sampleRate: sampleRate, seriesEverySeconds: 1.1,
                    seed: seed),
                at: 1, totalSeconds: seconds, sampleRate: sampleRate),
            Signals.whiteNoise(levelDBFS: -70, seconds: seconds, sampleRate: sampleRate, seed: seed + 100))
    }

    /// Barge-ins during the reply in rooms with knocks from 6 dB under to 6 dB over the echo's level.
    static func bargeInsOverKnocks(sampleRate: Int, parameters: ListeningParameters) -> [[Int]] {
        let (played, echo) = reply(sampleRate: sampleRate)
        var result: [[Int]] = []
        for peak in [-41.0, -35, -29] {
            for seed: UInt64 in 110..<113 {
                let capture = Signals.mix(echo, knockRoom(sampleRate: sampleRate, peakDBFS: peak, seed: seed))
                let decisions = runDetector(capture, reference: played, sampleRate: sampleRate, parameters: parameters)
                result.append(frames(from: 1, to: 7.1).filter { decisions[$0].bargeIn })
            }
        }
        return result
    }

    @Test(arguments: rates)
    func knocksWhileTheReplyPlaysDoNotInterruptIt(sampleRate: Int) {
        let bargeIns = Self.bargeInsOverKnocks(sampleRate: sampleRate, parameters: ListeningParameters())
        #expect(bargeIns.allSatisfy { $0.isEmpty }, "barge-ins at frames \(bargeIns)")
    }

    @Test func withTheRoomsImpulseRiseTheSameKnocksInterruptTheReply() {
        // Guards the test above: measured against the reply's echo, the knocks rise less than the 25 dB an impact
        // must rise over the room's floor, and they are taken for a user (in four of the nine rooms at 16 kHz).
        var parameters = ListeningParameters()
        parameters.vad.impulseRiseUnderEchoDB = parameters.vad.impulseRiseDB
        let bargeIns = Self.bargeInsOverKnocks(sampleRate: 16000, parameters: parameters)
        #expect(bargeIns.filter { !$0.isEmpty }.count >= 3, "barge-ins at frames \(bargeIns)")
    }
}

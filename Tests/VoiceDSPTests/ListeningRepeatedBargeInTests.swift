import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Barge-ins turn after turn with one detector, as the daemon keeps it: the soak heard fewer and fewer of them
/// (issue 5, docs/listening.md "Barge-ins the soak missed").
@Suite(.computeBound) struct ListeningRepeatedBargeInTests {
    static let rounds = 20

    /// A reply whose words hold their level (as speech's vowels and the simulator's replies do): five 300 ms
    /// words of a 200 Hz voice with two harmonics, 100 ms apart, at `levelDBFS`.
    static func reply(levelDBFS: Double, sampleRate: Int) -> [Int16] {
        var reply = Signals.silence(seconds: 2, sampleRate: sampleRate)
        for word in 0..<5 {
            let voice = Signals.mix(
                Signals.tone(frequency: 200, levelDBFS: levelDBFS - 2, seconds: 0.3, sampleRate: sampleRate),
                Signals.tone(frequency: 400, levelDBFS: levelDBFS - 6, seconds: 0.3, sampleRate: sampleRate),
                Signals.tone(frequency: 600, levelDBFS: levelDBFS - 10, seconds: 0.3, sampleRate: sampleRate)
            )
            reply = Signals.mix(
                reply, Signals.placed(voice, at: 0.4 * Double(word), totalSeconds: 2, sampleRate: sampleRate))
        }
        return reply
    }

    /// One round: the reply, whose echo is 50 dB down (under the room's -60 dBFS noise: the coupling cannot learn
    /// from it), the user talking over it from 0.6 s for 1.2 s, then 1.5 s of the room while the user's turn
    /// ends. Returns the frames of the round's barge-ins, counted from its start.
    static func round(_ index: Int, detector: inout ListeningDetector) -> [Int] {
        let rate = detector.sampleRate
        let seconds = 3.5
        let reference = Signals.placed(
            reply(levelDBFS: -16, sampleRate: rate), at: 0, totalSeconds: seconds, sampleRate: rate)
        let user = Signals.speechLike(
            levelDBFS: -14, seconds: 1.2, sampleRate: rate, pitch: 110, seed: 200 + UInt64(index))
        let capture = Signals.mix(
            Signals.whiteNoise(levelDBFS: -60, seconds: seconds, sampleRate: rate, seed: 300 + UInt64(index)),
            Signals.echo(of: reference, delayMilliseconds: 20, gainDB: -50, sampleRate: rate),
            Signals.placed(user, at: 0.6, totalSeconds: seconds, sampleRate: rate)
        )
        let length = detector.frameLength
        var bargeIns: [Int] = []
        for (frame, start) in stride(from: 0, to: capture.count - length + 1, by: length).enumerated() {
            let decision = detector.process(
                frame: Array(capture[start..<start + length]), reference: Array(reference[start..<start + length]))
            if decision.bargeIn { bargeIns.append(frame) }
        }
        return bargeIns
    }

    /// Runs the rounds after 2 s of the room; returns the rounds heard, the rounds heard more than 200 ms after
    /// the user began, the rounds with more than one barge-in, the coupling before and after, and the band
    /// couplings after the first round and after the last.
    static func run(sampleRate: Int, parameters: ListeningParameters) -> (
        heard: Int, late: [Int], repeated: [Int], before: Double, after: Double,
        bandsAfterFirst: SIMD8<Double>, bandsAfter: SIMD8<Double>
    ) {
        var detector = ListeningDetector(sampleRate: sampleRate, parameters: parameters)
        let room = Signals.whiteNoise(levelDBFS: -60, seconds: 2, sampleRate: sampleRate, seed: 99)
        let length = detector.frameLength
        for start in stride(from: 0, to: room.count - length + 1, by: length) {
            _ = detector.process(frame: Array(room[start..<start + length]), reference: nil)
        }
        let before = detector.gate.couplingDB
        var heard = 0
        var late: [Int] = []
        var repeated: [Int] = []
        var bandsAfterFirst = detector.gate.bandCouplingDB
        for index in 0..<rounds {
            let bargeIns = round(index, detector: &detector)
            if index == 0 { bandsAfterFirst = detector.gate.bandCouplingDB }
            if let first = bargeIns.first, first >= 60 {
                heard += 1
                if first > 60 + 20 { late.append(index) }
            }
            if bargeIns.count > 1 { repeated.append(index) }
        }
        return (heard, late, repeated, before, detector.gate.couplingDB, bandsAfterFirst, detector.gate.bandCouplingDB)
    }

    /// How far the band couplings rose from `before` to `after`, at most over the seven bands, dB.
    static func largestRise(from before: SIMD8<Double>, to after: SIMD8<Double>) -> Double {
        (0..<SpectralBands.bandCount).map { after[$0] - before[$0] }.max() ?? 0
    }

    @Test(arguments: [16000, 24000])
    func everyBargeInIsHeardWhenTheEchoIsTooQuietToTeachTheCoupling(sampleRate: Int) {
        // The reply plays steadily and the mic hears only the room: the coupling comes down from its cautious
        // start instead of climbing with every barge-in, and the user interrupts within 200 ms every time.
        // The band couplings learn the same frames, so each barge-in's first frames (the user's voice before it
        // counted) raised them, most in the bands the reply leaves quiet, where the user stands out; nothing here
        // teaches them back down. They go back to where they were when the user's speech starts, so after twenty
        // barge-ins they stand where the first round left them.
        let result = Self.run(sampleRate: sampleRate, parameters: ListeningParameters())
        #expect(result.heard == Self.rounds)
        #expect(result.late.isEmpty, "barge-ins more than 200 ms after the user began, rounds \(result.late)")
        #expect(result.repeated.isEmpty, "more than one barge-in in rounds \(result.repeated)")
        #expect(result.after < result.before - 10, "coupling \(result.before) dB -> \(result.after) dB")
        let bandRise = Self.largestRise(from: result.bandsAfterFirst, to: result.bandsAfter)
        #expect(bandRise < 1, "band couplings \(result.bandsAfterFirst) dB -> \(result.bandsAfter) dB")
    }

    @Test func withoutUnlearningOrQuietEchoEvidenceTheUsersVoiceRaisesTheCouplingForGood() {
        // Guards the test above and shows what the soak met: each barge-in's first frames (before the 20 ms
        // minimum is reached) are learned as echo, and in this room nothing else teaches the coupling, so it only
        // climbs; after the warm-up's 20 learned frames it passes the reply's own level within two rounds, and
        // the user, louder than the reply, can no longer interrupt (every round from the eighth was missed).
        // The band test off too: it hears the user in bands the reply leaves quiet, whatever the full band learned.
        var parameters = ListeningParameters()
        parameters.echo.quietEchoEvidenceDB = 0
        parameters.echo.couplingUnlearnMilliseconds = 0
        parameters.echo.bargeInBandMarginDB = 0
        let result = Self.run(sampleRate: 24000, parameters: parameters)
        #expect(result.after > result.before + 5)
        #expect(result.heard < Self.rounds / 2)
    }

    @Test func withoutUnlearningTheBandsTheUsersVoiceRaisesTheirCouplingsForGood() {
        // Guards the band couplings' part of the first test: without their unlearning, every round's first frames
        // lift the quiet bands' couplings by up to a step of 0.9 dB a frame, and after twenty barge-ins the band
        // test hears the user only where they are 10 dB and more louder than before.
        var parameters = ListeningParameters()
        parameters.echo.bandCouplingUnlearnMilliseconds = 0
        let result = Self.run(sampleRate: 16000, parameters: parameters)
        let rise = Self.largestRise(from: result.bandsAfterFirst, to: result.bandsAfter)
        #expect(rise > 10, "band couplings \(result.bandsAfterFirst) dB -> \(result.bandsAfter) dB")
    }
}

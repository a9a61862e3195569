import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// A speaker next to the microphone (a HAT whose speaker sits beside its mics, a speakerphone with its gain up) is
/// heard louder than the gate's cautious starting coupling. The warm-up must learn that at once: an estimate stuck
/// at the starting value takes the echo's first syllable for a barge-in, and since the coupling does not learn
/// while a turn is open, every reply then cuts itself off at its first word.
@Suite(.computeBound) struct ListeningLoudEchoTests {
    static let rates = [16000, 24000]

    /// Two replies, 0.5–5.5 s and 7–10 s, quiet enough that a loud echo of them does not clip at the mic.
    static func twoReplies(levelDBFS: Double, sampleRate: Int) -> [Int16] {
        let first = Signals.speechLike(levelDBFS: levelDBFS, seconds: 5, sampleRate: sampleRate, pitch: 200, seed: 31)
        let second = Signals.speechLike(levelDBFS: levelDBFS, seconds: 3, sampleRate: sampleRate, pitch: 180, seed: 32)
        return Signals.mix(
            Signals.placed(first, at: 0.5, totalSeconds: 11, sampleRate: sampleRate),
            Signals.placed(second, at: 7, totalSeconds: 11, sampleRate: sampleRate))
    }

    static func room(_ reference: [Int16], echoGainDB: Double, sampleRate: Int) -> [Int16] {
        let echo = Signals.echo(
            of: reference, delayMilliseconds: 20, gainDB: echoGainDB, decayMilliseconds: 300, sampleRate: sampleRate)
        let noise = Signals.whiteNoise(
            levelDBFS: -65, seconds: Double(reference.count) / Double(sampleRate), sampleRate: sampleRate, seed: 33)
        return Signals.mix(echo, noise)
    }

    @Test(arguments: rates, [0.0, 6.0, 12.0])
    func aSpeakerLouderThanTheStartingCouplingDoesNotInterruptItsReplies(sampleRate: Int, echoGainDB: Double) {
        let reference = Self.twoReplies(levelDBFS: -34, sampleRate: sampleRate)
        let capture = Self.room(reference, echoGainDB: echoGainDB, sampleRate: sampleRate)
        var detector = ListeningDetector(sampleRate: sampleRate)
        let initial = detector.parameters.echo.initialCouplingDB
        let decisions = runDetector(&detector, capture, reference: reference)
        let interruptions = decisions.indices.filter { decisions[$0].bargeIn || decisions[$0].speechStarted }
        #expect(interruptions.isEmpty, "the replies were taken for a user at frames \(interruptions)")
        #expect(!decisions.contains { $0.isSpeech })
        // The coupling was learned above the cautious start, near the echo's level (the speech-like reply's
        // syllables vary, so the quantile sits a few dB off the nominal gain).
        #expect(detector.gate.couplingDB > initial + 5)
        #expect(abs(detector.gate.couplingDB - echoGainDB) < 8, "coupling \(detector.gate.couplingDB) dB")
    }

    @Test(arguments: rates)
    func aUserStillBargesInOverALoudSpeaker(sampleRate: Int) throws {
        // The echo is 6 dB louder than what is played (about -23 dBFS with the room's build-up); the user talks
        // about 10 dB over it from 3 s on.
        let reference = Self.twoReplies(levelDBFS: -32, sampleRate: sampleRate)
        let user = Signals.speechLike(levelDBFS: -13, seconds: 1.5, sampleRate: sampleRate, pitch: 110, seed: 34)
        let capture = Signals.mix(
            Self.room(reference, echoGainDB: 6, sampleRate: sampleRate),
            Signals.placed(user, at: 3, totalSeconds: 11, sampleRate: sampleRate))
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate)
        let first = try theOnlyBargeIn(decisions)
        #expect(first >= 300 && first <= 315, "barge-in within 150 ms of the user's onset, got frame \(first)")
        #expect(!decisions[frames(from: 0, to: 3)].contains { $0.isSpeech })
    }
}

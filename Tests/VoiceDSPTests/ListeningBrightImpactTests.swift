import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Claps and clinks the impact and tone tests let through (thirtieth session): a clap whose noise holds its level
/// through the frame that would start speech (`impulse_bright_share_db`), and a glass whose three partials all reach
/// the speech band (the tone test's predictor is of order 6).
@Suite(.computeBound) struct ListeningBrightImpactTests {
    static let rates = [16000, 24000]

    /// Twenty claps peaking at -25 dBFS in a quiet room, each starting 3 ms before a frame boundary and swelling for
    /// 13 ms: the frame that would start speech holds the clap, louder in its second half than its first, and only
    /// the frame after it shows the decay.
    static func heldClaps(sampleRate: Int) -> [Int16] {
        Signals.mix(
            Signals.whiteNoise(levelDBFS: -80, seconds: 20, sampleRate: sampleRate, seed: 301),
            Signals.claps(
                peakDBFS: -25, seconds: 20, sampleRate: sampleRate, swellMilliseconds: 13, decayMilliseconds: 4,
                leadSamples: 3 * sampleRate / 1000, seed: 302)
        )
    }

    /// Claps and clinks are attacks that decay freely, as struck notes are: after two of them the struck-tone test
    /// (ListeningStruckToneTests) holds the rest back too. Off here, these tests test the impact and tone tests.
    static var impactTestOnly: ListeningParameters { ListeningStruckToneTests.withoutTest }

    @Test(arguments: rates)
    func clapsWhoseLevelHoldsThroughAFrameAreRejected(sampleRate: Int) {
        var withoutBrightTest = Self.impactTestOnly
        withoutBrightTest.vad.impulseBrightShareDB = 0
        let room = Self.heldClaps(sampleRate: sampleRate)
        let without = speechBursts(runDetector(room, sampleRate: sampleRate, parameters: withoutBrightTest))
        let with = speechBursts(runDetector(room, sampleRate: sampleRate, parameters: Self.impactTestOnly))
        #expect(without >= 10, "claps taken for speech without the bright test: \(without) of 20")
        #expect(with == 0, "claps taken for speech: \(with) of 20")
    }

    @Test(arguments: rates)
    func aVoicedOnsetDoesNotWaitAndAFricativeWaitsAtMostOneFrame(sampleRate: Int) throws {
        var withoutBrightTest = ListeningParameters()
        withoutBrightTest.vad.impulseBrightShareDB = 0
        let quiet = Signals.whiteNoise(levelDBFS: -75, seconds: 4, sampleRate: sampleRate, seed: 303)
        // Both rise as steeply as a clap. The vowel's energy lies under 1.5 kHz: it starts speech as before.
        let vowel = Signals.mix(
            quiet,
            Signals.placed(
                Signals.abruptVowel(levelDBFS: -30, seconds: 0.4, sampleRate: sampleRate), at: 2, totalSeconds: 4,
                sampleRate: sampleRate))
        let vowelBefore = try #require(
            runDetector(vowel, sampleRate: sampleRate, parameters: withoutBrightTest).firstIndex { $0.isSpeech })
        let vowelNow = try #require(runDetector(vowel, sampleRate: sampleRate).firstIndex { $0.isSpeech })
        #expect(vowelNow == vowelBefore)
        // An "s" is as bright as a clap: it may wait a frame, holds its level, and starts speech.
        let hiss = Signals.mix(
            quiet,
            Signals.placed(
                Signals.fricative(levelDBFS: -35, seconds: 0.3, sampleRate: sampleRate, seed: 304), at: 2,
                totalSeconds: 4, sampleRate: sampleRate))
        let hissBefore = try #require(
            runDetector(hiss, sampleRate: sampleRate, parameters: withoutBrightTest).firstIndex { $0.isSpeech })
        let hissDecisions = runDetector(hiss, sampleRate: sampleRate)
        let hissNow = try #require(hissDecisions.firstIndex { $0.isSpeech })
        #expect(hissNow <= hissBefore + 1, "onset at frame \(hissNow), \(hissBefore) without the bright test")
        #expect(speechFraction(hissDecisions[frames(from: 2.04, to: 2.3)]) == 1)
    }

    /// A glass rung at 2–2.3 kHz: its partials at 1.58 and 2.31 times that all lie in the speech band. An order-4
    /// predictor models two sinusoids and left such a glass at 10–13 dB, under the tone test's 13; order 6 models
    /// three.
    @Test(arguments: rates)
    func aGlassWithThreePartialsInTheBandDoesNotStartSpeech(sampleRate: Int) {
        let room = Signals.mix(
            Signals.whiteNoise(levelDBFS: -85, seconds: 20, sampleRate: sampleRate, seed: 305),
            Signals.clinks(
                peakDBFS: -45, seconds: 20, sampleRate: sampleRate, overtones: true, fundamentalHertz: 2000...2300,
                seed: 306))
        var withoutToneTest = Self.impactTestOnly
        withoutToneTest.vad.highTonePredictionGainDB = 1000
        let without = speechBursts(runDetector(room, sampleRate: sampleRate, parameters: withoutToneTest))
        let with = speechBursts(runDetector(room, sampleRate: sampleRate, parameters: Self.impactTestOnly))
        #expect(without >= 15, "glasses taken for speech without the tone test: \(without) of 20")
        #expect(with == 0, "glasses taken for speech: \(with) of 20")
    }
}

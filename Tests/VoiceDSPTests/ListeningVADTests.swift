import Testing
import VoiceTestSupport

@testable import VoiceDSP

@Suite(.computeBound) struct ListeningVADTests {
    static let rates = [16000, 24000]

    @Test(arguments: rates)
    func silenceAndSteadyNoiseAreNotSpeech(sampleRate: Int) {
        let quiet = runDetector(Signals.silence(seconds: 2, sampleRate: sampleRate), sampleRate: sampleRate)
        #expect(!quiet.contains { $0.isSpeech })
        let noise = Signals.whiteNoise(levelDBFS: -45, seconds: 10, sampleRate: sampleRate, seed: 1)
        let decisions = runDetector(noise, sampleRate: sampleRate)
        #expect(speechBursts(decisions) == 0)
    }

    @Test(arguments: rates)
    func speechLikeSoundOverNoiseIsDetectedPromptly(sampleRate: Int) throws {
        let noise = Signals.whiteNoise(levelDBFS: -50, seconds: 6, sampleRate: sampleRate, seed: 2)
        let speech = Signals.speechLike(levelDBFS: -30, seconds: 2, sampleRate: sampleRate, seed: 3)
        let capture = Signals.mix(noise, Signals.placed(speech, at: 3, totalSeconds: 6, sampleRate: sampleRate))
        let decisions = runDetector(capture, sampleRate: sampleRate)
        #expect(!decisions[frames(from: 0, to: 2.9)].contains { $0.isSpeech })
        let first = try #require(decisions.firstIndex { $0.isSpeech })
        #expect(first >= 300 && first <= 305, "onset within 50 ms, got frame \(first)")
        #expect(speechFraction(decisions[frames(from: 3, to: 5)]) > 0.9)
        // Hangover holds through syllable gaps, then speech ends within hangover + a little.
        #expect(!decisions[frames(from: 5.5, to: 6)].contains { $0.isSpeech })
    }

    @Test(arguments: rates)
    func aStepInTheNoiseFloorIsAdaptedTo(sampleRate: Int) {
        let quiet = Signals.whiteNoise(levelDBFS: -60, seconds: 3, sampleRate: sampleRate, seed: 4)
        let loud = Signals.whiteNoise(levelDBFS: -35, seconds: 12, sampleRate: sampleRate, seed: 5)
        let decisions = runDetector(quiet + loud, sampleRate: sampleRate)
        // A sudden 25 dB step may look like sound at first, but never stays speech.
        #expect(!decisions[frames(from: 8, to: 15)].contains { $0.isSpeech })
        // ...and speech over the new floor is still heard.
        let speech = Signals.speechLike(levelDBFS: -22, seconds: 1.5, sampleRate: sampleRate, seed: 6)
        let capture = Signals.mix(
            quiet + loud, Signals.placed(speech, at: 12, totalSeconds: 15, sampleRate: sampleRate))
        let withSpeech = runDetector(capture, sampleRate: sampleRate)
        #expect(speechFraction(withSpeech[frames(from: 12, to: 13.5)]) > 0.8)
    }

    @Test(arguments: rates)
    func aSteadyToneIsAdaptedTo(sampleRate: Int) {
        let tone = Signals.tone(frequency: 1000, levelDBFS: -30, seconds: 10, sampleRate: sampleRate)
        let decisions = runDetector(tone, sampleRate: sampleRate)
        #expect(!decisions[frames(from: 6, to: 10)].contains { $0.isSpeech })
    }

    @Test(arguments: rates)
    func hangoverBridgesShortPausesButNotLongOnes(sampleRate: Int) {
        let noise = Signals.whiteNoise(levelDBFS: -55, seconds: 8, sampleRate: sampleRate, seed: 7)
        let burst = Signals.whiteNoise(levelDBFS: -30, seconds: 1, sampleRate: sampleRate, seed: 8)
        let capture = Signals.mix(
            noise,
            Signals.placed(burst, at: 2, totalSeconds: 8, sampleRate: sampleRate),
            Signals.placed(burst, at: 3.08, totalSeconds: 8, sampleRate: sampleRate),  // 80 ms pause
            Signals.placed(burst, at: 5.5, totalSeconds: 8, sampleRate: sampleRate)  // 1.42 s pause
        )
        let decisions = runDetector(capture, sampleRate: sampleRate)
        #expect(speechBursts(decisions[frames(from: 1.5, to: 4.5)]) == 1)
        #expect(speechBursts(decisions) == 2)
    }

    @Test func hysteresisKeepsSpeechBetweenTheThresholds() {
        let rate = 16000
        var parameters = ListeningParameters()
        parameters.vad.hangoverMilliseconds = 50
        let floor = Signals.whiteNoise(levelDBFS: -60, seconds: 6, sampleRate: rate, seed: 9)
        let loud = Signals.whiteNoise(levelDBFS: -40, seconds: 0.5, sampleRate: rate, seed: 10)
        // Between onset and offset thresholds: cannot start speech, but keeps it going.
        let middleLevel = -60 + (parameters.vad.onsetThresholdDB + parameters.vad.offsetThresholdDB) / 2
        let middle = Signals.whiteNoise(levelDBFS: middleLevel, seconds: 0.5, sampleRate: rate, seed: 11)
        let capture = Signals.mix(
            floor,
            Signals.placed(middle, at: 2, totalSeconds: 6, sampleRate: rate),
            Signals.placed(loud + middle, at: 4, totalSeconds: 6, sampleRate: rate)
        )
        let decisions = runDetector(capture, sampleRate: rate, parameters: parameters)
        #expect(!decisions[frames(from: 2, to: 2.5)].contains { $0.isSpeech })
        #expect(decisions[frames(from: 4.1, to: 4.9)].allSatisfy { $0.isSpeech })
    }

    @Test func levelIsTheFrameRMS() {
        let rate = 24000
        let tone = Signals.tone(frequency: 500, levelDBFS: -20, seconds: 0.5, sampleRate: rate)
        let decisions = runDetector(tone, sampleRate: rate)
        #expect(abs(decisions[10].levelDBFS - -20) < 0.2)
    }
}

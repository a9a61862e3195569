import Testing
import VoiceTestSupport

@testable import VoiceDSP

@Suite(.computeBound) struct ListeningDetectorTests {
    let rate = 16000

    func utterances(at starts: [Double], seconds: Double, total: Double) -> [Int16] {
        var capture = Signals.whiteNoise(levelDBFS: -60, seconds: total, sampleRate: rate, seed: 31)
        for (index, start) in starts.enumerated() {
            let speech = Signals.speechLike(
                levelDBFS: -28, seconds: seconds, sampleRate: rate, seed: 32 + UInt64(index))
            capture = Signals.mix(capture, Signals.placed(speech, at: start, totalSeconds: total, sampleRate: rate))
        }
        return capture
    }

    @Test func aTurnStartsOnceAndEndsAfterTheConfiguredSilence() throws {
        var parameters = ListeningParameters()
        parameters.endOfTurnSilenceMilliseconds = 700
        let decisions = runDetector(
            utterances(at: [1, 2.5], seconds: 1, total: 6), sampleRate: rate, parameters: parameters)
        let starts = decisions.indices.filter { decisions[$0].speechStarted }
        let ends = decisions.indices.filter { decisions[$0].speechEnded }
        // The 0.5 s pause between the utterances is shorter than 700 ms: one turn.
        #expect(starts.count == 1)
        #expect(ends.count == 1)
        let lastSpeech = try #require(decisions.lastIndex { $0.isSpeech })
        let end = try #require(ends.first)
        #expect(end - lastSpeech == 70)
        #expect(!decisions.contains { $0.bargeIn })
    }

    @Test func theFramesLeftUntilTheTurnEndsInSilenceAreExact() throws {
        for silence in [700, 300, 100] {
            var parameters = ListeningParameters()
            parameters.endOfTurnSilenceMilliseconds = silence
            var detector = ListeningDetector(sampleRate: rate, parameters: parameters)
            let capture = utterances(at: [1], seconds: 1, total: 4)
            var predictions: [Int?] = []
            var decisions: [ListeningDecision] = []
            for start in stride(from: 0, to: capture.count - 159, by: 160) {
                predictions.append(detector.framesUntilTurnEndsInSilence)
                decisions.append(detector.process(frame: Array(capture[start..<start + 160]), reference: nil))
            }
            let started = try #require(decisions.firstIndex { $0.speechStarted })
            let end = try #require(decisions.firstIndex { $0.speechEnded })
            let lastSpeech = try #require(decisions[..<end].lastIndex { $0.isSpeech })
            #expect(predictions[0...started].allSatisfy { $0 == nil }, "no turn, no end to predict")
            #expect(predictions[started + 1] != nil)
            // From the last frame the VAD still called speech (its hangover) on, every frame is silent: each
            // prediction must land on the frame that ended the turn.
            for index in lastSpeech...end {
                #expect(predictions[index] == end - index + 1, "silence \(silence) ms, frame \(index)")
            }
            #expect(predictions[end + 1] == nil)
        }
    }

    @Test func theEndOfTurnSilenceIsConfigurable() throws {
        var parameters = ListeningParameters()
        parameters.endOfTurnSilenceMilliseconds = 300
        let decisions = runDetector(
            utterances(at: [1, 2.5], seconds: 1, total: 6), sampleRate: rate, parameters: parameters)
        #expect(decisions.filter(\.speechStarted).count == 2)
        #expect(decisions.filter(\.speechEnded).count == 2)
        let lastSpeech = try #require(decisions.lastIndex { $0.isSpeech })
        let end = try #require(decisions.lastIndex { $0.speechEnded })
        #expect(end - lastSpeech == 30)
    }

    @Test func resetTurnDropsTheTurnWithoutAnEndAndSpeechGoingOnStartsTheNext() throws {
        // The utterance runs from 1 s to 2 s; the turn is reset at 1.8 s (a press while the user talks, or
        // capture resuming after it paused mid-speech). The old turn gets no end; the speech still going on
        // starts a new turn at once, which ends after the silence. (Before, the VAD stayed "in speech" across
        // the reset and the rest of the utterance started nothing: the daemon waited for speech that it was
        // hearing, and timed the turn out.)
        var detector = ListeningDetector(sampleRate: rate)
        let capture = utterances(at: [1], seconds: 1, total: 4)
        var starts: [Int] = []
        var ends: [Int] = []
        for (index, start) in stride(from: 0, to: capture.count - 159, by: 160).enumerated() {
            if index == 180 { detector.resetTurn() }
            let decision = detector.process(frame: Array(capture[start..<start + 160]), reference: nil)
            if decision.speechEnded { ends.append(index) }
            if decision.speechStarted { starts.append(index) }
        }
        #expect(starts.count == 2)
        let first = try #require(starts.first)
        #expect(first >= 100 && first < 115)
        let second = try #require(starts.last)
        #expect(second >= 180 && second <= 183, "speech going on at the reset starts the next turn at once")
        #expect(ends.count == 1)
        let end = try #require(ends.first)
        #expect(end > 200 + 60, "the only end is the new turn's, after the utterance and its silence")
        #expect(!detector.isInTurn)
    }

    @Test func oddFramesAndEmptyReferencesDoNotCrash() {
        var detector = ListeningDetector(sampleRate: 24000)
        _ = detector.process(frame: [], reference: [])
        _ = detector.process(frame: [Int16.max, Int16.min, 0], reference: nil)
        let decision = detector.process(frame: Array(repeating: Int16.min, count: 240), reference: [1, 2])
        #expect(decision.levelDBFS > -1)
    }
}

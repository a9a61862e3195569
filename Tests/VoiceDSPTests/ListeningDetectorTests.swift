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

    @Test func resetTurnDropsTheTurnWithoutAnEnd() {
        var detector = ListeningDetector(sampleRate: rate)
        let capture = utterances(at: [1], seconds: 1, total: 4)
        var ended = 0
        var started = 0
        for (index, start) in stride(from: 0, to: capture.count - 159, by: 160).enumerated() {
            if index == 180 { detector.resetTurn() }
            let decision = detector.process(frame: Array(capture[start..<start + 160]), reference: nil)
            ended += decision.speechEnded ? 1 : 0
            started += decision.speechStarted ? 1 : 0
        }
        #expect(started == 1)
        #expect(ended == 0)
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

import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// The talker-gone test (`EnergyVADParameters.talkerGoneDropDB`): a run of speech that babble holds on after the
/// user stopped ends, so the turn ends by its silence instead of running to the turn's time limit.
@Suite(.computeBound) struct ListeningTalkerGoneTests {
    static let rates = [16000, 24000]

    func parameters(talkerGone: Bool) -> ListeningParameters {
        var parameters = ListeningParameters()
        if !talkerGone { parameters.talkerGoneDropDB = 0 }
        return parameters
    }

    /// Babble of three talkers over the whole clip, from the detector's first frame (it holds the VAD on before the
    /// noise spread has learned it); the user speaks `seconds` from 3 s, 18 dB over it.
    func babbleRoom(rate: Int, seconds: Double, total: Double = 14) -> [Int16] {
        let room = Signals.babble(levelDBFS: -45, seconds: total, sampleRate: rate, talkers: 3, seed: 71)
        let user = Signals.speechLike(levelDBFS: -27, seconds: seconds, sampleRate: rate, pitch: 130, seed: 72)
        return Signals.mix(room, Signals.placed(user, at: 3, totalSeconds: total, sampleRate: rate))
    }

    @Test(arguments: rates) func aTurnHeldOnByBabbleEndsWhenTheUserStops(rate: Int) throws {
        let capture = babbleRoom(rate: rate, seconds: 2.5)
        let before = runDetector(capture, sampleRate: rate, parameters: parameters(talkerGone: false))
        let after = runDetector(capture, sampleRate: rate, parameters: parameters(talkerGone: true))
        // Without the test the babble holds the turn open to the end of the clip, 8.5 s after the user's last word.
        #expect(before.contains { $0.speechStarted })
        #expect(!before.contains { $0.speechEnded })
        // With it, the turn ends within a second and a half of the user's last word (5.5 s), never before it.
        let end = try #require(after.firstIndex { $0.speechEnded })
        #expect(end >= 550 && end <= 700, "the turn ended at \(Double(end) / 100) s")
    }

    @Test(arguments: rates) func aLongUtteranceInBabbleIsNotCutOff(rate: Int) throws {
        // Six seconds of talking without a pause long enough to end the turn.
        let decisions = runDetector(
            babbleRoom(rate: rate, seconds: 6), sampleRate: rate, parameters: parameters(talkerGone: true))
        #expect(decisions[frames(from: 3, to: 9)].filter(\.speechEnded).isEmpty)
        #expect(decisions[frames(from: 3.2, to: 9)].filter(\.isSpeech).count > 500)
    }

    @Test(arguments: rates) func aKnockInTheMiddleOfATurnDoesNotEndIt(rate: Int) throws {
        // The user talks for five seconds in a quiet room; a knock far over their voice lands two seconds in. The
        // knock is not the talker's level: what follows it is still the user.
        let total = 8.0
        let room = Signals.whiteNoise(levelDBFS: -65, seconds: total, sampleRate: rate, seed: 75)
        let user = Signals.speechLike(levelDBFS: -35, seconds: 5, sampleRate: rate, seed: 76)
        let knock = Signals.knocks(peakDBFS: -3, seconds: 0.4, sampleRate: rate, seed: 77)
        let capture = Signals.mix(
            room, Signals.placed(user, at: 1, totalSeconds: total, sampleRate: rate),
            Signals.placed(knock, at: 2.7, totalSeconds: total, sampleRate: rate))
        let decisions = runDetector(capture, sampleRate: rate, parameters: parameters(talkerGone: true))
        let start = try #require(decisions.firstIndex { $0.speechStarted })
        #expect(start < 120)
        let end = try #require(decisions.firstIndex { $0.speechEnded })
        #expect(end >= 600, "the turn ended at \(Double(end) / 100) s, while the user still talked")
    }

    @Test(arguments: rates) func speechInSteadyNoiseIsDecidedAsWithoutTheTest(rate: Int) {
        var capture = Signals.whiteNoise(levelDBFS: -50, seconds: 12, sampleRate: rate, seed: 73)
        for (index, start) in [1.0, 4.0, 7.5].enumerated() {
            let speech = Signals.speechLike(
                levelDBFS: -32, seconds: 2, sampleRate: rate, seed: 74 + UInt64(index))
            capture = Signals.mix(capture, Signals.placed(speech, at: start, totalSeconds: 12, sampleRate: rate))
        }
        let before = runDetector(capture, sampleRate: rate, parameters: parameters(talkerGone: false))
        let after = runDetector(capture, sampleRate: rate, parameters: parameters(talkerGone: true))
        #expect(before.filter(\.speechStarted).count == 3)
        #expect(after == before)
    }
}

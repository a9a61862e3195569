import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Struck-tone rooms: bells and chimes stop starting turns once the room is recognised; speech there
/// still starts one, and speech elsewhere pays nothing.
@Suite(.computeBound) struct ListeningStruckToneTests {
    static let rates = [16000, 24000]

    static var withoutTest: ListeningParameters {
        var parameters = ListeningParameters()
        parameters.vad.struckToneRoomMilliseconds = 0
        return parameters
    }

    /// Bells over a quiet room's self-noise: every strike from the floor looks like a voiced onset.
    static func bellRoom(seconds: Double, sampleRate: Int, seed: UInt64 = 72) -> [Int16] {
        Signals.mix(
            Signals.whiteNoise(levelDBFS: -75, seconds: seconds, sampleRate: sampleRate, seed: 71),
            Signals.bells(levelDBFS: -35, seconds: seconds, sampleRate: sampleRate, seed: seed)
        )
    }

    /// Runs the detector and also reports, per frame, whether the room was marked as struck.
    static func run(_ capture: [Int16], sampleRate: Int, parameters: ListeningParameters = ListeningParameters())
        -> (decisions: [ListeningDecision], struck: [Bool])
    {
        var detector = ListeningDetector(sampleRate: sampleRate, parameters: parameters)
        let frameLength = sampleRate / 100
        var decisions: [ListeningDecision] = []
        var struck: [Bool] = []
        for start in stride(from: 0, to: capture.count - frameLength + 1, by: frameLength) {
            decisions.append(detector.process(frame: Array(capture[start..<(start + frameLength)]), reference: nil))
            struck.append(detector.vad.isStruckToneRoom)
        }
        return (decisions, struck)
    }

    /// Turn starts, counting those less than 300 ms after the previous burst ended as the same one
    /// (as the eval kit counts false triggers).
    static func triggers(_ decisions: [ListeningDecision]) -> Int {
        var count = 0
        var lastSpeech = -1000
        for (index, decision) in decisions.enumerated() where decision.isSpeech {
            if index - lastSpeech > 30 { count += 1 }
            lastSpeech = index
        }
        return count
    }

    @Test(arguments: rates)
    func bellsStopStartingTurnsOnceTheRoomIsRecognised(sampleRate: Int) async throws {
        // Four rooms of 30 s: one room's count is a handful of lock-ins, too few to compare alone.
        let rooms = try await blockingCall {
            (UInt64(72)...UInt64(75)).map { seed in
                let capture = Self.bellRoom(seconds: 30, sampleRate: sampleRate, seed: seed)
                return (
                    with: Self.run(capture, sampleRate: sampleRate),
                    without: Self.run(capture, sampleRate: sampleRate, parameters: Self.withoutTest)
                )
            }
        }
        var triggersWith = 0
        var triggersWithout = 0
        for room in rooms {
            triggersWith += Self.triggers(room.with.decisions)
            triggersWithout += Self.triggers(room.without.decisions)
            let heldWith = speechFraction(room.with.decisions)
            let heldWithout = speechFraction(room.without.decisions)
            // Without the test the bells hold a turn open most of the time; with it, far less.
            #expect(heldWithout > 0.7, "bells taken for speech in \(heldWithout) of the frames without the test")
            #expect(heldWith < 0.6 * heldWithout, "\(heldWith) of the frames with the test, \(heldWithout) without")
            #expect(room.with.struck.contains(true), "the room is recognised")
            #expect(!room.without.struck.contains(true), "the room is never marked with the test off")
        }
        #expect(triggersWithout >= 16, "bells alone: \(triggersWithout) triggers in four rooms")
        #expect(
            3 * triggersWith <= 2 * triggersWithout,
            "\(triggersWith) triggers with the test, \(triggersWithout) without")
    }

    @Test(arguments: rates)
    func speechInABellRoomStillStartsATurn(sampleRate: Int) async throws {
        let result = try await blockingCall {
            let capture = Signals.mix(
                Self.bellRoom(seconds: 24, sampleRate: sampleRate),
                Signals.placed(
                    Signals.speechLike(levelDBFS: -25, seconds: 2, sampleRate: sampleRate, pitch: 150, seed: 73),
                    at: 20, totalSeconds: 24, sampleRate: sampleRate)
            )
            return Self.run(capture, sampleRate: sampleRate)
        }
        let speech = frames(from: 20, to: 22)
        // The bells have marked the room by the time the user speaks (else this tests nothing).
        #expect(result.struck[speech.lowerBound - 1])
        let first = try #require(result.decisions[speech].firstIndex { $0.isSpeech })
        #expect(first - speech.lowerBound <= 10, "onset \(10 * (first - speech.lowerBound)) ms into the speech")
        #expect(speechFraction(result.decisions[speech]) > 0.7)
    }

    @Test(arguments: rates)
    func speechInAQuietRoomIsDecidedExactlyAsWithoutTheTest(sampleRate: Int) async throws {
        let (with, without) = try await blockingCall {
            let capture = Signals.mix(
                Signals.whiteNoise(levelDBFS: -60, seconds: 10, sampleRate: sampleRate, seed: 74),
                Signals.placed(
                    Signals.speechLike(levelDBFS: -30, seconds: 6, sampleRate: sampleRate, seed: 75),
                    at: 2, totalSeconds: 10, sampleRate: sampleRate)
            )
            return (
                Self.run(capture, sampleRate: sampleRate),
                Self.run(capture, sampleRate: sampleRate, parameters: Self.withoutTest)
            )
        }
        #expect(with.struck.allSatisfy { !$0 })
        #expect(with.decisions.map(\.isSpeech) == without.decisions.map(\.isSpeech))
        #expect(speechBursts(with.decisions) >= 1)
    }
}

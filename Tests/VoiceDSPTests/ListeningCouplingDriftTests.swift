import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// The coupling steps down on every frame quieter than it. A stretch of a reply whose echo comes back quieter than
/// the rest (weak syllables, falling edges, a band the room absorbs) pulls it under the echo of the reply's next loud
/// part, which then counts as a barge-in: the reply interrupts itself. The steady coupling
/// (`couplingDriftLimitDB`) holds the estimate up.
@Suite(.computeBound) struct ListeningCouplingDriftTests {
    static let rates = [16000, 24000]

    /// One reply in three parts, 0.5–3 s, 3–4.5 s and 4.5–6 s. The room returns the middle part `middleDropDB` quieter
    /// than the others.
    static func replyAndRoom(middleDropDB: Double, sampleRate: Int) -> (reference: [Int16], capture: [Int16]) {
        let total = 6.5
        let parts = [
            (start: 0.5, seconds: 2.5, pitch: 190.0, seed: UInt64(41), gainDB: -10.0),
            (start: 3.0, seconds: 1.5, pitch: 170.0, seed: UInt64(42), gainDB: -10.0 - middleDropDB),
            (start: 4.5, seconds: 1.5, pitch: 200.0, seed: UInt64(43), gainDB: -10.0),
        ]
        var reference = Signals.silence(seconds: total, sampleRate: sampleRate)
        var capture = Signals.whiteNoise(levelDBFS: -65, seconds: total, sampleRate: sampleRate, seed: 44)
        for part in parts {
            let played = Signals.placed(
                Signals.speechLike(
                    levelDBFS: -26, seconds: part.seconds, sampleRate: sampleRate, pitch: part.pitch, seed: part.seed),
                at: part.start, totalSeconds: total, sampleRate: sampleRate)
            reference = Signals.mix(reference, played)
            capture = Signals.mix(
                capture,
                Signals.echo(
                    of: played, delayMilliseconds: 10, gainDB: part.gainDB, decayMilliseconds: 200,
                    sampleRate: sampleRate))
        }
        return (reference, capture)
    }

    @Test(arguments: rates)
    func aQuieterStretchOfTheReplyDoesNotLetItsNextLoudPartInterruptIt(sampleRate: Int) {
        let (reference, capture) = Self.replyAndRoom(middleDropDB: 10, sampleRate: sampleRate)
        var detector = ListeningDetector(sampleRate: sampleRate)
        let decisions = runDetector(&detector, capture, reference: reference)
        let interruptions = decisions.indices.filter { decisions[$0].bargeIn || decisions[$0].speechStarted }
        #expect(interruptions.isEmpty, "the reply was taken for a user at frames \(interruptions)")
        // The quieter stretch did teach the fast tracker; the estimate was held up, not the tracker.
        #expect(detector.gate.steadyCouplingDB > detector.gate.couplingDB)
    }

    @Test(arguments: rates)
    func withoutTheDriftLimitTheReplyInterruptsItself(sampleRate: Int) {
        let (reference, capture) = Self.replyAndRoom(middleDropDB: 10, sampleRate: sampleRate)
        var parameters = ListeningParameters()
        parameters.echo.couplingDriftLimitDB = 0
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate, parameters: parameters)
        let interruptions = decisions.indices.filter { decisions[$0].bargeIn }
        #expect(interruptions.contains { frames(from: 4.5, to: 6).contains($0) }, "barge-ins at \(interruptions)")
    }

    /// The user is about 15 dB over the loud part's echo.
    @Test(arguments: rates)
    func aUserStillBargesInOverTheLoudPart(sampleRate: Int) throws {
        let (reference, echo) = Self.replyAndRoom(middleDropDB: 10, sampleRate: sampleRate)
        let user = Signals.speechLike(levelDBFS: -20, seconds: 1, sampleRate: sampleRate, pitch: 110, seed: 45)
        let capture = Signals.mix(echo, Signals.placed(user, at: 5, totalSeconds: 6.5, sampleRate: sampleRate))
        let decisions = runDetector(capture, reference: reference, sampleRate: sampleRate)
        let first = try theOnlyBargeIn(decisions)
        #expect(first >= 500 && first <= 515, "barge-in within 150 ms of the user's onset, got frame \(first)")
    }
}

import Testing
import VoiceDSP
import VoiceTestSupport

/// Runs a fresh detector over a capture signal (and optional reference) 10 ms at a time.
func runDetector(
    _ capture: [Int16],
    reference: [Int16]? = nil,
    sampleRate: Int,
    parameters: ListeningParameters = ListeningParameters()
) -> [ListeningDecision] {
    var detector = ListeningDetector(sampleRate: sampleRate, parameters: parameters)
    return runDetector(&detector, capture, reference: reference)
}

/// Runs `detector` over a capture signal (and optional reference) 10 ms at a time; the detector keeps what it
/// learned, for tests that look at its state afterwards.
func runDetector(
    _ detector: inout ListeningDetector,
    _ capture: [Int16],
    reference: [Int16]? = nil
) -> [ListeningDecision] {
    let frameLength = detector.frameLength
    var decisions: [ListeningDecision] = []
    for start in stride(from: 0, to: capture.count - frameLength + 1, by: frameLength) {
        let frame = Array(capture[start..<(start + frameLength)])
        var played: [Int16]?
        if let reference {
            played = start < reference.count ? Array(reference[start..<min(start + frameLength, reference.count)]) : []
        }
        decisions.append(detector.process(frame: frame, reference: played))
    }
    return decisions
}

/// Frame index range for a time span in seconds.
func frames(from start: Double, to end: Double) -> Range<Int> {
    Int((start * 100).rounded())..<Int((end * 100).rounded())
}

/// The frame of the one barge-in among `decisions`: records an issue (at the caller) unless there is exactly one.
func theOnlyBargeIn(
    _ decisions: [ListeningDecision], sourceLocation: SourceLocation = #_sourceLocation
) throws -> Int {
    let bargeIns = decisions.indices.filter { decisions[$0].bargeIn }
    #expect(bargeIns.count == 1, "barge-ins at frames \(bargeIns)", sourceLocation: sourceLocation)
    return try #require(bargeIns.first, sourceLocation: sourceLocation)
}

/// Number of separate speech bursts (rising edges of `isSpeech`).
func speechBursts(_ decisions: some Collection<ListeningDecision>) -> Int {
    var count = 0
    var previous = false
    for decision in decisions {
        if decision.isSpeech && !previous { count += 1 }
        previous = decision.isSpeech
    }
    return count
}

func speechFraction(_ decisions: some Collection<ListeningDecision>) -> Double {
    guard !decisions.isEmpty else { return 0 }
    return Double(decisions.filter(\.isSpeech).count) / Double(decisions.count)
}

/// A reply of `sentences` speech-like sentences of 0.9 s at -20 dBFS, the first at `start` seconds and each
/// `every` seconds after the one before (seeds from `seed` on), in a track of `seconds`.
func speechLikeReply(
    sentences: Int, start: Double, every: Double, seconds: Double, sampleRate: Int, seed: UInt64
) -> [Int16] {
    var played = [Int16](repeating: 0, count: Int(seconds * Double(sampleRate)))
    for sentence in 0..<sentences {
        let part = Signals.speechLike(
            levelDBFS: -20, seconds: 0.9, sampleRate: sampleRate, pitch: 190, seed: seed + UInt64(sentence))
        let first = Int((start + every * Double(sentence)) * Double(sampleRate))
        for index in part.indices where first + index < played.count { played[first + index] = part[index] }
    }
    return played
}

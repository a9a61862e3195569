import Foundation

/// The simulator's server VAD: energy per 10 ms frame against a dBFS level, with a short onset and the
/// session's silence duration as hangover. Time is audio time (samples received), so it is deterministic.
struct SpeechDetector {
    enum Edge: Equatable {
        /// Speech began at this audio time (ms since the session's first appended sample).
        case started(atMilliseconds: Int)
        /// Speech ended at this audio time (the first silent frame after the last voiced one).
        case stopped(atMilliseconds: Int)
    }

    var levelDBFS: Double
    var silenceMilliseconds: Int
    let sampleRate: Int

    private var frame: [Int16] = []
    private var processedFrames = 0
    private var consecutiveVoiced = 0
    private var consecutiveSilent = 0
    private(set) var isSpeaking = false
    private var lastVoicedEndMilliseconds = 0

    /// Voiced frames needed to call it speech (30 ms), so a click does not start a turn.
    private let onsetFrames = 3

    init(levelDBFS: Double, silenceMilliseconds: Int, sampleRate: Int) {
        self.levelDBFS = levelDBFS
        self.silenceMilliseconds = silenceMilliseconds
        self.sampleRate = sampleRate
        frame.reserveCapacity(frameLength)
    }

    private var frameLength: Int { max(1, sampleRate / 100) }

    /// Audio time of everything processed so far.
    var elapsedMilliseconds: Int { processedFrames * 10 + frame.count * 1000 / max(1, sampleRate) }

    /// Feeds samples; returns the edges they caused, in order.
    mutating func process(_ samples: [Int16]) -> [Edge] {
        var edges: [Edge] = []
        for sample in samples {
            frame.append(sample)
            if frame.count == frameLength {
                if let edge = processFrame() { edges.append(edge) }
                frame.removeAll(keepingCapacity: true)
            }
        }
        return edges
    }

    /// Forgets partial speech (after `input_audio_buffer.clear` or a commit), keeping the audio clock.
    mutating func reset() {
        isSpeaking = false
        consecutiveVoiced = 0
        consecutiveSilent = 0
    }

    private mutating func processFrame() -> Edge? {
        let sumOfSquares = frame.reduce(0.0) { $0 + Double($1) * Double($1) }
        let rms = (sumOfSquares / Double(frame.count)).squareRoot() / 32_768
        let level = rms > 0 ? 20 * log10(rms) : -120
        let startMilliseconds = processedFrames * 10
        processedFrames += 1
        if level >= levelDBFS {
            consecutiveVoiced += 1
            consecutiveSilent = 0
            lastVoicedEndMilliseconds = processedFrames * 10
            if !isSpeaking, consecutiveVoiced >= onsetFrames {
                isSpeaking = true
                return .started(atMilliseconds: startMilliseconds - (onsetFrames - 1) * 10)
            }
        } else {
            consecutiveVoiced = 0
            if isSpeaking {
                consecutiveSilent += 1
                if consecutiveSilent * 10 >= silenceMilliseconds {
                    isSpeaking = false
                    consecutiveSilent = 0
                    return .stopped(atMilliseconds: lastVoicedEndMilliseconds)
                }
            }
        }
        return nil
    }
}

import Foundation
import VoiceCore
import VoiceDSP
import VoiceTestSupport

/// Polls `condition` until it holds or `timeout` passes. Returns whether it held.
func waitUntil(timeout: Duration = mustHappenWithin, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

enum Signals {
    /// A sine of `frequency` Hz, `amplitude` 0…1, as Int16.
    static func tone(frequency: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Int16] {
        let count = Int(Double(rate) * seconds)
        return (0..<count).map { index in
            Int16((amplitude * 32_767 * sin(2 * Double.pi * frequency * Double(index) / Double(rate))).rounded())
        }
    }

    /// Interleaves channels of equal length.
    static func interleave(_ channels: [[Int16]]) -> [Int16] {
        guard let first = channels.first else { return [] }
        var output: [Int16] = []
        output.reserveCapacity(first.count * channels.count)
        for index in first.indices {
            for channel in channels { output.append(channel[index]) }
        }
        return output
    }

    /// Frequency from rising zero crossings over the whole slice.
    static func estimatedFrequency(_ samples: ArraySlice<Int16>, rate: Int) -> Double {
        var crossings: [Int] = []
        var previous = samples.first ?? 0
        for (index, sample) in zip(samples.indices, samples) {
            if previous < 0, sample >= 0 { crossings.append(index) }
            previous = sample
        }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) * Double(rate) / Double(last - first)
    }

    /// Index range of samples louder than `threshold` (first to last).
    static func activeRange(_ samples: [Int16], threshold: Int16 = 300) -> Range<Int>? {
        guard let first = samples.firstIndex(where: { abs(Int($0)) > Int(threshold) }),
            let last = samples.lastIndex(where: { abs(Int($0)) > Int(threshold) })
        else { return nil }
        return first..<(last + 1)
    }

    static func rms(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return (sum / Double(samples.count)).squareRoot()
    }
}

import Foundation

/// Small measurement tools for the DSP tests: tone generation, single-frequency fits and the
/// amplitude response of a linear-phase filter.
enum SignalAnalysis {
    static func tone(frequency: Double, sampleRate: Int, count: Int, amplitude: Double = 0.5) -> [Float] {
        (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
    }

    /// Least-squares fit of `a·sin + b·cos` at `frequency` to `samples`.
    /// - Returns: the fitted amplitude and the RMS of what the fit leaves over.
    static func fitTone(_ samples: ArraySlice<Float>, frequency: Double, sampleRate: Int) -> (
        amplitude: Double, residualRMS: Double
    ) {
        let omega = 2 * Double.pi * frequency / Double(sampleRate)
        var ss = 0.0, cc = 0.0, sc = 0.0, ys = 0.0, yc = 0.0
        for (offset, sample) in samples.enumerated() {
            let n = Double(samples.startIndex + offset)
            let s = sin(omega * n), c = cos(omega * n), y = Double(sample)
            ss += s * s; cc += c * c; sc += s * c; ys += y * s; yc += y * c
        }
        let determinant = ss * cc - sc * sc
        let a = (ys * cc - yc * sc) / determinant
        let b = (yc * ss - ys * sc) / determinant
        var residual = 0.0
        for (offset, sample) in samples.enumerated() {
            let n = Double(samples.startIndex + offset)
            let error = Double(sample) - a * sin(omega * n) - b * cos(omega * n)
            residual += error * error
        }
        return ((a * a + b * b).squareRoot(), (residual / Double(samples.count)).squareRoot())
    }

    static func rms(_ samples: ArraySlice<Float>) -> Double {
        (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))).squareRoot()
    }

    static func decibels(_ ratio: Double) -> Double { 20 * log10(max(ratio, 1e-12)) }

    /// |H(f)| of a symmetric odd-length filter, with `frequency` relative to the filter's sample rate
    /// (0…0.5). Uses the cosine form and the Chebyshev recurrence, so no trigonometry per tap.
    static func amplitudeResponse(symmetricTaps taps: [Double], normalizedFrequency frequency: Double) -> Double {
        let centre = (taps.count - 1) / 2
        let twiceCos = 2 * cos(2 * Double.pi * frequency)
        var previous = 1.0  // cos(0·ω)
        var current = twiceCos / 2  // cos(1·ω)
        var sum = taps[centre]
        for k in 1...max(1, centre) where centre > 0 {
            sum += 2 * taps[centre + k] * current
            (previous, current) = (current, twiceCos * current - previous)
        }
        return abs(sum)
    }
}

import RealModule

/// The share of a frame's spectrum (150 Hz–3.9 kHz, 31 Hz bins) that stands `marginDB` over its own floor.
///
/// A voice spreads its energy over most of the band: harmonics that glide with the pitch, formants, noise in its
/// consonants. A bell or an organ puts it into a few partials, and a new note lights only those. Each bin keeps its own
/// floor (minimum statistics over 1.5 s, as the full band's), so steady hiss or hum occupies almost nothing (0.01–0.03
/// of the bins at 10 dB), a struck or held note 0.2–0.4 and speech 0.4–1 (docs/listening.md, "Spectral occupancy").
/// A 256-point FFT of the band signal taken down to about 8 kHz (every second or third sample, as `SpectralBands`)
/// over the last 32 ms, once per frame; nothing allocates after `init`.
struct SpectralOccupancy: Sendable {
    static let fftSize = 256
    /// Bins 5..<124 of 256 at 8 kHz: 156 Hz to 3.84 kHz.
    static let bins = 5..<124
    /// Samples (at ~8 kHz) per 10 ms frame.
    static let hop = 80
    /// Minimum statistics: `subWindows` windows of `subWindowFrames` frames, plus the one being filled.
    static let subWindows = 6
    static let subWindowFrames = 25
    /// Each bin's power is smoothed over about three frames before its minimum is taken. The minimum of a less
    /// smoothed spectrum sits lower, and steady noise then occupies more bins (learned every fourth frame, white noise
    /// read as tonal: docs/listening.md, "Tonal rooms").
    static let smoothing = 0.7
    /// The minimum of a smoothed periodogram sits under the mean; this brings it up (as `noise_floor_bias_db`).
    static let floorBias = 2.0
    /// Frames whose FFT window still holds the zeros before the first sample: they teach no floor.
    static let startFrames = fftSize / hop + 1

    let decimation: Int
    /// A bin counts when its power exceeds its floor by this ratio.
    let marginRatio: Double
    private var history: [Double]
    private var window: [Double]
    private var real: [Double]
    private var imaginary: [Double]
    private var twiddleReal: [Double]
    private var twiddleImaginary: [Double]
    private var bitReversed: [Int]
    private var powers: [Double]
    private var smoothed: [Double]
    private var filling: [Double]
    /// The last `subWindows` completed windows' minima, bin by bin, and their minimum.
    private var minima: [Double]
    private var completedMinimum: [Double]
    private var filledFrames = 0
    private var subWindow = 0
    private var framesSeen = 0

    init(sampleRate: Int, marginDB: Double) {
        decimation = max(sampleRate / 8000, 1)
        marginRatio = Double.exp(marginDB * (Double.log(10) / 10))
        let n = Self.fftSize
        let half = n / 2
        history = Array(repeating: 0, count: n)
        window = (0..<n).map { 0.5 - 0.5 * Double.cos(2 * Double.pi * Double($0) / Double(n - 1)) }
        real = Array(repeating: 0, count: half)
        imaginary = Array(repeating: 0, count: half)
        // e^{-2πik/n} for k < n/2: the complex FFT of n/2 points uses every second one, the real split all.
        twiddleReal = (0..<half).map { Double.cos(-2 * Double.pi * Double($0) / Double(n)) }
        twiddleImaginary = (0..<half).map { Double.sin(-2 * Double.pi * Double($0) / Double(n)) }
        var order = [Int](repeating: 0, count: half)
        let bits = half.trailingZeroBitCount
        for index in 0..<half {
            var reversed = 0
            for bit in 0..<bits where index & (1 << bit) != 0 { reversed |= 1 << (bits - 1 - bit) }
            order[index] = reversed
        }
        bitReversed = order
        let count = Self.bins.count
        powers = Array(repeating: 0, count: count)
        smoothed = Array(repeating: 0, count: count)
        filling = Array(repeating: .infinity, count: count)
        minima = Array(repeating: .infinity, count: count * Self.subWindows)
        completedMinimum = Array(repeating: .infinity, count: count)
    }

    /// Takes one frame of the band signal (full rate) and returns its occupancy, 0...1; nil while the floors start,
    /// or when `measures` is false: then the frame only enters the window (the next frame measured has its last 32 ms),
    /// and neither the transform runs nor the floors learn.
    mutating func analyse(bandSignal: UnsafeBufferPointer<Double>, measures: Bool = true) -> Double? {
        let n = Self.fftSize
        let incoming = min((bandSignal.count + decimation - 1) / decimation, n)
        history.withUnsafeMutableBufferPointer { history in
            // Shift the window on by what arrived (a frame is 80 samples at ~8 kHz), then append it.
            for position in 0..<(n - incoming) { history[position] = history[position + incoming] }
            var source = 0
            for position in (n - incoming)..<n {
                history[position] = bandSignal[source]
                source += decimation
            }
        }
        guard measures else { return nil }
        transform()
        framesSeen += 1
        let count = Self.bins.count
        var occupied = 0
        let teaches = framesSeen > Self.startFrames
        for bin in 0..<count { powers[bin] = powerOfBin(Self.bins.lowerBound + bin) }
        let first = framesSeen == 1
        let threshold = Self.floorBias * marginRatio
        powers.withUnsafeBufferPointer { powers in
            smoothed.withUnsafeMutableBufferPointer { smoothed in
                filling.withUnsafeMutableBufferPointer { filling in
                    completedMinimum.withUnsafeBufferPointer { completedMinimum in
                        for bin in 0..<count {
                            let power = powers[bin]
                            smoothed[bin] =
                                first ? power : Self.smoothing * smoothed[bin] + (1 - Self.smoothing) * power
                            guard teaches else { continue }
                            filling[bin] = min(filling[bin], smoothed[bin])
                            if power > threshold * min(filling[bin], completedMinimum[bin]) { occupied += 1 }
                        }
                    }
                }
            }
        }
        if teaches {
            filledFrames += 1
            if filledFrames == Self.subWindowFrames {
                for bin in 0..<count { minima[subWindow * count + bin] = filling[bin] }
                for bin in 0..<count { filling[bin] = .infinity }
                for bin in 0..<count {
                    var floor = Double.infinity
                    for window in 0..<Self.subWindows { floor = min(floor, minima[window * count + bin]) }
                    completedMinimum[bin] = floor
                }
                subWindow = (subWindow + 1) % Self.subWindows
                filledFrames = 0
            }
        }
        return teaches ? Double(occupied) / Double(count) : nil
    }

    /// The packed real FFT: the window's even samples as real parts and odd ones as imaginary parts of n/2 points.
    private mutating func transform() {
        let half = Self.fftSize / 2
        history.withUnsafeBufferPointer { history in
            window.withUnsafeBufferPointer { window in
                real.withUnsafeMutableBufferPointer { real in
                    imaginary.withUnsafeMutableBufferPointer { imaginary in
                        bitReversed.withUnsafeBufferPointer { order in
                            for index in 0..<half {
                                let source = order[index]
                                real[index] = history[2 * source] * window[2 * source]
                                imaginary[index] = history[2 * source + 1] * window[2 * source + 1]
                            }
                        }
                        twiddleReal.withUnsafeBufferPointer { twiddleReal in
                            twiddleImaginary.withUnsafeBufferPointer { twiddleImaginary in
                                var span = 1
                                while span < half {
                                    // Twiddles of the n/2-point transform: every (n / (2 span))-th of n's.
                                    let stride = half / span
                                    var start = 0
                                    while start < half {
                                        for offset in 0..<span {
                                            let wr = twiddleReal[offset * stride]
                                            let wi = twiddleImaginary[offset * stride]
                                            let top = start + offset
                                            let bottom = top + span
                                            let br = real[bottom] * wr - imaginary[bottom] * wi
                                            let bi = real[bottom] * wi + imaginary[bottom] * wr
                                            real[bottom] = real[top] - br
                                            imaginary[bottom] = imaginary[top] - bi
                                            real[top] += br
                                            imaginary[top] += bi
                                        }
                                        start += 2 * span
                                    }
                                    span *= 2
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// |X[k]|² of the real n-point transform, from the packed n/2-point one (0 < k < n/2).
    private func powerOfBin(_ k: Int) -> Double {
        let half = Self.fftSize / 2
        let zr = real[k]
        let zi = imaginary[k]
        let cr = real[half - k]
        let ci = -imaginary[half - k]
        // Even part (Z[k] + conj Z[n/2-k]) / 2, odd part (Z[k] - conj Z[n/2-k]) / 2i, X = even + W^k odd.
        let er = (zr + cr) / 2
        let ei = (zi + ci) / 2
        let or = (zi - ci) / 2
        let oi = -(zr - cr) / 2
        let xr = er + twiddleReal[k] * or - twiddleImaginary[k] * oi
        let xi = ei + twiddleReal[k] * oi + twiddleImaginary[k] * or
        return xr * xr + xi * xi + 1e-12
    }

    /// |X[k]|² of the last frame's window, for tests.
    func power(bin: Int) -> Double { powerOfBin(bin) }
}

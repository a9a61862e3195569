import RealModule

/// Deterministic synthetic test signals (mono Int16) for DSP and listening tests.
///
/// Levels are RMS dBFS. Every generator that uses randomness takes a seed, so a test sees the same
/// samples on every run.
public enum Signals {
    /// A sine tone.
    public static func tone(frequency: Double, levelDBFS: Double, seconds: Double, sampleRate: Int) -> [Int16] {
        let count = Int(seconds * Double(sampleRate))
        let amplitude = amplitudeForRMS(levelDBFS) * 2.0.squareRoot()
        return (0..<count).map { index in
            pcm(amplitude * Double.sin(2 * Double.pi * frequency * Double(index) / Double(sampleRate)))
        }
    }

    /// Digital silence.
    public static func silence(seconds: Double, sampleRate: Int) -> [Int16] {
        Array(repeating: 0, count: Int(seconds * Double(sampleRate)))
    }

    /// Gaussian white noise.
    public static func whiteNoise(levelDBFS: Double, seconds: Double, sampleRate: Int, seed: UInt64) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let amplitude = amplitudeForRMS(levelDBFS)
        return (0..<Int(seconds * Double(sampleRate))).map { _ in pcm(amplitude * random.nextGaussian()) }
    }

    /// Speech-like sound: a voiced harmonic complex (fundamental around `pitch` Hz, falling harmonic
    /// amplitudes, a little jitter) through syllable envelopes of 120–280 ms with short gaps, so it
    /// has speech's 3–6 Hz modulation and voiced spectrum. `levelDBFS` is the RMS over the
    /// syllables (active level), like the eval kit's speech level.
    public static func speechLike(
        levelDBFS: Double,
        seconds: Double,
        sampleRate: Int,
        pitch: Double = 140,
        seed: UInt64
    ) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        var phase = 0.0
        var position = 0
        var activePower = 0.0
        var activeCount = 0
        while position < count {
            let syllable = Int((0.12 + 0.16 * random.nextUniform()) * Double(sampleRate))
            let gap = Int((0.03 + 0.09 * random.nextUniform()) * Double(sampleRate))
            let syllablePitch = pitch * (0.85 + 0.3 * random.nextUniform())
            for offset in 0..<syllable where position + offset < count {
                let progress = Double(offset) / Double(syllable)
                let envelope = Double.sin(Double.pi * progress)
                let f0 = syllablePitch * (1 + 0.08 * (0.5 - progress))
                phase += 2 * Double.pi * f0 / Double(sampleRate)
                var value = 0.0
                var harmonic = 1.0
                while harmonic * f0 < min(4000, Double(sampleRate) / 2.2) {
                    value += Double.sin(harmonic * phase) / harmonic
                    harmonic += 1
                }
                value += 0.05 * random.nextGaussian()
                signal[position + offset] = envelope * value
                activePower += envelope * value * envelope * value
                activeCount += 1
            }
            position += syllable + gap
        }
        let rms = (activePower / Double(max(activeCount, 1))).squareRoot()
        let gain = rms > 0 ? amplitudeForRMS(levelDBFS) / rms : 0
        return signal.map { pcm($0 * gain) }
    }

    /// `signal` scaled by `gainDB`.
    public static func scaled(_ signal: [Int16], gainDB: Double) -> [Int16] {
        let gain = Double.pow(10, gainDB / 20)
        return signal.map { pcm(Double($0) / 32768 * gain) }
    }

    /// Echo of `reference` as a room would return it: delayed, attenuated by `gainDB`, plus an
    /// exponentially decaying tail of `decayMilliseconds` (a few discrete reflections).
    public static func echo(
        of reference: [Int16],
        delayMilliseconds: Double,
        gainDB: Double,
        decayMilliseconds: Double = 200,
        sampleRate: Int
    ) -> [Int16] {
        let delay = Int(delayMilliseconds * Double(sampleRate) / 1000)
        let gain = Double.pow(10, gainDB / 20)
        var taps: [(offset: Int, weight: Double)] = [(delay, 1)]
        let reflections = 6
        for index in 1...reflections {
            let time = decayMilliseconds * Double(index) / Double(reflections)
            taps.append(
                (delay + Int(time * Double(sampleRate) / 1000), 0.5 * Double.pow(10, -3 * time / decayMilliseconds)))
        }
        var output = [Double](repeating: 0, count: reference.count)
        for (offset, weight) in taps {
            for index in offset..<max(offset, reference.count) {
                output[index] += weight * Double(reference[index - offset]) / 32768
            }
        }
        return output.map { pcm($0 * gain) }
    }

    /// `signal` as a small speaker driven into distortion plays it: a soft limit (tanh) whose knee sits at
    /// `kneeFraction` of the signal's peak, plus an `asymmetry` (the weight of the drive's square) that bends one
    /// half-wave more than the other (even harmonics, as a cone at the end of its travel gives). It puts energy where
    /// the signal has none: harmonics above its top partial and intermodulation between its partials.
    public static func speakerDistorted(_ signal: [Int16], kneeFraction: Double, asymmetry: Double = 0) -> [Int16] {
        let peak = Double(signal.reduce(0) { max($0, abs(Int32($1))) }) / 32768
        guard peak > 0 else { return signal }
        let knee = peak * kneeFraction
        return signal.map { sample in
            let driven = Double(sample) / 32768 / knee
            return pcm(Double.tanh(driven + asymmetry * driven * driven) * knee)
        }
    }

    /// Sample-wise sum of signals (the longest sets the length), clipped to Int16.
    public static func mix(_ signals: [Int16]...) -> [Int16] {
        let count = signals.map(\.count).max() ?? 0
        var output = [Int32](repeating: 0, count: count)
        for signal in signals {
            for (index, sample) in signal.enumerated() { output[index] += Int32(sample) }
        }
        return output.map { Int16(clamping: $0) }
    }

    /// `signal` placed at `seconds` into a silent track of `totalSeconds`.
    public static func placed(_ signal: [Int16], at seconds: Double, totalSeconds: Double, sampleRate: Int) -> [Int16] {
        var track = [Int16](repeating: 0, count: Int(totalSeconds * Double(sampleRate)))
        let start = Int(seconds * Double(sampleRate))
        for (index, sample) in signal.enumerated() where start + index < track.count { track[start + index] = sample }
        return track
    }

    /// RMS amplitude (full scale 1.0) for a level in dBFS.
    public static func amplitudeForRMS(_ levelDBFS: Double) -> Double { Double.pow(10, levelDBFS / 20) }

    /// `signal` (full scale 1.0) scaled to an RMS level of `levelDBFS` over its whole length, as 16-bit PCM;
    /// silence stays silence.
    static func pcm(_ signal: [Double], scaledToRMS levelDBFS: Double) -> [Int16] {
        let rms = (signal.reduce(0) { $0 + $1 * $1 } / Double(max(signal.count, 1))).squareRoot()
        let gain = rms > 0 ? amplitudeForRMS(levelDBFS) / rms : 0
        return signal.map { pcm($0 * gain) }
    }

    /// A sample in full scale 1.0 as 16-bit PCM, clipped.
    static func pcm(_ value: Double) -> Int16 {
        Int16(max(-32768, min(32767, (value * 32767).rounded())))
    }
}

/// A small, fast, seedable generator (SplitMix64) so test signals are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUniform(), 1e-300)
        let u2 = nextUniform()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }
}

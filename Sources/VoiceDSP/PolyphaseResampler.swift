import RealModule

/// Converts mono audio between two sample rates with a Kaiser-windowed sinc low-pass filter applied
/// in polyphase form.
///
/// The rate ratio is reduced to `interpolation / decimation` (L / M). Conceptually the input is
/// upsampled by L (zeros between samples), low-pass filtered at the upsampled rate, and every M-th
/// sample is kept; the polyphase form computes only the kept samples, each a dot product of
/// `tapsPerPhase` recent inputs with one of L coefficient rows.
///
/// Filter: passband flat (ripple far below 0.1 dB) up to 0.9 × the lower Nyquist frequency, at
/// least 70 dB of attenuation from the lower Nyquist frequency upwards, linear phase.
///
/// Streaming: the state between calls is the input history, so splitting the input into chunks
/// of any size produces exactly the same samples as one call. Output sample `n` corresponds to
/// input time `(n - delayFrames) × M / L`; `delayFrames` is the filter's group delay in output
/// frames, which the echo gate adds to its alignment.
///
/// All memory is allocated in `init`; `process(_:into:)` and `reset()` never allocate, lock or
/// block, so they are safe on a real-time audio thread. One instance serves one thread at a time.
public final class PolyphaseResampler {
    public let inputRate: Int
    public let outputRate: Int
    /// The upsampling factor L of the reduced ratio `outputRate / inputRate = L / M`.
    public let interpolation: Int
    /// The downsampling factor M of the reduced ratio.
    public let decimation: Int
    /// Group delay in output frames: output sample `n` is the input signal at time
    /// `(n - delayFrames) / outputRate` seconds. Zero when the rates are equal.
    public let delayFrames: Int
    /// The prototype filter as designed (before splitting into phases).
    public let design: FilterDesign

    /// Filter taps applied per output sample (the prototype length divided by L, rounded up to
    /// a multiple of 4).
    let tapsPerPhase: Int
    /// `interpolation` rows of `tapsPerPhase` coefficients; each row is ordered oldest input first.
    private let coefficients: UnsafeMutablePointer<Float>
    /// Input history: `tapsPerPhase - 1` past samples followed by room for one block of new input.
    private let buffer: UnsafeMutablePointer<Float>
    private let bufferCapacity: Int
    /// Valid samples in `buffer`.
    private var filled: Int
    /// Position of the next output sample on the upsampled time axis, relative to `buffer[0]`.
    private var time: Int
    /// `time` right after `init` or `reset()`.
    private let initialTime: Int

    /// Input samples copied into the history buffer per inner step; bounds the buffer size, not
    /// the size of the caller's chunks.
    private static let blockSize = 1024

    /// Whether a converter between these rates can be built: both positive, and a reduced ratio
    /// whose coefficient table stays small (any pair of the usual 8 000…192 000 Hz rates qualifies).
    public static func supports(inputRate: Int, outputRate: Int) -> Bool {
        guard inputRate > 0, outputRate > 0, inputRate <= 1_000_000, outputRate <= 1_000_000 else { return false }
        let divisor = greatestCommonDivisor(inputRate, outputRate)
        return outputRate / divisor <= 2048 && inputRate / divisor <= 8192
    }

    /// Builds the filter for this pair of rates.
    /// - Precondition: `PolyphaseResampler.supports(inputRate:outputRate:)`; check it first when the
    ///   rates come from a device or a configuration file.
    public init(inputRate: Int, outputRate: Int) {
        precondition(
            Self.supports(inputRate: inputRate, outputRate: outputRate),
            "unsupported sample-rate pair \(inputRate) Hz → \(outputRate) Hz"
        )
        self.inputRate = inputRate
        self.outputRate = outputRate
        let divisor = greatestCommonDivisor(inputRate, outputRate)
        interpolation = outputRate / divisor
        decimation = inputRate / divisor

        if interpolation == 1 && decimation == 1 {
            // Equal rates: a one-tap identity filter keeps the same code path and no delay.
            design = FilterDesign(tapCount: 1, kaiserBeta: 0, cutoff: 1, taps: [1])
        } else {
            design = FilterDesign(inputRate: inputRate, outputRate: outputRate, interpolation: interpolation)
        }

        let phases = interpolation
        let rawTaps = (design.tapCount + phases - 1) / phases
        tapsPerPhase = max(4, (rawTaps + 3) / 4 * 4)
        coefficients = .allocate(capacity: phases * tapsPerPhase)
        for phase in 0..<phases {
            let row = coefficients + phase * tapsPerPhase
            for column in 0..<tapsPerPhase {
                // Column `column` multiplies input `newest - (tapsPerPhase - 1 - column)`.
                let tap = phase + (tapsPerPhase - 1 - column) * phases
                row[column] = tap < design.tapCount ? Float(design.taps[tap] * Double(phases)) : 0
            }
        }

        // Output n is computed at upsampled time n·M + offset, with offset = centre mod M, so the
        // filter centre lands exactly `centre / M` output frames late: an integer delay.
        let centre = (design.tapCount - 1) / 2
        delayFrames = centre / decimation
        initialTime = centre % decimation + (tapsPerPhase - 1) * phases

        bufferCapacity = tapsPerPhase - 1 + Self.blockSize
        buffer = .allocate(capacity: bufferCapacity)
        buffer.initialize(repeating: 0, count: bufferCapacity)
        filled = tapsPerPhase - 1
        time = initialTime
    }

    deinit {
        coefficients.deallocate()
        buffer.deallocate()
    }

    /// The most samples `process(_:into:)` can produce from `inputCount` input samples, whatever
    /// came before: `ceil(inputCount × L / M)`.
    public func maximumOutputCount(forInputCount inputCount: Int) -> Int {
        (max(0, inputCount) * interpolation + decimation - 1) / decimation
    }

    /// Forgets the input history, as if just created. Does not allocate.
    public func reset() {
        buffer.update(repeating: 0, count: bufferCapacity)
        filled = tapsPerPhase - 1
        time = initialTime
    }

    /// Consumes all of `input` and writes the output samples it completes.
    ///
    /// Does not allocate. `output` must have room for `maximumOutputCount(forInputCount:)` samples.
    /// - Returns: the number of samples written to the front of `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Int {
        precondition(
            output.count >= maximumOutputCount(forInputCount: input.count),
            "resampler output buffer too small: \(output.count) < \(maximumOutputCount(forInputCount: input.count))"
        )
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else { return 0 }
        let phases = interpolation
        let taps = tapsPerPhase
        var consumed = 0
        var produced = 0
        while consumed < input.count {
            // Keep only the history the next output needs, then append as much input as fits.
            let oldestNeeded = min(time / phases - (taps - 1), filled)
            if oldestNeeded > 0 {
                buffer.update(from: buffer + oldestNeeded, count: filled - oldestNeeded)
                filled -= oldestNeeded
                time -= oldestNeeded * phases
            }
            let count = min(bufferCapacity - filled, input.count - consumed)
            (buffer + filled).update(from: inputBase + consumed, count: count)
            filled += count
            consumed += count

            while true {
                let newest = time / phases
                guard newest < filled else { break }
                let phase = time - newest * phases
                outputBase[produced] = Self.dotProduct(
                    coefficients + phase * taps,
                    buffer + (newest - (taps - 1)),
                    count: taps
                )
                produced += 1
                time += decimation
            }
        }
        return produced
    }

    /// Σ a[i]·b[i] in four lanes (`count` is a multiple of 4), so the optimiser can use vector
    /// registers without reassociating a single scalar sum. Multiply and add are kept separate:
    /// `addingProduct` demands a fused multiply-add, which baseline x86-64 can only do in software.
    @inline(__always)
    private static func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum = SIMD4<Float>()
        var index = 0
        while index < count {
            let x = UnsafeRawPointer(a + index).loadUnaligned(as: SIMD4<Float>.self)
            let y = UnsafeRawPointer(b + index).loadUnaligned(as: SIMD4<Float>.self)
            sum += x * y
            index += 4
        }
        return sum.sum()
    }
}

// MARK: - Whole-signal conversion

extension PolyphaseResampler {
    /// Converts a whole signal (not for real-time threads: allocates). The output has
    /// `ceil(count × outputRate / inputRate)` samples and is aligned with the input: the filter
    /// delay is removed, so output sample `n` is the input at time `n / outputRate`.
    /// Rates that `supports(inputRate:outputRate:)` rejects return the input unchanged.
    public static func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int) -> [Float] {
        guard inputRate != outputRate, supports(inputRate: inputRate, outputRate: outputRate) else { return samples }
        let resampler = PolyphaseResampler(inputRate: inputRate, outputRate: outputRate)
        let wanted = resampler.maximumOutputCount(forInputCount: samples.count)
        let needed = wanted + resampler.delayFrames
        var output = [Float](repeating: 0, count: needed + resampler.maximumOutputCount(forInputCount: blockSize))
        var produced = 0
        output.withUnsafeMutableBufferPointer { out in
            samples.withUnsafeBufferPointer { input in
                produced = resampler.process(input, into: out)
            }
            // Flush the filter's tail with silence until the last aligned sample is out.
            let silence = [Float](repeating: 0, count: blockSize)
            silence.withUnsafeBufferPointer { zeros in
                while produced < needed {
                    produced += resampler.process(zeros, into: UnsafeMutableBufferPointer(rebasing: out[produced...]))
                }
            }
        }
        return Array(output[resampler.delayFrames..<needed])
    }

    /// Converts a whole 16-bit signal (not for real-time threads: allocates); see the `Float` form.
    public static func resample(_ samples: [Int16], from inputRate: Int, to outputRate: Int) -> [Int16] {
        guard inputRate != outputRate else { return samples }
        let converted = resample(SampleConversion.floats(from: samples), from: inputRate, to: outputRate)
        return SampleConversion.int16s(from: converted)
    }
}

// MARK: - Filter design

extension PolyphaseResampler {
    /// The prototype low-pass filter, designed at the upsampled rate `inputRate × L` with the
    /// Kaiser window method (the same rule as SciPy's `kaiserord` + `firwin`, so reference data
    /// can be generated with the identical filter).
    public struct FilterDesign: Sendable, Equatable {
        /// Stopband attenuation the Kaiser formulas are asked for; the requirement is 70 dB, the
        /// margin covers the formulas' approximation and Float coefficients.
        public static let designAttenuationDecibels = 80.0
        /// Passband edge and stopband edge as fractions of the lower of the two Nyquist frequencies.
        public static let passbandEdge = 0.9
        public static let stopbandEdge = 1.0

        /// Prototype length (odd, so the centre tap is a whole sample).
        public let tapCount: Int
        public let kaiserBeta: Double
        /// Cutoff relative to the upsampled Nyquist frequency (SciPy's `firwin` convention).
        public let cutoff: Double
        /// Coefficients normalised to unit gain at 0 Hz (multiply by L for the zero-stuffed signal).
        public let taps: [Double]

        init(tapCount: Int, kaiserBeta: Double, cutoff: Double, taps: [Double]) {
            self.tapCount = tapCount
            self.kaiserBeta = kaiserBeta
            self.cutoff = cutoff
            self.taps = taps
        }

        init(inputRate: Int, outputRate: Int, interpolation: Int) {
            let lowerNyquist = Double(min(inputRate, outputRate)) / 2
            let upsampledNyquist = Double(inputRate) * Double(interpolation) / 2
            let width = (Self.stopbandEdge - Self.passbandEdge) * lowerNyquist / upsampledNyquist
            let attenuation = Self.designAttenuationDecibels
            let beta = 0.1102 * (attenuation - 8.7)
            var count = Int(((attenuation - 7.95) / 2.285 / (Double.pi * width) + 1).rounded(.up))
            if count % 2 == 0 { count += 1 }
            let cutoff = (Self.passbandEdge + Self.stopbandEdge) / 2 * lowerNyquist / upsampledNyquist

            let centre = Double(count - 1) / 2
            let windowScale = 1 / besselI0(beta)
            var taps = [Double](repeating: 0, count: count)
            var sum = 0.0
            for index in 0..<count {
                let offset = Double(index) - centre
                let x = cutoff * offset
                let sinc = x == 0 ? 1 : Double.sin(Double.pi * x) / (Double.pi * x)
                let ratio = offset / centre
                let window = besselI0(beta * max(0, 1 - ratio * ratio).squareRoot()) * windowScale
                taps[index] = cutoff * sinc * window
                sum += taps[index]
            }
            for index in 0..<count { taps[index] /= sum }
            self.init(tapCount: count, kaiserBeta: beta, cutoff: cutoff, taps: taps)
        }
    }
}

/// Modified Bessel function of the first kind, order 0 (power series; converges quickly for the
/// Kaiser window's arguments, which stay below 20).
func besselI0(_ x: Double) -> Double {
    let quarterSquare = x * x / 4
    var term = 1.0
    var sum = 1.0
    var k = 1.0
    while term > sum * 1e-17 {
        term *= quarterSquare / (k * k)
        sum += term
        k += 1
    }
    return sum
}

func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (abs(a), abs(b))
    while b != 0 { (a, b) = (b, a % b) }
    return a
}

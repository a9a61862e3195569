import RealModule

/// The low-pass filter of ``HalfBandDecimator`` and ``HalfBandInterpolator``: a Kaiser-windowed
/// half-band FIR (cutoff at a quarter of the higher rate), in which every other tap except the
/// centre is zero, so a 2:1 conversion costs `tapPairs` multiplies per low-rate sample.
///
/// Band edges relative to the lower rate's Nyquist frequency (for 48 kHz ↔ 24 kHz, 12 kHz):
/// - passband 0…0.75 (9 kHz): ripple below 0.01 dB; 10 kHz is about 0.25 dB down, 11 kHz 1.7 dB;
/// - stopband from 1.25 (15 kHz) up: at least 70 dB down.
///
/// Why this transition band: decimating folds 12–15 kHz onto 9–12 kHz (interpolating puts the images
/// of 9–12 kHz there), above the ≤ 10 kHz the realtime session uses for speech, while everything that
/// could fold onto 0–9 kHz is 70 dB down. Holding the passband to 10 kHz with the same attenuation
/// (stopband from 14 kHz) would need 14 tap pairs instead of 10; the general ``PolyphaseResampler``
/// keeps 0.9 × Nyquist and needs about 170 taps per 24 kHz sample for 48 → 24 kHz.
public enum HalfBandFilter {
    /// Passband and stopband edges as fractions of the lower rate's Nyquist frequency.
    public static let passbandEdge = 0.75
    public static let stopbandEdge = 1.25
    /// Attenuation asked of the Kaiser formulas; the filter measures about 73 dB (the formulas are a
    /// little optimistic), the requirement is 70 dB.
    public static let designAttenuationDecibels = 75.0
    /// K, the non-zero taps on each side of the centre; the prototype has 4K − 1 taps. It is a
    /// constant so the inner loop unrolls; `prototypeLengthMeetsTheKaiserEstimate` checks it is
    /// what the Kaiser formula asks for these band edges.
    public static let tapPairs = 10

    /// The whole prototype at the higher rate (4K − 1 taps, unit gain at 0 Hz, linear phase).
    public static let prototype: [Double] = design()

    /// h₁…h_K: the taps at ±1, ±3, …, ±(2K − 1) from the centre (the centre is exactly ½).
    static let sideTaps: [Double] = (1...tapPairs).map { prototype[2 * tapPairs - 1 + 2 * $0 - 1] }

    /// Kaiser β for the design attenuation (Kaiser's formula for attenuation above 50 dB).
    static var kaiserBeta: Double { 0.1102 * (designAttenuationDecibels - 8.7) }

    private static func design() -> [Double] {
        let count = 4 * tapPairs - 1
        let centre = 2 * tapPairs - 1
        let beta = kaiserBeta
        let windowScale = 1 / besselI0(beta)
        var taps = [Double](repeating: 0, count: count)
        var sideSum = 0.0
        for index in 0..<count {
            let offset = index - centre
            // Ideal low-pass at a quarter of the rate: ½·sinc(offset / 2), zero at even offsets.
            guard offset % 2 != 0 else { continue }
            let x = Double.pi * Double(offset) / 2
            let ratio = Double(offset) / Double(centre)
            let window = besselI0(beta * max(0, 1 - ratio * ratio).squareRoot()) * windowScale
            taps[index] = 0.5 * Double.sin(x) / x * window
            sideSum += taps[index]
        }
        // Exactly ½ in the centre and ½ shared by the side taps: unit gain at 0 Hz, and each
        // interpolator phase has unit gain on its own (the centre phase is a pure delay).
        for index in 0..<count where (index - centre) % 2 != 0 { taps[index] *= 0.5 / sideSum }
        taps[centre] = 0.5
        return taps
    }
}

/// Mono samples a half-band converter reads from a caller's buffer, one at a time or four at a time.
protocol HalfBandSource {
    var count: Int { get }
    func sample(_ index: Int) -> Float
    /// Samples `index ..< index + 4`, all in range.
    func samples4(_ index: Int) -> SIMD4<Float>
    /// Samples `index ..< index + 8` split into the even-numbered and the odd-numbered ones.
    func split8(_ index: Int) -> (even: SIMD4<Float>, odd: SIMD4<Float>)
}

extension HalfBandSource {
    @inline(__always)
    func split8(_ index: Int) -> (even: SIMD4<Float>, odd: SIMD4<Float>) {
        let both = SIMD8(lowHalf: samples4(index), highHalf: samples4(index &+ 4))
        return (both.evenHalf, both.oddHalf)
    }
}

/// Where a half-band converter puts its output, four samples at a time.
protocol HalfBandSink {
    /// Stores the first `lanes` (1…4) lanes of `samples` at output positions `index ..< index + lanes`.
    func store(_ samples: SIMD4<Float>, at index: Int, lanes: Int)
}

/// Converts mono audio to half its sample rate (48 → 24 kHz, 32 → 16 kHz, …) with ``HalfBandFilter``
/// in polyphase form: the input is split into its even and odd samples as it arrives, and each output
/// is ½·(one even sample) + Σ hₘ·(a symmetric pair of odd samples), four outputs per vector step.
///
/// Streaming: splitting the input into chunks of any size (odd sizes included) produces exactly the
/// same samples as one call. Output `n` is the input signal at time `(n - delayFrames) / outputRate`.
///
/// All memory is allocated in `init`; the `process` methods and `reset()` never allocate, lock or
/// block, so they are safe on a real-time audio thread. One instance serves one thread at a time.
public final class HalfBandDecimator {
    public let inputRate: Int
    public let outputRate: Int
    /// Group delay in output frames (K − 1 = 9).
    public let delayFrames = HalfBandFilter.tapPairs - 1

    private static let pairs = HalfBandFilter.tapPairs
    /// Samples of each phase kept between calls: the next output's window minus its newest sample.
    private static let history = 2 * pairs - 1
    /// Input pairs taken into the phase buffers per inner step; bounds memory, not the caller's chunks.
    private static let blockPairs = 512
    /// Room for the 4-wide loads of the last, partial vector step to stay inside the buffers.
    private static let capacity = history + blockPairs + 2 + 4

    /// hₘ splatted across four lanes, m = 1…K.
    private let coefficients: UnsafeMutablePointer<SIMD4<Float>>
    /// Even input samples x[2k] and odd ones x[2k+1]; index i of both is the same k (plus `history`).
    private let even: UnsafeMutablePointer<Float>
    private let odd: UnsafeMutablePointer<Float>
    /// Valid samples in `even` (equal to `oddCount`, or one more while an even sample awaits its pair).
    private var evenCount: Int
    private var oddCount: Int

    /// Whether a 2:1 decimator serves this pair of rates.
    public static func supports(inputRate: Int, outputRate: Int) -> Bool {
        outputRate > 0 && inputRate == 2 * outputRate
    }

    /// - Precondition: `inputRate == 2 × outputRate`.
    public init(inputRate: Int, outputRate: Int) {
        precondition(
            Self.supports(inputRate: inputRate, outputRate: outputRate), "a half-band decimator halves the rate")
        self.inputRate = inputRate
        self.outputRate = outputRate
        coefficients = .allocate(capacity: Self.pairs)
        for (index, tap) in HalfBandFilter.sideTaps.enumerated() {
            (coefficients + index).initialize(to: SIMD4(repeating: Float(tap)))
        }
        even = .allocate(capacity: Self.capacity)
        odd = .allocate(capacity: Self.capacity)
        even.initialize(repeating: 0, count: Self.capacity)
        odd.initialize(repeating: 0, count: Self.capacity)
        evenCount = Self.history
        oddCount = Self.history
    }

    deinit {
        coefficients.deallocate()
        even.deallocate()
        odd.deallocate()
    }

    /// The most samples a `process` call can produce from `inputCount` input samples, whatever came
    /// before: `ceil(inputCount / 2)`.
    public func maximumOutputCount(forInputCount inputCount: Int) -> Int { (max(0, inputCount) + 1) / 2 }

    /// Forgets the input history, as if just created. Does not allocate.
    public func reset() {
        even.update(repeating: 0, count: Self.capacity)
        odd.update(repeating: 0, count: Self.capacity)
        evenCount = Self.history
        oddCount = Self.history
    }

    /// Consumes all of `input` and writes the output samples it completes.
    ///
    /// Does not allocate. `output` must have room for `maximumOutputCount(forInputCount:)` samples.
    /// - Returns: the number of samples written to the front of `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Int {
        precondition(
            output.count >= maximumOutputCount(forInputCount: input.count), "decimator output buffer too small")
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else { return 0 }
        return run(FloatSamples(base: inputBase, count: input.count), into: FloatOutput(base: outputBase))
    }

    /// The same for the capture path: mono samples from `source`, output rounded to Int16 as it is
    /// computed (no Float output buffer). `output` must have room for `maximumOutputCount`.
    func process<Source: HalfBandSource>(_ source: Source, into output: UnsafeMutablePointer<Int16>) -> Int {
        run(source, into: Int16Output(base: output))
    }

    @inline(__always)
    private func run<Source: HalfBandSource, Sink: HalfBandSink>(_ source: Source, into sink: Sink) -> Int {
        let total = source.count
        var consumed = 0
        var produced = 0
        while consumed < total {
            // An even sample left over from the previous call takes the next sample as its partner.
            if evenCount > oddCount {
                odd[oddCount] = source.sample(consumed)
                oddCount += 1
                consumed += 1
            }
            let pairs = min(Self.blockPairs, (total - consumed) / 2)
            let evenBase = even + evenCount
            let oddBase = odd + oddCount
            var pair = 0
            while pair + 4 <= pairs {
                let split = source.split8(consumed &+ 2 &* pair)
                UnsafeMutableRawPointer(evenBase + pair).storeBytes(of: split.even, as: SIMD4<Float>.self)
                UnsafeMutableRawPointer(oddBase + pair).storeBytes(of: split.odd, as: SIMD4<Float>.self)
                pair += 4
            }
            while pair < pairs {
                evenBase[pair] = source.sample(consumed + 2 * pair)
                oddBase[pair] = source.sample(consumed + 2 * pair + 1)
                pair += 1
            }
            evenCount += pairs
            oddCount += pairs
            consumed += 2 * pairs
            if pairs < Self.blockPairs && consumed < total {
                even[evenCount] = source.sample(consumed)
                evenCount += 1
                consumed += 1
            }

            let available = oddCount - Self.history
            var index = 0
            while index < available {
                sink.store(output(at: index), at: produced + index, lanes: min(4, available - index))
                index += 4
            }
            produced += available
            if available > 0 {
                even.update(from: even + available, count: evenCount - available)
                odd.update(from: odd + available, count: oddCount - available)
                evenCount -= available
                oddCount -= available
            }
        }
        return produced
    }

    /// Outputs `index ..< index + 4` (buffer positions): ½·even[i + K] + Σ hₘ·(odd[i+K−m] + odd[i+K+m−1]).
    @inline(__always)
    private func output(at index: Int) -> SIMD4<Float> {
        let centre = index + Self.pairs
        var sum = load4(even + centre) * 0.5
        for m in 1...Self.pairs {
            sum += coefficients[m - 1] * (load4(odd + centre - m) + load4(odd + centre + m - 1))
        }
        return sum
    }
}

/// Converts mono audio to twice its sample rate (24 → 48 kHz, …) with ``HalfBandFilter``: every
/// input sample yields two outputs, the input itself (delayed; the centre phase of a half-band filter
/// is a pure delay) and one interpolated half-way to the next, ΣK 2hₘ·(a symmetric pair of inputs).
///
/// Streaming as ``HalfBandDecimator``: chunking does not change the output. Output `n` is the input
/// signal at time `(n - delayFrames) / outputRate`. Never allocates after `init`.
public final class HalfBandInterpolator {
    public let inputRate: Int
    public let outputRate: Int
    /// Group delay in output frames (2K = 20).
    public let delayFrames = 2 * HalfBandFilter.tapPairs

    private static let pairs = HalfBandFilter.tapPairs
    private static let history = 2 * pairs - 1
    private static let blockSize = 512
    private static let capacity = history + blockSize + 4

    /// 2hₘ splatted across four lanes, m = 1…K (the gain of 2 restores the level zero-stuffing halves).
    private let coefficients: UnsafeMutablePointer<SIMD4<Float>>
    private let samples: UnsafeMutablePointer<Float>
    private var filled: Int

    /// Whether a 1:2 interpolator serves this pair of rates.
    public static func supports(inputRate: Int, outputRate: Int) -> Bool {
        inputRate > 0 && outputRate == 2 * inputRate
    }

    /// - Precondition: `outputRate == 2 × inputRate`.
    public init(inputRate: Int, outputRate: Int) {
        precondition(
            Self.supports(inputRate: inputRate, outputRate: outputRate), "a half-band interpolator doubles the rate")
        self.inputRate = inputRate
        self.outputRate = outputRate
        coefficients = .allocate(capacity: Self.pairs)
        for (index, tap) in HalfBandFilter.sideTaps.enumerated() {
            (coefficients + index).initialize(to: SIMD4(repeating: Float(2 * tap)))
        }
        samples = .allocate(capacity: Self.capacity)
        samples.initialize(repeating: 0, count: Self.capacity)
        filled = Self.history
    }

    deinit {
        coefficients.deallocate()
        samples.deallocate()
    }

    /// Exactly `2 × inputCount`: every input sample completes two outputs.
    public func maximumOutputCount(forInputCount inputCount: Int) -> Int { 2 * max(0, inputCount) }

    /// Forgets the input history, as if just created. Does not allocate.
    public func reset() {
        samples.update(repeating: 0, count: Self.capacity)
        filled = Self.history
    }

    /// Consumes all of `input` and writes `2 × input.count` output samples.
    /// - Returns: the number of samples written to the front of `output`.
    public func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Int {
        precondition(
            output.count >= maximumOutputCount(forInputCount: input.count), "interpolator output buffer too small")
        guard let inputBase = input.baseAddress, let outputBase = output.baseAddress else { return 0 }
        return run(FloatSamples(base: inputBase, count: input.count)) { position, first, second, lanes in
            for lane in 0..<lanes {
                outputBase[2 * (position + lane)] = first[lane]
                outputBase[2 * (position + lane) + 1] = second[lane]
            }
        }
    }

    /// The playback path: mono samples from `source`; `emit(index, first, second, lanes)` receives, for
    /// input positions `index ..< index + lanes`, the output pairs (first[i], second[i]) = outputs
    /// 2(index + i) and 2(index + i) + 1.
    @inline(__always)
    func run<Source: HalfBandSource>(
        _ source: Source, emit: (Int, SIMD4<Float>, SIMD4<Float>, Int) -> Void
    ) -> Int {
        let total = source.count
        var consumed = 0
        while consumed < total {
            let count = min(Self.blockSize, total - consumed)
            let base = samples + filled
            var index = 0
            while index + 4 <= count {
                UnsafeMutableRawPointer(base + index).storeBytes(
                    of: source.samples4(consumed + index), as: SIMD4<Float>.self)
                index += 4
            }
            while index < count {
                base[index] = source.sample(consumed + index)
                index += 1
            }
            filled += count
            let available = filled - Self.history
            index = 0
            while index < available {
                let (first, second) = outputs(at: index)
                emit(consumed + index, first, second, min(4, available - index))
                index += 4
            }
            // `available == count`: every input completes its pair.
            consumed += count
            samples.update(from: samples + available, count: filled - available)
            filled -= available
        }
        return 2 * total
    }

    /// For inputs at buffer positions `index ..< index + 4`: the delayed input (x[i+K−1]) and the
    /// sample half-way after it, Σ 2hₘ·(x[i+K−m] + x[i+K+m−1]).
    @inline(__always)
    private func outputs(at index: Int) -> (SIMD4<Float>, SIMD4<Float>) {
        let centre = index + Self.pairs
        var sum = SIMD4<Float>()
        for m in 1...Self.pairs {
            sum += coefficients[m - 1] * (load4(samples + centre - m) + load4(samples + centre + m - 1))
        }
        return (load4(samples + centre - 1), sum)
    }
}

@inline(__always)
private func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always)
private func load4(_ pointer: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
}

// MARK: - Sources and sinks

/// Float samples in a caller's buffer.
struct FloatSamples: HalfBandSource {
    let base: UnsafePointer<Float>
    let count: Int

    @inline(__always) func sample(_ index: Int) -> Float { base[index] }
    @inline(__always) func samples4(_ index: Int) -> SIMD4<Float> { load4(base + index) }
}

/// One channel of interleaved little-endian S16 frames, as Float.
struct InterleavedS16Samples: HalfBandSource {
    let bytes: UnsafeRawPointer
    let count: Int
    /// Bytes from one frame to the next.
    let stride: Int
    /// Byte offset of the picked channel in a frame.
    let offset: Int

    init(bytes: UnsafeRawPointer, count: Int, channels: Int, channel: Int) {
        self.bytes = bytes
        self.count = count
        stride = channels * 2
        offset = channel * 2
    }

    @inline(__always) func sample(_ index: Int) -> Float { SampleConversion.float(raw(index)) }

    @inline(__always) func samples4(_ index: Int) -> SIMD4<Float> { floats(index, step: stride) }

    @inline(__always) func split8(_ index: Int) -> (even: SIMD4<Float>, odd: SIMD4<Float>) {
        (floats(index, step: stride &* 2), floats(index &+ 1, step: stride &* 2))
    }

    /// Four samples `step` bytes apart from frame `index` on.
    @inline(__always) func floats(_ index: Int, step: Int) -> SIMD4<Float> {
        let first = bytes + (index &* stride &+ offset)
        let values = SIMD4<Int32>(
            Int32(load(first)), Int32(load(first + step)), Int32(load(first + step &* 2)),
            Int32(load(first + step &* 3))
        )
        return SIMD4<Float>(values) * (1 / 32768)
    }

    @inline(__always) func raw(_ index: Int) -> Int16 { load(bytes + (index &* stride &+ offset)) }

    @inline(__always) private func load(_ pointer: UnsafeRawPointer) -> Int16 {
        Int16(littleEndian: pointer.loadUnaligned(as: Int16.self))
    }
}

/// One channel of interleaved little-endian S32 frames, as Float.
struct InterleavedS32Samples: HalfBandSource {
    let bytes: UnsafeRawPointer
    let count: Int
    /// Bytes from one frame to the next.
    let stride: Int
    /// Byte offset of the picked channel in a frame.
    let offset: Int

    init(bytes: UnsafeRawPointer, count: Int, channels: Int, channel: Int) {
        self.bytes = bytes
        self.count = count
        stride = channels * 4
        offset = channel * 4
    }

    @inline(__always) func sample(_ index: Int) -> Float { SampleConversion.float(raw(index)) }

    @inline(__always) func samples4(_ index: Int) -> SIMD4<Float> { floats(index, step: stride) }

    @inline(__always) func split8(_ index: Int) -> (even: SIMD4<Float>, odd: SIMD4<Float>) {
        (floats(index, step: stride &* 2), floats(index &+ 1, step: stride &* 2))
    }

    /// Four samples `step` bytes apart from frame `index` on.
    @inline(__always) func floats(_ index: Int, step: Int) -> SIMD4<Float> {
        let first = bytes + (index &* stride &+ offset)
        let values = SIMD4<Int32>(load(first), load(first + step), load(first + step &* 2), load(first + step &* 3))
        return SIMD4<Float>(values) * (1 / 2_147_483_648)
    }

    @inline(__always) func raw(_ index: Int) -> Int32 { load(bytes + (index &* stride &+ offset)) }

    @inline(__always) private func load(_ pointer: UnsafeRawPointer) -> Int32 {
        Int32(littleEndian: pointer.loadUnaligned(as: Int32.self))
    }
}

/// Int16 samples in a caller's buffer, as Float.
struct Int16Samples: HalfBandSource {
    let base: UnsafePointer<Int16>
    let count: Int

    @inline(__always) func sample(_ index: Int) -> Float { SampleConversion.float(base[index]) }

    @inline(__always) func samples4(_ index: Int) -> SIMD4<Float> {
        let values = UnsafeRawPointer(base + index).loadUnaligned(as: SIMD4<Int16>.self)
        return SIMD4<Float>(SIMD4<Int32>(truncatingIfNeeded: values)) * (1 / 32768)
    }
}

struct FloatOutput: HalfBandSink {
    let base: UnsafeMutablePointer<Float>

    @inline(__always) func store(_ samples: SIMD4<Float>, at index: Int, lanes: Int) {
        if lanes == 4 {
            UnsafeMutableRawPointer(base + index).storeBytes(of: samples, as: SIMD4<Float>.self)
        } else {
            for lane in 0..<lanes { base[index + lane] = samples[lane] }
        }
    }
}

struct Int16Output: HalfBandSink {
    let base: UnsafeMutablePointer<Int16>

    @inline(__always) func store(_ samples: SIMD4<Float>, at index: Int, lanes: Int) {
        let rounded = SampleConversion.int16s(samples)
        if lanes == 4 {
            UnsafeMutableRawPointer(base + index).storeBytes(of: rounded, as: SIMD4<Int16>.self)
        } else {
            for lane in 0..<lanes { base[index + lane] = rounded[lane] }
        }
    }
}

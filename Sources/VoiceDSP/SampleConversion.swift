/// Sample formats a sound card delivers or accepts (little-endian signed integers, interleaved).
public enum PCMSampleFormat: String, Sendable, Equatable, CaseIterable {
    /// ALSA `SND_PCM_FORMAT_S16_LE`.
    case s16LE = "S16_LE"
    /// ALSA `SND_PCM_FORMAT_S32_LE` (I2S HATs deliver 24-bit audio left-justified in 32 bits).
    case s32LE = "S32_LE"

    public var bytesPerSample: Int {
        switch self {
        case .s16LE: 2
        case .s32LE: 4
        }
    }
}

/// How a multi-channel capture becomes the mono signal the daemon uses.
public enum ChannelSelection: Sendable, Equatable {
    /// The average of all channels.
    case downmix
    /// One channel, counted from 0 (a HAT whose microphone is wired to the right channel is `channel(1)`).
    case channel(Int)
}

/// Conversions between device sample formats, mono `Float` in [-1, 1) and mono `Int16`.
///
/// Scale: full-scale Int16 (-32768) and Int32 (-2³¹) map to -1.0. Float → integer rounds to nearest
/// and clips; NaN becomes 0. Float → Int16 rounds halfway cases to even, in the scalar and the SIMD
/// form alike, so both give the same sample. The buffer forms never allocate and are meant for the
/// real-time threads; the array forms are conveniences for everything else.
public enum SampleConversion {
    // MARK: Scalars

    @inline(__always)
    public static func float(_ sample: Int16) -> Float { Float(sample) * (1 / 32768) }

    @inline(__always)
    public static func float(_ sample: Int32) -> Float { Float(sample) * (1 / 2_147_483_648) }

    /// Rounds to nearest (halfway cases to even) and clips to the Int16 range; NaN becomes 0.
    @inline(__always)
    public static func int16(_ sample: Float) -> Int16 {
        var scaled = sample * 32768
        if !(scaled > -32768) { scaled = scaled.isNaN ? 0 : -32768 }
        if scaled > 32767 { scaled = 32767 }
        return Int16(truncatingIfNeeded: roundedBits(scaled))
    }

    /// Four samples at once: rounds to nearest (halfway cases to even), clips, NaN becomes 0; the
    /// same result as `int16(_:)` lane by lane, in a dozen vector instructions and no `roundf`.
    /// Not inlined on purpose: inside a large loop the optimiser split these lane-wise operations
    /// into scalar code with branches (callgrind: 3× the instructions of this call).
    @inline(never)
    public static func int16s(_ samples: SIMD4<Float>) -> SIMD4<Int16> {
        var scaled = samples * 32768
        scaled.replace(with: -32768, where: scaled .< -32768)
        scaled.replace(with: 32767, where: scaled .> 32767)
        scaled.replace(with: 0, where: scaled .!= scaled)
        let bits =
            unsafeBitCast(scaled + roundingBias, to: SIMD4<Int32>.self) &- Int32(bitPattern: roundingBias.bitPattern)
        return SIMD4<Int16>(truncatingIfNeeded: bits)
    }

    /// 1.5 × 2²³: adding it to a Float of magnitude below 2²² leaves the value rounded to an integer
    /// (the hardware's round-to-nearest-even) in the low mantissa bits.
    @inline(__always)
    private static var roundingBias: Float { 12_582_912 }

    /// `value` (|value| ≤ 32768) rounded to the nearest integer, halfway cases to even.
    @inline(__always)
    private static func roundedBits(_ value: Float) -> Int32 {
        Int32(bitPattern: (value + roundingBias).bitPattern) &- Int32(bitPattern: roundingBias.bitPattern)
    }

    /// Rounds to nearest and clips to the Int32 range; NaN becomes 0.
    @inline(__always)
    public static func int32(_ sample: Float) -> Int32 {
        let scaled = (sample * 2_147_483_648).rounded()
        // Float(Int32.max) rounds up to 2³¹, so the upper test is on 2³¹ itself.
        if scaled > -2_147_483_648 && scaled < 2_147_483_648 { return Int32(scaled) }
        if scaled >= 2_147_483_648 { return .max }
        if scaled <= -2_147_483_648 { return .min }
        return 0
    }

    // MARK: Mono buffers

    /// Int16 → Float for `min(source.count, destination.count)` samples.
    /// - Returns: the number of samples converted.
    @discardableResult
    public static func convert(
        _ source: UnsafeBufferPointer<Int16>, into destination: UnsafeMutableBufferPointer<Float>
    ) -> Int {
        let count = min(source.count, destination.count)
        for index in 0..<count { destination[index] = float(source[index]) }
        return count
    }

    /// Float → Int16 (rounded, clipped) for `min(source.count, destination.count)` samples.
    /// - Returns: the number of samples converted.
    @discardableResult
    public static func convert(
        _ source: UnsafeBufferPointer<Float>, into destination: UnsafeMutableBufferPointer<Int16>
    ) -> Int {
        let count = min(source.count, destination.count)
        guard let input = source.baseAddress, let output = destination.baseAddress else { return 0 }
        var index = 0
        while index + 4 <= count {
            let samples = UnsafeRawPointer(input + index).loadUnaligned(as: SIMD4<Float>.self)
            UnsafeMutableRawPointer(output + index).storeBytes(of: int16s(samples), as: SIMD4<Int16>.self)
            index += 4
        }
        while index < count {
            output[index] = int16(input[index])
            index += 1
        }
        return count
    }

    // MARK: Interleaved device buffers

    /// Device bytes (interleaved frames of `channels` samples in `format`) → mono Float.
    ///
    /// Converts `min(frames in bytes, destination.count)` whole frames; a trailing partial frame is
    /// ignored. A `.channel(n)` beyond the last channel reads the last channel.
    /// - Returns: the number of frames converted.
    @discardableResult
    public static func mono(
        fromInterleaved bytes: UnsafeRawBufferPointer,
        format: PCMSampleFormat,
        channels: Int,
        selection: ChannelSelection,
        into destination: UnsafeMutableBufferPointer<Float>
    ) -> Int {
        guard channels > 0 else { return 0 }
        let frameBytes = format.bytesPerSample * channels
        let frames = min(bytes.count / frameBytes, destination.count)
        switch (format, selection) {
        case (.s16LE, .channel(let wanted)):
            let channel = min(max(0, wanted), channels - 1)
            for frame in 0..<frames {
                destination[frame] = float(loadInt16(bytes, sampleIndex: frame * channels + channel))
            }
        case (.s32LE, .channel(let wanted)):
            let channel = min(max(0, wanted), channels - 1)
            for frame in 0..<frames {
                destination[frame] = float(loadInt32(bytes, sampleIndex: frame * channels + channel))
            }
        case (.s16LE, .downmix):
            let scale = 1 / (32768 * Float(channels))
            for frame in 0..<frames {
                var sum: Int32 = 0
                for channel in 0..<channels { sum += Int32(loadInt16(bytes, sampleIndex: frame * channels + channel)) }
                destination[frame] = Float(sum) * scale
            }
        case (.s32LE, .downmix):
            let scale = 1 / (2_147_483_648 * Float(channels))
            for frame in 0..<frames {
                var sum: Int64 = 0
                for channel in 0..<channels { sum += Int64(loadInt32(bytes, sampleIndex: frame * channels + channel)) }
                destination[frame] = Float(sum) * scale
            }
        }
        return frames
    }

    /// Mono Float → device bytes: every channel of a frame gets the same sample, rounded and clipped.
    ///
    /// Converts `min(source.count, frames that fit in bytes)` frames.
    /// - Returns: the number of frames written.
    @discardableResult
    public static func interleave(
        _ source: UnsafeBufferPointer<Float>,
        into bytes: UnsafeMutableRawBufferPointer,
        format: PCMSampleFormat,
        channels: Int
    ) -> Int {
        guard channels > 0 else { return 0 }
        let frames = min(source.count, bytes.count / (format.bytesPerSample * channels))
        switch format {
        case .s16LE:
            for frame in 0..<frames {
                let value = int16(source[frame]).littleEndian
                for channel in 0..<channels {
                    bytes.storeBytes(of: value, toByteOffset: (frame * channels + channel) * 2, as: Int16.self)
                }
            }
        case .s32LE:
            for frame in 0..<frames {
                let value = int32(source[frame]).littleEndian
                for channel in 0..<channels {
                    bytes.storeBytes(of: value, toByteOffset: (frame * channels + channel) * 4, as: Int32.self)
                }
            }
        }
        return frames
    }

    @inline(__always)
    private static func loadInt16(_ bytes: UnsafeRawBufferPointer, sampleIndex: Int) -> Int16 {
        Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: sampleIndex * 2, as: Int16.self))
    }

    @inline(__always)
    private static func loadInt32(_ bytes: UnsafeRawBufferPointer, sampleIndex: Int) -> Int32 {
        Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: sampleIndex * 4, as: Int32.self))
    }

    // MARK: Arrays (allocate; not for real-time threads)

    public static func floats(from samples: [Int16]) -> [Float] { samples.map(float) }

    public static func int16s(from samples: [Float]) -> [Int16] { samples.map(int16) }
}

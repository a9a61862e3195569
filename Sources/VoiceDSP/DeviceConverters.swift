/// How a device converter changes the sample rate.
public enum RateConversion {
    /// Equal rates: samples pass straight through (converted to Int16).
    case none
    /// Exactly 2:1 (48 → 24 kHz): the half-band decimator, about 25 times cheaper than the general filter.
    case halfBandDecimation(HalfBandDecimator)
    /// Exactly 1:2 (24 → 48 kHz): the half-band interpolator.
    case halfBandInterpolation(HalfBandInterpolator)
    /// Any other ratio (44.1 kHz, 16 kHz, …): the general polyphase resampler.
    case polyphase(PolyphaseResampler)

    /// Group delay in output frames.
    public var delayFrames: Int {
        switch self {
        case .none: 0
        case .halfBandDecimation(let decimator): decimator.delayFrames
        case .halfBandInterpolation(let interpolator): interpolator.delayFrames
        case .polyphase(let resampler): resampler.delayFrames
        }
    }
}

/// The capture thread's DSP in one preallocated object: device frames (S16_LE/S32_LE, any channel
/// count, device rate) → mono → session rate → mono Int16.
///
/// The common cases take one pass over the device bytes: at twice the session rate (48 kHz for
/// 24 kHz) the picked channel goes straight into ``HalfBandDecimator``, whose outputs are rounded to
/// Int16 as they are computed; at the session rate S16 samples are copied and S32 rounded in SIMD.
/// A mono device takes these routes whatever the selection. Downmixing and other ratios go through a
/// mono Float buffer and ``PolyphaseResampler``.
///
/// `convert(_:into:)` never allocates, locks or blocks.
public final class CaptureConverter {
    public let format: PCMSampleFormat
    public let channels: Int
    public let selection: ChannelSelection
    /// The largest number of device frames one `convert` call accepts.
    public let maximumPeriodFrames: Int
    public let rateConversion: RateConversion
    /// Session-rate samples one full period can produce: the size `convert`'s output needs.
    public let maximumOutputCount: Int

    private let monoBuffer: UnsafeMutableBufferPointer<Float>
    private let resampledBuffer: UnsafeMutableBufferPointer<Float>

    /// - Precondition: `PolyphaseResampler.supports(inputRate: deviceRate, outputRate: sessionRate)`,
    ///   `channels > 0`, `maximumPeriodFrames > 0`.
    public init(
        deviceRate: Int,
        sessionRate: Int,
        format: PCMSampleFormat,
        channels: Int,
        selection: ChannelSelection = .downmix,
        maximumPeriodFrames: Int
    ) {
        precondition(channels > 0 && maximumPeriodFrames > 0, "a capture period needs channels and frames")
        self.format = format
        self.channels = channels
        self.selection = selection
        self.maximumPeriodFrames = maximumPeriodFrames
        if deviceRate == sessionRate {
            rateConversion = .none
            maximumOutputCount = maximumPeriodFrames
        } else if HalfBandDecimator.supports(inputRate: deviceRate, outputRate: sessionRate) {
            let decimator = HalfBandDecimator(inputRate: deviceRate, outputRate: sessionRate)
            rateConversion = .halfBandDecimation(decimator)
            maximumOutputCount = decimator.maximumOutputCount(forInputCount: maximumPeriodFrames)
        } else {
            let resampler = PolyphaseResampler(inputRate: deviceRate, outputRate: sessionRate)
            rateConversion = .polyphase(resampler)
            maximumOutputCount = resampler.maximumOutputCount(forInputCount: maximumPeriodFrames)
        }
        monoBuffer = .allocate(capacity: maximumPeriodFrames)
        monoBuffer.initialize(repeating: 0)
        resampledBuffer = .allocate(capacity: maximumOutputCount)
        resampledBuffer.initialize(repeating: 0)
    }

    deinit {
        monoBuffer.deallocate()
        resampledBuffer.deallocate()
    }

    /// Group delay of the rate conversion in session frames (0 at equal rates).
    public var delayFrames: Int { rateConversion.delayFrames }

    /// Converts the whole frames in `deviceBytes` (at most `maximumPeriodFrames`; more is ignored).
    /// - Returns: the number of session-rate samples written to the front of `output`.
    public func convert(_ deviceBytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        precondition(output.count >= maximumOutputCount, "capture output buffer too small")
        let frames = min(deviceBytes.count / (format.bytesPerSample * channels), maximumPeriodFrames)
        guard frames > 0, let bytes = deviceBytes.baseAddress, let outputBase = output.baseAddress else { return 0 }
        // A mono device's downmix is its one channel: the same samples by the one-pass route.
        let channel: Int
        switch selection {
        case .channel(let wanted): channel = min(max(0, wanted), channels - 1)
        case .downmix where channels == 1: channel = 0
        case .downmix: return convertDownmix(deviceBytes, into: output)
        }
        switch (rateConversion, format) {
        case (.halfBandDecimation(let decimator), .s16LE):
            let source = InterleavedS16Samples(bytes: bytes, count: frames, channels: channels, channel: channel)
            return decimator.process(source, into: outputBase)
        case (.halfBandDecimation(let decimator), .s32LE):
            let source = InterleavedS32Samples(bytes: bytes, count: frames, channels: channels, channel: channel)
            return decimator.process(source, into: outputBase)
        case (.none, .s16LE):
            let source = InterleavedS16Samples(bytes: bytes, count: frames, channels: channels, channel: channel)
            for frame in 0..<frames { outputBase[frame] = source.raw(frame) }
            return frames
        case (.none, .s32LE):
            let source = InterleavedS32Samples(bytes: bytes, count: frames, channels: channels, channel: channel)
            Self.round(source, into: outputBase)
            return frames
        case (.polyphase, _), (.halfBandInterpolation, _):
            return convertDownmix(deviceBytes, into: output)
        }
    }

    /// The general route: mono Float (picked or averaged), then the rate conversion, then Int16.
    private func convertDownmix(_ deviceBytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>)
        -> Int
    {
        let frames = SampleConversion.mono(
            fromInterleaved: deviceBytes, format: format, channels: channels, selection: selection, into: monoBuffer
        )
        let mono = UnsafeBufferPointer(rebasing: monoBuffer[..<frames])
        switch rateConversion {
        case .none:
            return SampleConversion.convert(mono, into: output)
        case .halfBandDecimation(let decimator):
            guard let base = mono.baseAddress, let outputBase = output.baseAddress else { return 0 }
            return decimator.process(FloatSamples(base: base, count: frames), into: outputBase)
        case .polyphase(let resampler):
            let produced = resampler.process(mono, into: resampledBuffer)
            return SampleConversion.convert(UnsafeBufferPointer(rebasing: resampledBuffer[..<produced]), into: output)
        case .halfBandInterpolation(let interpolator):
            // Not built by `init` (capture never doubles the rate); kept total for the type.
            let produced = interpolator.process(
                UnsafeBufferPointer(rebasing: mono[..<min(frames, resampledBuffer.count / 2)]), into: resampledBuffer
            )
            return SampleConversion.convert(UnsafeBufferPointer(rebasing: resampledBuffer[..<produced]), into: output)
        }
    }

    /// Rounds every sample of `source` to Int16, four at a time.
    private static func round<Source: HalfBandSource>(_ source: Source, into output: UnsafeMutablePointer<Int16>) {
        var index = 0
        while index + 4 <= source.count {
            UnsafeMutableRawPointer(output + index)
                .storeBytes(of: SampleConversion.int16s(source.samples4(index)), as: SIMD4<Int16>.self)
            index += 4
        }
        while index < source.count {
            output[index] = SampleConversion.int16(source.sample(index))
            index += 1
        }
    }

    /// Forgets the rate converter's history (after an xrun or a reopened device).
    public func reset() {
        switch rateConversion {
        case .none: break
        case .halfBandDecimation(let decimator): decimator.reset()
        case .halfBandInterpolation(let interpolator): interpolator.reset()
        case .polyphase(let resampler): resampler.reset()
        }
    }
}

/// The playback thread's DSP in one preallocated object: mono Int16 at the session rate →
/// software volume (applied in place, so the caller can publish exactly what was played) → session
/// rate to device rate → device frames (S16_LE/S32_LE, the same sample on every channel).
///
/// At twice the session rate (24 → 48 kHz) the samples go through ``HalfBandInterpolator`` and its
/// outputs straight into the device frames; other ratios use a Float buffer and
/// ``PolyphaseResampler``.
///
/// `convert(_:into:)` never allocates, locks or blocks.
public final class PlaybackConverter {
    public let format: PCMSampleFormat
    public let channels: Int
    /// The largest number of session-rate samples one `convert` call accepts.
    public let maximumPeriodSamples: Int
    public let rateConversion: RateConversion
    /// Device frames one full period can produce; `deviceBytes` needs this many frames of room.
    public let maximumOutputFrames: Int
    /// Owned by the playback thread; update it from shared settings once per period.
    public var volume: SoftwareVolume

    private let floatBuffer: UnsafeMutableBufferPointer<Float>
    private let resampledBuffer: UnsafeMutableBufferPointer<Float>

    /// - Precondition: `PolyphaseResampler.supports(inputRate: sessionRate, outputRate: deviceRate)`,
    ///   `channels > 0`, `maximumPeriodSamples > 0`.
    public init(
        sessionRate: Int,
        deviceRate: Int,
        format: PCMSampleFormat,
        channels: Int,
        maximumPeriodSamples: Int,
        volume: SoftwareVolume? = nil
    ) {
        precondition(channels > 0 && maximumPeriodSamples > 0, "a playback period needs channels and samples")
        self.format = format
        self.channels = channels
        self.maximumPeriodSamples = maximumPeriodSamples
        self.volume = volume ?? SoftwareVolume(sampleRate: sessionRate)
        if sessionRate == deviceRate {
            rateConversion = .none
            maximumOutputFrames = maximumPeriodSamples
        } else if HalfBandInterpolator.supports(inputRate: sessionRate, outputRate: deviceRate) {
            let interpolator = HalfBandInterpolator(inputRate: sessionRate, outputRate: deviceRate)
            rateConversion = .halfBandInterpolation(interpolator)
            maximumOutputFrames = interpolator.maximumOutputCount(forInputCount: maximumPeriodSamples)
        } else {
            let resampler = PolyphaseResampler(inputRate: sessionRate, outputRate: deviceRate)
            rateConversion = .polyphase(resampler)
            maximumOutputFrames = resampler.maximumOutputCount(forInputCount: maximumPeriodSamples)
        }
        floatBuffer = .allocate(capacity: maximumPeriodSamples)
        floatBuffer.initialize(repeating: 0)
        resampledBuffer = .allocate(capacity: maximumOutputFrames)
        resampledBuffer.initialize(repeating: 0)
    }

    deinit {
        floatBuffer.deallocate()
        resampledBuffer.deallocate()
    }

    /// Group delay of the rate conversion in device frames.
    public var delayFrames: Int { rateConversion.delayFrames }

    /// Applies the volume to `samples` in place (at most `maximumPeriodSamples` of them; more are
    /// left untouched and ignored), then writes device frames.
    /// - Returns: the number of device frames written to the front of `deviceBytes`.
    public func convert(_ samples: UnsafeMutableBufferPointer<Int16>, into deviceBytes: UnsafeMutableRawBufferPointer)
        -> Int
    {
        let count = min(samples.count, maximumPeriodSamples)
        let period = UnsafeMutableBufferPointer(rebasing: samples[..<count])
        volume.apply(to: period)
        if case .halfBandInterpolation(let interpolator) = rateConversion, format == .s16LE,
            let base = period.baseAddress, let device = deviceBytes.baseAddress
        {
            let inputs = min(count, deviceBytes.count / (2 * channels) / 2)
            let writer = InterleavedS16Writer(bytes: device, channels: channels)
            return interpolator.run(Int16Samples(base: base, count: inputs)) { position, first, second, lanes in
                writer.write(first, second, atPair: position, lanes: lanes)
            }
        }
        SampleConversion.convert(UnsafeBufferPointer(period), into: floatBuffer)
        let input = UnsafeBufferPointer(rebasing: floatBuffer[..<count])
        let produced: Int
        switch rateConversion {
        case .none: produced = SampleConversion.convert(UnsafeBufferPointer(period), into: resampledBuffer)
        case .halfBandInterpolation(let interpolator): produced = interpolator.process(input, into: resampledBuffer)
        case .polyphase(let resampler): produced = resampler.process(input, into: resampledBuffer)
        case .halfBandDecimation(let decimator): produced = decimator.process(input, into: resampledBuffer)
        }
        return SampleConversion.interleave(
            UnsafeBufferPointer(rebasing: resampledBuffer[..<produced]),
            into: deviceBytes,
            format: format,
            channels: channels
        )
    }

    /// Forgets the rate converter's history (after a flush, an xrun or a reopened device).
    public func reset() {
        switch rateConversion {
        case .none: break
        case .halfBandDecimation(let decimator): decimator.reset()
        case .halfBandInterpolation(let interpolator): interpolator.reset()
        case .polyphase(let resampler): resampler.reset()
        }
    }
}

/// Writes interpolator output pairs as S16_LE frames, the same sample on every channel.
struct InterleavedS16Writer {
    let bytes: UnsafeMutableRawPointer
    let channels: Int

    /// Frames `2(pair + i)` ← `first[i]` and `2(pair + i) + 1` ← `second[i]`, for i < `lanes`.
    @inline(__always)
    func write(_ first: SIMD4<Float>, _ second: SIMD4<Float>, atPair pair: Int, lanes: Int) {
        let even = SampleConversion.int16s(first)
        let odd = SampleConversion.int16s(second)
        if lanes == 4 && channels <= 2 {
            Self.store(even, odd, stereo: channels == 2, at: bytes + 2 * channels * 2 * pair)
            return
        }
        if channels == 2 {
            // Both channels of a frame in one 32-bit store.
            let frames = bytes.assumingMemoryBound(to: UInt32.self) + 2 * pair
            for lane in 0..<lanes {
                let left = UInt32(UInt16(bitPattern: even[lane])), right = UInt32(UInt16(bitPattern: odd[lane]))
                (frames + 2 * lane).storeUnalignedLittleEndian(left | left << 16)
                (frames + 2 * lane + 1).storeUnalignedLittleEndian(right | right << 16)
            }
            return
        }
        for lane in 0..<lanes {
            let frame = 2 * (pair + lane)
            let evenValue = even[lane].littleEndian, oddValue = odd[lane].littleEndian
            for channel in 0..<channels {
                bytes.storeBytes(of: evenValue, toByteOffset: (frame * channels + channel) * 2, as: Int16.self)
                bytes.storeBytes(of: oddValue, toByteOffset: ((frame + 1) * channels + channel) * 2, as: Int16.self)
            }
        }
    }
}

extension InterleavedS16Writer {
    /// Eight frames (even₀ odd₀ even₁ odd₁ …) in one or two vector stores, each sample on one or on
    /// both channels. Not inlined: inside the interpolator's loop the optimiser split these shuffles
    /// into per-lane code.
    @inline(never)
    static func store(_ even: SIMD4<Int16>, _ odd: SIMD4<Int16>, stereo: Bool, at bytes: UnsafeMutableRawPointer) {
        let mono = SIMD8(
            even[0].littleEndian, odd[0].littleEndian, even[1].littleEndian, odd[1].littleEndian,
            even[2].littleEndian, odd[2].littleEndian, even[3].littleEndian, odd[3].littleEndian
        )
        guard stereo else {
            bytes.storeBytes(of: mono, as: SIMD8<Int16>.self)
            return
        }
        let frames = SIMD16<Int16>(
            mono[0], mono[0], mono[1], mono[1], mono[2], mono[2], mono[3], mono[3],
            mono[4], mono[4], mono[5], mono[5], mono[6], mono[6], mono[7], mono[7]
        )
        bytes.storeBytes(of: frames, as: SIMD16<Int16>.self)
    }
}

extension UnsafeMutablePointer<UInt32> {
    @inline(__always)
    fileprivate func storeUnalignedLittleEndian(_ value: UInt32) {
        UnsafeMutableRawPointer(self).storeBytes(of: value.littleEndian, as: UInt32.self)
    }
}

/// The capture thread's DSP in one preallocated object: device frames (S16_LE/S32_LE, any channel
/// count, device rate) → mono Float → `PolyphaseResampler` → mono Int16 at the session rate.
///
/// `convert(_:into:)` never allocates, locks or blocks.
public final class CaptureConverter {
    public let format: PCMSampleFormat
    public let channels: Int
    public let selection: ChannelSelection
    /// The largest number of device frames one `convert` call accepts.
    public let maximumPeriodFrames: Int
    public let resampler: PolyphaseResampler

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
        resampler = PolyphaseResampler(inputRate: deviceRate, outputRate: sessionRate)
        monoBuffer = .allocate(capacity: maximumPeriodFrames)
        monoBuffer.initialize(repeating: 0)
        resampledBuffer = .allocate(capacity: resampler.maximumOutputCount(forInputCount: maximumPeriodFrames))
        resampledBuffer.initialize(repeating: 0)
    }

    deinit {
        monoBuffer.deallocate()
        resampledBuffer.deallocate()
    }

    /// Session-rate samples one full period can produce: the size `convert`'s output needs.
    public var maximumOutputCount: Int { resampledBuffer.count }

    /// Converts the whole frames in `deviceBytes` (at most `maximumPeriodFrames`; more is ignored).
    /// - Returns: the number of session-rate samples written to the front of `output`.
    public func convert(_ deviceBytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>) -> Int {
        let frames = SampleConversion.mono(
            fromInterleaved: deviceBytes,
            format: format,
            channels: channels,
            selection: selection,
            into: monoBuffer
        )
        let produced = resampler.process(
            UnsafeBufferPointer(rebasing: monoBuffer[..<frames]),
            into: resampledBuffer
        )
        return SampleConversion.convert(UnsafeBufferPointer(rebasing: resampledBuffer[..<produced]), into: output)
    }

    /// Forgets the resampler's history (after an xrun or a reopened device).
    public func reset() { resampler.reset() }
}

/// The playback thread's DSP in one preallocated object: mono Int16 at the session rate →
/// software volume (applied in place, so the caller can publish exactly what was played) → Float →
/// `PolyphaseResampler` → device frames (S16_LE/S32_LE, the same sample on every channel).
///
/// `convert(_:into:)` never allocates, locks or blocks.
public final class PlaybackConverter {
    public let format: PCMSampleFormat
    public let channels: Int
    /// The largest number of session-rate samples one `convert` call accepts.
    public let maximumPeriodSamples: Int
    public let resampler: PolyphaseResampler
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
        resampler = PolyphaseResampler(inputRate: sessionRate, outputRate: deviceRate)
        floatBuffer = .allocate(capacity: maximumPeriodSamples)
        floatBuffer.initialize(repeating: 0)
        resampledBuffer = .allocate(capacity: resampler.maximumOutputCount(forInputCount: maximumPeriodSamples))
        resampledBuffer.initialize(repeating: 0)
    }

    deinit {
        floatBuffer.deallocate()
        resampledBuffer.deallocate()
    }

    /// Device frames one full period can produce; `deviceBytes` needs this many frames of room.
    public var maximumOutputFrames: Int { resampledBuffer.count }

    /// Applies the volume to `samples` in place (at most `maximumPeriodSamples` of them; more are
    /// left untouched and ignored), then writes device frames.
    /// - Returns: the number of device frames written to the front of `deviceBytes`.
    public func convert(_ samples: UnsafeMutableBufferPointer<Int16>, into deviceBytes: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(samples.count, maximumPeriodSamples)
        let period = UnsafeMutableBufferPointer(rebasing: samples[..<count])
        volume.apply(to: period)
        SampleConversion.convert(UnsafeBufferPointer(period), into: floatBuffer)
        let produced = resampler.process(
            UnsafeBufferPointer(rebasing: floatBuffer[..<count]),
            into: resampledBuffer
        )
        return SampleConversion.interleave(
            UnsafeBufferPointer(rebasing: resampledBuffer[..<produced]),
            into: deviceBytes,
            format: format,
            channels: channels
        )
    }

    /// Forgets the resampler's history (after a flush, an xrun or a reopened device).
    public func reset() { resampler.reset() }
}

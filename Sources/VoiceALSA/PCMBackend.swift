import VoiceCore
import VoiceDSP

/// Direction of a PCM stream.
public enum PCMStream: Sendable, Equatable {
    case capture
    case playback

    var name: String { self == .capture ? "capture" : "playback" }
}

/// What the engine asks of a device.
struct PCMOpenRequest: Sendable, Equatable {
    var device: String
    var stream: PCMStream
    /// An ALSA configuration file used instead of the system one (nil: system configuration).
    var configPath: String?
    /// Nil: the device's own rate nearest to 48 000 Hz, without ALSA's rate plugin.
    var rate: Int?
    var format: AudioSettings.SampleFormat
    /// Nil: the count nearest to 1.
    var channels: Int?
    var periodMilliseconds: Int
    var bufferPeriods: Int
    /// The rate the engine converts to and from; the device rate must be convertible.
    var sessionRate: Int

    init(settings: AudioSettings, stream: PCMStream) {
        device = stream == .capture ? settings.captureDevice : settings.playbackDevice
        self.stream = stream
        configPath = settings.alsaConfigPath
        rate = settings.deviceRate
        format = settings.format
        channels = settings.channels
        periodMilliseconds = settings.periodMilliseconds
        bufferPeriods = settings.bufferPeriods
        sessionRate = settings.sessionRate
    }
}

/// What the device agreed to.
struct PCMParameters: Sendable, Equatable {
    var rate: Int
    var format: PCMSampleFormat
    var channels: Int
    var periodFrames: Int
    var bufferFrames: Int

    var bytesPerFrame: Int { format.bytesPerSample * channels }
}

/// The PCM calls the engine's threads make, behind a protocol so tests can inject faults
/// (-EPIPE, -ESTRPIPE, -ENODEV) around the real libasound implementation.
///
/// One backend serves one direction and is reopened in place after the device is lost. After
/// `ALSAAudioEngine.start()` returns, only that direction's thread calls it, so implementations need
/// no locking; return values follow libasound (frames, or a negative errno).
protocol PCMBackend: AnyObject, Sendable {
    /// Opens and configures the device (hardware and software parameters) and prepares it.
    func open(_ request: PCMOpenRequest) throws(ALSAError) -> PCMParameters
    /// Closes the device if open. Idempotent.
    func close()
    /// Blocking interleaved read. The corresponding C function is `snd_pcm_readi`.
    func readInterleaved(into buffer: UnsafeMutableRawPointer, frames: Int) -> Int
    /// Blocking interleaved write. The corresponding C function is `snd_pcm_writei`.
    func writeInterleaved(from buffer: UnsafeRawPointer, frames: Int) -> Int
    /// Recovers from an xrun or a suspend. The corresponding C function is `snd_pcm_recover`.
    func recover(from code: Int32) -> Int32
    /// The corresponding C function is `snd_pcm_prepare`.
    func prepare() -> Int32
    /// Frames that must be available before a blocking read or write wakes the thread. The
    /// corresponding C function is `snd_pcm_sw_params_set_avail_min` (applied with `snd_pcm_sw_params`).
    func setAvailableMinimum(frames: Int) -> Int32
    /// Stops and discards queued frames. The corresponding C function is `snd_pcm_drop`.
    func drop() -> Int32
    /// Frames between the application pointer and the speaker (playback) or the microphone and the
    /// application (capture). The corresponding C function is `snd_pcm_delay`.
    func delay(_ frames: inout Int) -> Int32
}

/// Makes one backend per direction when the engine starts.
protocol PCMBackendFactory: Sendable {
    func makeBackend(for stream: PCMStream) -> any PCMBackend
}

struct LibasoundPCMBackendFactory: PCMBackendFactory {
    func makeBackend(for stream: PCMStream) -> any PCMBackend { LibasoundPCMBackend() }
}

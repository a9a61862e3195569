import CALSA
import CVoiceALSAShim
import Glibc
import VoiceCore
import VoiceDSP

/// The real PCM: libasound calls on one `snd_pcm_t`.
final class LibasoundPCMBackend: PCMBackend, @unchecked Sendable {
    // @unchecked: opened by `start()` before the thread exists, then used only by that thread, then
    // closed after the thread is joined (see `PCMBackend`).
    private var pcm: OpaquePointer?
    /// A configuration loaded from `alsa_config_path`; kept until close because the PCM's plugins
    /// were built from its nodes.
    private var localConfig: OpaquePointer?
    /// The software parameters set at open, kept so `avail_min` can change later without allocating.
    private var softwareParameters: OpaquePointer?

    init() {}

    deinit { close() }

    func open(_ request: PCMOpenRequest) throws(ALSAError) -> PCMParameters {
        close()
        ALSALibrary.silenceErrorOutput()
        func failure(_ call: String, _ code: Int32, _ detail: String? = nil) -> ALSAError {
            ALSAError(device: request.device, direction: request.stream.name, call: call, code: code, detail: detail)
        }
        let stream = request.stream == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        var handle: OpaquePointer?
        if let path = request.configPath {
            let config = try Self.loadConfiguration(path: path, request: request)
            let status = snd_pcm_open_lconf(&handle, request.device, stream, 0, config)
            guard status == 0, let handle else {
                snd_config_delete(config)
                throw failure("snd_pcm_open", status, "with the ALSA configuration \(path)")
            }
            localConfig = config
            pcm = handle
        } else {
            let status = snd_pcm_open(&handle, request.device, stream, 0)
            guard status == 0, let handle else { throw failure("snd_pcm_open", status) }
            pcm = handle
        }
        do {
            return try configure(request, failure: failure)
        } catch {
            close()
            throw error
        }
    }

    private static func loadConfiguration(path: String, request: PCMOpenRequest) throws(ALSAError) -> OpaquePointer {
        func failure(_ call: String, _ code: Int32) -> ALSAError {
            ALSAError(
                device: request.device, direction: request.stream.name, call: call, code: code,
                detail: "reading the ALSA configuration \(path) (audio.alsa_config_path)"
            )
        }
        var config: OpaquePointer?
        var status = snd_config_top(&config)
        guard status == 0, let config else { throw failure("snd_config_top", status) }
        var input: OpaquePointer?
        status = snd_input_stdio_open(&input, path, "r")
        guard status == 0, let input else {
            snd_config_delete(config)
            throw failure("snd_input_stdio_open", status)
        }
        status = snd_config_load(config, input)
        snd_input_close(input)
        guard status == 0 else {
            snd_config_delete(config)
            throw failure("snd_config_load", status)
        }
        return config
    }

    private func configure(
        _ request: PCMOpenRequest,
        failure: (String, Int32, String?) -> ALSAError
    ) throws(ALSAError) -> PCMParameters {
        guard let pcm else { throw failure("snd_pcm_open", -EBADFD, nil) }
        var hardware: OpaquePointer?
        var status = snd_pcm_hw_params_malloc(&hardware)
        guard status == 0, let hardware else { throw failure("snd_pcm_hw_params_malloc", status, nil) }
        defer { snd_pcm_hw_params_free(hardware) }

        status = snd_pcm_hw_params_any(pcm, hardware)
        guard status >= 0 else { throw failure("snd_pcm_hw_params_any", status, nil) }
        status = snd_pcm_hw_params_set_access(pcm, hardware, SND_PCM_ACCESS_RW_INTERLEAVED)
        guard status == 0 else {
            throw failure("snd_pcm_hw_params_set_access", status, "interleaved read/write access is not offered")
        }

        let format: PCMSampleFormat
        switch request.format {
        case .s16LE: format = .s16LE
        case .s32LE: format = .s32LE
        case .auto:
            if snd_pcm_hw_params_test_format(pcm, hardware, SND_PCM_FORMAT_S16_LE) == 0 {
                format = .s16LE
            } else if snd_pcm_hw_params_test_format(pcm, hardware, SND_PCM_FORMAT_S32_LE) == 0 {
                format = .s32LE
            } else {
                throw failure("snd_pcm_hw_params_set_format", -EINVAL, "the device offers neither S16_LE nor S32_LE")
            }
        }
        status = snd_pcm_hw_params_set_format(
            pcm, hardware, format == .s16LE ? SND_PCM_FORMAT_S16_LE : SND_PCM_FORMAT_S32_LE
        )
        guard status == 0 else {
            throw failure("snd_pcm_hw_params_set_format", status, "the device does not offer \(format.rawValue)")
        }

        var channels = UInt32(request.channels ?? 1)
        status = snd_pcm_hw_params_set_channels_near(pcm, hardware, &channels)
        guard status == 0 else { throw failure("snd_pcm_hw_params_set_channels_near", status, nil) }
        if let wanted = request.channels, wanted != Int(channels) {
            throw failure("snd_pcm_hw_params_set_channels", -EINVAL, "the device offers \(channels) channels")
        }
        guard (1...8).contains(channels) else {
            throw failure("snd_pcm_hw_params_set_channels", -EINVAL, "the device offers \(channels) channels")
        }

        // Without an explicit rate, ask for the device's own rate (no ALSA rate plugin): the
        // engine's resampler converts with better quality than ALSA's linear default.
        snd_pcm_hw_params_set_rate_resample(pcm, hardware, request.rate == nil ? 0 : 1)
        var rate = UInt32(request.rate ?? 48_000)
        var direction: Int32 = 0
        status = snd_pcm_hw_params_set_rate_near(pcm, hardware, &rate, &direction)
        guard status == 0 else { throw failure("snd_pcm_hw_params_set_rate_near", status, nil) }
        if let wanted = request.rate, wanted != Int(rate) {
            throw failure("snd_pcm_hw_params_set_rate", -EINVAL, "the device offers \(rate) Hz, not \(wanted) Hz")
        }
        guard PolyphaseResampler.supports(inputRate: Int(rate), outputRate: request.sessionRate) else {
            throw failure(
                "snd_pcm_hw_params_set_rate", -EINVAL,
                "the device runs at \(rate) Hz, which voiced does not convert; use a plughw: device "
                    + "and set audio.device_rate to 48000"
            )
        }

        var periodFrames = snd_pcm_uframes_t(Int(rate) * request.periodMilliseconds / 1000)
        direction = 0
        status = snd_pcm_hw_params_set_period_size_near(pcm, hardware, &periodFrames, &direction)
        guard status == 0 else { throw failure("snd_pcm_hw_params_set_period_size_near", status, nil) }
        var bufferFrames = periodFrames * snd_pcm_uframes_t(request.bufferPeriods)
        status = snd_pcm_hw_params_set_buffer_size_near(pcm, hardware, &bufferFrames)
        guard status == 0 else { throw failure("snd_pcm_hw_params_set_buffer_size_near", status, nil) }
        status = snd_pcm_hw_params(pcm, hardware)
        guard status == 0 else { throw failure("snd_pcm_hw_params", status, nil) }
        snd_pcm_hw_params_get_period_size(hardware, &periodFrames, &direction)
        snd_pcm_hw_params_get_buffer_size(hardware, &bufferFrames)

        var software: OpaquePointer?
        status = snd_pcm_sw_params_malloc(&software)
        guard status == 0, let software else { throw failure("snd_pcm_sw_params_malloc", status, nil) }
        softwareParameters = software
        snd_pcm_sw_params_current(pcm, software)
        // Capture starts with the first read; playback once two periods are queued (the prefill),
        // so the first write cannot underrun while the other direction is still starting.
        let startThreshold = request.stream == .capture ? 1 : min(bufferFrames, periodFrames * 2)
        snd_pcm_sw_params_set_start_threshold(pcm, software, startThreshold)
        snd_pcm_sw_params_set_avail_min(pcm, software, periodFrames)
        status = snd_pcm_sw_params(pcm, software)
        guard status == 0 else { throw failure("snd_pcm_sw_params", status, nil) }

        status = snd_pcm_prepare(pcm)
        guard status == 0 else { throw failure("snd_pcm_prepare", status, nil) }
        return PCMParameters(
            rate: Int(rate), format: format, channels: Int(channels),
            periodFrames: Int(periodFrames), bufferFrames: Int(bufferFrames)
        )
    }

    func close() {
        if let pcm { snd_pcm_close(pcm) }
        pcm = nil
        if let softwareParameters { snd_pcm_sw_params_free(softwareParameters) }
        softwareParameters = nil
        if let localConfig { snd_config_delete(localConfig) }
        localConfig = nil
    }

    func readInterleaved(into buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        guard let pcm else { return Int(-EBADFD) }
        return snd_pcm_readi(pcm, buffer, snd_pcm_uframes_t(frames))
    }

    func writeInterleaved(from buffer: UnsafeRawPointer, frames: Int) -> Int {
        guard let pcm else { return Int(-EBADFD) }
        return snd_pcm_writei(pcm, buffer, snd_pcm_uframes_t(frames))
    }

    func recover(from code: Int32) -> Int32 {
        guard let pcm else { return -EBADFD }
        return snd_pcm_recover(pcm, code, 1)
    }

    func prepare() -> Int32 {
        guard let pcm else { return -EBADFD }
        return snd_pcm_prepare(pcm)
    }

    func setAvailableMinimum(frames: Int) -> Int32 {
        guard let pcm, let softwareParameters else { return -EBADFD }
        let status = snd_pcm_sw_params_set_avail_min(pcm, softwareParameters, snd_pcm_uframes_t(frames))
        guard status == 0 else { return status }
        return snd_pcm_sw_params(pcm, softwareParameters)
    }

    func drop() -> Int32 {
        guard let pcm else { return -EBADFD }
        return snd_pcm_drop(pcm)
    }

    func delay(_ frames: inout Int) -> Int32 {
        guard let pcm else { return -EBADFD }
        var delay: snd_pcm_sframes_t = 0
        let status = snd_pcm_delay(pcm, &delay)
        if status == 0 { frames = delay }
        return status
    }
}

/// Process-wide libasound setup.
enum ALSALibrary {
    /// Replaces libasound's stderr chatter ("ALSA lib pcm.c:…") with silence: the engine reports
    /// failures itself, with the device name and a remedy. Idempotent.
    static func silenceErrorOutput() {
        voiced_alsa_silence_errors()
    }
}

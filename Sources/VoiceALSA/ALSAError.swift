import CALSA
import Glibc

/// A libasound call that failed: which device, which call, ALSA's own words, and what to do.
public struct ALSAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ALSA PCM name as configured (`default`, `plughw:CARD=…`).
    public var device: String
    /// "capture" or "playback" (or "control" for card queries).
    public var direction: String
    /// The C function that failed, e.g. `snd_pcm_open`.
    public var call: String
    /// The negative error code libasound returned (a negated errno).
    public var code: Int32
    /// Extra context, e.g. "the device offers 96000 Hz only".
    public var detail: String?

    public init(device: String, direction: String, call: String, code: Int32, detail: String? = nil) {
        self.device = device
        self.direction = direction
        self.call = call
        self.code = code
        self.detail = detail
    }

    /// libasound's text for `code`. The corresponding C function is `snd_strerror`.
    public var reason: String {
        guard code != 0, let text = snd_strerror(code) else { return "invalid settings" }
        return String(cString: text)
    }

    public var description: String {
        var text = "cannot use \(direction) device \"\(device)\": \(call) failed: \(reason) (\(code))"
        if let detail { text += "; \(detail)" }
        return text + ". " + remedy
    }

    private var remedy: String {
        switch -code {
        case EBUSY:
            return "Another program holds the device: stop it, or share the device through dmix/dsnoop "
                + "(see Config/alsa/sharing.conf)."
        case EACCES, EPERM:
            return "Check that your user is in group audio (`sudo usermod -aG audio $USER`, then log in again)."
        case EINVAL:
            return "The device does not accept these settings: check audio.format, audio.channels, "
                + "audio.device_rate and audio.period_ms in the config, or use a plughw: device."
        default:
            return "Check the device name in the config (audio.capture_device / audio.playback_device) against "
                + "`voicectl devices` or `aplay -L`, and that your user is in group audio."
        }
    }
}

import VoiceDSP

/// The `audio:` section of the config: which ALSA devices to open and how.
///
/// Every key has a default, so an empty section opens ALSA's `default` PCM at the device's own rate
/// and converts to the 24 kHz mono session format in-process. Keys are snake_case in the file.
public struct AudioSettings: Sendable, Codable, Equatable {
    /// Sample format asked of the device. `auto` takes S16_LE when the device offers it, else S32_LE
    /// (I2S HATs often only do 32-bit frames).
    public enum SampleFormat: String, Sendable, Codable, Equatable, CaseIterable {
        case auto
        case s16LE = "S16_LE"
        case s32LE = "S32_LE"
    }

    /// Whether the engine paces its threads to the monotonic clock.
    public enum Pacing: String, Sendable, Codable, Equatable, CaseIterable {
        /// Pace only when the device turns out to run much faster than real time (ALSA's `file`
        /// plugin over `null`, the simulated sound card).
        case auto
        /// Always pace (a device without its own clock).
        case on
        /// Never pace: the device's blocking reads and writes set the rhythm (real hardware).
        case off
    }

    /// ALSA PCM name for the microphone: `default`, `plughw:CARD=…`, a dsnoop PCM, …
    public var captureDevice: String = "default"
    /// ALSA PCM name for the speaker: `default`, `plughw:CARD=…`, a dmix PCM, …
    public var playbackDevice: String = "default"
    /// Device sample rate in Hz; nil asks the device for the rate nearest to 48 000.
    public var deviceRate: Int?
    public var format: SampleFormat = .auto
    /// Device channels (1 or 2); nil asks for the count nearest to 1.
    public var channels: Int?
    /// How two captured channels become one: `downmix` (the average) or one channel, 0 or 1
    /// (a HAT whose microphone is wired to the right channel is 1). Written `downmix`, `0` or `1`.
    public var channel: ChannelSelection = .downmix
    /// ALSA period length, 10…20 ms.
    public var periodMilliseconds: Int = 20
    /// Device buffer length in periods (at least 2). Short keeps flush and echo reference tight.
    public var bufferPeriods: Int = 4
    /// Reply audio queued before a playback burst starts (jitter buffer), 0…1000 ms.
    public var playbackPrebufferMilliseconds: Int = 60
    public var pace: Pacing = .auto
    /// Sample rate of the daemon's mono Int16 pipeline (the realtime session's rate).
    public var sessionRate: Int = 24_000
    /// SCHED_FIFO priority (1…99) for the two audio threads, e.g. 40; nil keeps normal scheduling.
    /// Needs permission (root, or `LimitRTPRIO=` in the systemd unit); without it the threads run
    /// normally and status says so.
    public var realtimePriority: Int?
    /// An ALSA configuration file opened instead of the system one (the simulated sound card).
    /// Nil uses the system configuration (`/usr/share/alsa/alsa.conf`, `~/.asoundrc`).
    public var alsaConfigPath: String?

    public init() {}

    /// Session and device rates the resampler supports.
    public static let supportedRates: Set<Int> = [8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]

    /// Problems a person can fix in the config file; empty when the settings are usable.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if captureDevice.isEmpty { problems.append("audio.capture_device is empty; use an ALSA name such as default") }
        if playbackDevice.isEmpty {
            problems.append("audio.playback_device is empty; use an ALSA name such as default")
        }
        if let deviceRate, !Self.supportedRates.contains(deviceRate) {
            problems.append("audio.device_rate \(deviceRate) is not one of \(Self.rateList)")
        }
        if !Self.supportedRates.contains(sessionRate) {
            problems.append("audio.session_rate \(sessionRate) is not one of \(Self.rateList)")
        }
        if let channels, !(1...2).contains(channels) {
            problems.append("audio.channels must be 1 or 2, not \(channels)")
        }
        if case .channel(let index) = channel, !(0...1).contains(index) {
            problems.append("audio.channel must be downmix, 0 or 1, not \(index)")
        }
        if !(10...20).contains(periodMilliseconds) {
            problems.append("audio.period_ms must be between 10 and 20, not \(periodMilliseconds)")
        }
        if !(2...16).contains(bufferPeriods) {
            problems.append("audio.buffer_periods must be between 2 and 16, not \(bufferPeriods)")
        }
        if let realtimePriority, !(1...99).contains(realtimePriority) {
            problems.append("audio.realtime_priority must be between 1 and 99, not \(realtimePriority)")
        }
        if !(0...1000).contains(playbackPrebufferMilliseconds) {
            problems.append(
                "audio.playback_prebuffer_ms must be between 0 and 1000, not \(playbackPrebufferMilliseconds)"
            )
        }
        return problems
    }

    private static var rateList: String {
        supportedRates.sorted().map(String.init).joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey {
        case captureDevice = "capture_device"
        case playbackDevice = "playback_device"
        case deviceRate = "device_rate"
        case format
        case channels
        case channel
        case periodMilliseconds = "period_ms"
        case bufferPeriods = "buffer_periods"
        case playbackPrebufferMilliseconds = "playback_prebuffer_ms"
        case pace
        case sessionRate = "session_rate"
        case realtimePriority = "realtime_priority"
        case alsaConfigPath = "alsa_config_path"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AudioSettings()
        captureDevice = try container.decodeIfPresent(String.self, forKey: .captureDevice) ?? defaults.captureDevice
        playbackDevice = try container.decodeIfPresent(String.self, forKey: .playbackDevice) ?? defaults.playbackDevice
        deviceRate = try container.decodeIfPresent(Int.self, forKey: .deviceRate)
        format = try container.decodeIfPresent(SampleFormat.self, forKey: .format) ?? defaults.format
        channels = try container.decodeIfPresent(Int.self, forKey: .channels)
        channel = try Self.decodeChannel(from: container) ?? defaults.channel
        periodMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .periodMilliseconds)
            ?? defaults.periodMilliseconds
        bufferPeriods = try container.decodeIfPresent(Int.self, forKey: .bufferPeriods) ?? defaults.bufferPeriods
        playbackPrebufferMilliseconds =
            try container.decodeIfPresent(
                Int.self, forKey: .playbackPrebufferMilliseconds
            ) ?? defaults.playbackPrebufferMilliseconds
        pace = try container.decodeIfPresent(Pacing.self, forKey: .pace) ?? defaults.pace
        sessionRate = try container.decodeIfPresent(Int.self, forKey: .sessionRate) ?? defaults.sessionRate
        realtimePriority = try container.decodeIfPresent(Int.self, forKey: .realtimePriority)
        alsaConfigPath = try container.decodeIfPresent(String.self, forKey: .alsaConfigPath)
    }

    /// `channel:` is `downmix`, or a channel number written as a number or a string.
    private static func decodeChannel(from container: KeyedDecodingContainer<CodingKeys>) throws -> ChannelSelection? {
        guard container.contains(.channel) else { return nil }
        if let index = try? container.decode(Int.self, forKey: .channel) { return .channel(index) }
        let text = try container.decode(String.self, forKey: .channel)
        if text == "downmix" { return .downmix }
        if let index = Int(text) { return .channel(index) }
        throw DecodingError.dataCorruptedError(
            forKey: .channel, in: container, debugDescription: "audio.channel must be downmix, 0 or 1; got \"\(text)\""
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(captureDevice, forKey: .captureDevice)
        try container.encode(playbackDevice, forKey: .playbackDevice)
        try container.encodeIfPresent(deviceRate, forKey: .deviceRate)
        try container.encode(format, forKey: .format)
        try container.encodeIfPresent(channels, forKey: .channels)
        switch channel {
        case .downmix: try container.encode("downmix", forKey: .channel)
        case .channel(let index): try container.encode(index, forKey: .channel)
        }
        try container.encode(periodMilliseconds, forKey: .periodMilliseconds)
        try container.encode(bufferPeriods, forKey: .bufferPeriods)
        try container.encode(playbackPrebufferMilliseconds, forKey: .playbackPrebufferMilliseconds)
        try container.encode(pace, forKey: .pace)
        try container.encode(sessionRate, forKey: .sessionRate)
        try container.encodeIfPresent(realtimePriority, forKey: .realtimePriority)
        try container.encodeIfPresent(alsaConfigPath, forKey: .alsaConfigPath)
    }
}

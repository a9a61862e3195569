import VoiceCore

/// What the built-in device tools act on. The daemon implements it over its coordinator (and persists what
/// the user would expect to survive a restart); tests use a fake.
public protocol DeviceControl: Sendable {
    /// Speaker volume, 0…100 percent (already clamped).
    func setVolume(percent: Int) async
    func setMuted(_ muted: Bool) async
    /// Stops the reply being spoken (and whatever the conversation is doing).
    func cancelReply() async
    /// Switches the voice; `voice` is a canonical name from `VoiceCatalog`.
    func setVoice(_ voice: String) async
    func deviceStatus() async -> DeviceStatusSnapshot
}

/// What `device_status` reports, and what `change_volume` starts from.
public struct DeviceStatusSnapshot: Sendable, Equatable, Codable {
    public var volumePercent: Int
    public var muted: Bool
    public var voice: String
    /// The conversation state (`idle`, `listening`, `thinking`, `speaking`).
    public var state: String
    /// The realtime connection state (`ready`, `connecting`, …).
    public var connection: String

    public init(volumePercent: Int, muted: Bool, voice: String, state: String, connection: String) {
        self.volumePercent = volumePercent
        self.muted = muted
        self.voice = voice
        self.state = state
        self.connection = connection
    }

    enum CodingKeys: String, CodingKey {
        case muted, voice, state, connection
        case volumePercent = "volume_percent"
    }
}

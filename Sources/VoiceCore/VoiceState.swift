/// What the appliance is doing, as a person would describe it.
public enum VoiceState: String, Sendable, Codable, CaseIterable {
    /// Waiting for a press (or a follow-up).
    case idle
    /// Mic audio is going up to the session.
    case listening
    /// The turn is committed; waiting for the first reply audio.
    case thinking
    /// The reply is playing.
    case speaking
}

/// The realtime connection's lifecycle, as shown in status.
public enum ConnectionState: String, Sendable, Codable, CaseIterable {
    case disconnected
    case connecting
    /// Connected and `session.updated` received: audio may flow.
    case ready
    /// Waiting before the next attempt (see `ConnectionStatus.nextAttemptInMilliseconds`).
    case backingOff = "backing_off"
    /// The key was rejected; retrying rarely.
    case authFailed = "auth_failed"
}

/// The voices the realtime API offers (reference §2). Matching is case-insensitive.
public enum VoiceCatalog {
    public static let builtIn: [String] = ["eve", "ara", "rex", "sal", "leo"]
    /// Newer voices named by xAI's SDK and LiveKit (reference §2); custom voice IDs are also accepted
    /// when they look like one (`voice_...`).
    public static let newer: [String] = ["orion", "luna"]
    public static var all: [String] { builtIn + newer }
    public static let defaultVoice = "eve"

    /// The canonical (lowercase) name, or nil when `name` is not a known voice.
    public static func canonical(_ name: String) -> String? {
        let lowered = name.lowercased()
        if all.contains(lowered) { return lowered }
        if lowered.hasPrefix("voice_"), lowered.count > 6 { return name }
        return nil
    }
}

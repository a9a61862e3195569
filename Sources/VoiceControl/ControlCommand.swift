import VoiceCore

/// One command of the control protocol, decoded and validated.
///
/// The daemon's `ControlCommandHandler` switches over this; `voicectl` builds it and
/// `ControlRequest` puts it on the wire. `ControlRequestDecoder` is the only way in from bytes, so a
/// value of this type is always valid (voice names canonical, volume in range, text non-empty).
public enum ControlCommand: Sendable, Hashable {
    /// The status snapshot (`DaemonStatus`).
    case status
    /// The current voice and the valid names.
    case getVoice
    /// Switch voice (a canonical name from `VoiceCatalog`); applied live and persisted.
    case setVoice(String)
    /// Mute the microphone: nothing is heard or sent until unmuted.
    case mute
    case unmute
    case getVolume
    /// Speaker volume, 0…100 percent.
    case setVolume(Int)
    case volumeUp
    case volumeDown
    /// The virtual button: a tap (start a turn, end it, or stop the reply); a press held until `release`
    /// when `hold` is true (push-to-talk).
    case press(hold: Bool)
    case release
    /// Stop whatever is happening (speaking, thinking, listening).
    case cancel
    /// A typed question, answered aloud.
    case say(String)
    /// Start receiving events of these kinds on this connection (all kinds when empty).
    case subscribe(Set<ControlEventKind>)
    case unsubscribe
    /// Audio cards and PCMs the daemon can open.
    case devices
    /// Drop the realtime connection and connect again now.
    case reconnect
    /// Read the config file again and apply what can be applied live.
    case reload
    case version
    /// The daemon's own checks (audio devices, key, GPIO, clock).
    case doctor
    /// Record what the microphone hears and what the speaker plays for this many seconds
    /// (1…`RecordingLimits.maximumSeconds`); the audio follows on this connection as recording lines.
    case record(seconds: Int)

    /// Wire names, in documentation order.
    public static let allNames: [String] = [
        "status", "voice.get", "voice.set", "mute", "unmute", "volume.get", "volume.set", "volume.up",
        "volume.down", "press", "release", "cancel", "say", "subscribe", "unsubscribe", "devices",
        "reconnect", "reload", "version", "doctor", "record",
    ]

    /// The command's name on the wire.
    public var name: String {
        switch self {
        case .status: "status"
        case .getVoice: "voice.get"
        case .setVoice: "voice.set"
        case .mute: "mute"
        case .unmute: "unmute"
        case .getVolume: "volume.get"
        case .setVolume: "volume.set"
        case .volumeUp: "volume.up"
        case .volumeDown: "volume.down"
        case .press: "press"
        case .release: "release"
        case .cancel: "cancel"
        case .say: "say"
        case .subscribe: "subscribe"
        case .unsubscribe: "unsubscribe"
        case .devices: "devices"
        case .reconnect: "reconnect"
        case .reload: "reload"
        case .version: "version"
        case .doctor: "doctor"
        case .record: "record"
        }
    }

    /// The command's `args` object on the wire (empty when it takes none).
    public var arguments: [String: JSONValue] {
        switch self {
        case .setVoice(let name): ["name": .string(name)]
        case .setVolume(let percent): ["percent": .integer(percent)]
        case .press(let hold): hold ? ["hold": .bool(true)] : [:]
        case .say(let text): ["text": .string(text)]
        case .record(let seconds): ["seconds": .integer(seconds)]
        case .subscribe(let kinds) where !kinds.isEmpty:
            ["events": .array(kinds.map(\.rawValue).sorted().map(JSONValue.string))]
        default: [:]
        }
    }
}

/// The kinds of events a subscriber can ask for.
public enum ControlEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The conversation state changed (idle, listening, thinking, speaking).
    case state
    /// The realtime connection changed (connecting, ready, backing off, ...).
    case connection
    /// A user or assistant transcript (partial or final).
    case transcript
    /// Microphone level, a few times per second.
    case level
    /// A turn completed, with its latencies.
    case turn
    /// Voice, volume or mute changed.
    case settings
    /// Something went wrong (shown to a person).
    case error
    /// A tool call the model made finished (name, status, duration).
    case tool
}

/// Limits on command arguments.
public enum ControlLimits {
    /// Longest `say` text, in characters.
    public static let maximumSayCharacters = 4_000
    /// Longest request line, in bytes (newline excluded); longer lines are answered with `too_large`
    /// and the connection is closed.
    public static let maximumLineBytes = 65_536
}

import VoiceCore

/// Something that happened in the daemon, pushed to subscribers as `{"event": "<kind>", ...}`.
public enum ControlEvent: Sendable, Equatable {
    /// `{"event":"state","state":"listening"}`
    case state(VoiceState)
    /// `{"event":"connection","connection":{...ConnectionStatus...}}`
    case connection(ConnectionStatus)
    /// `{"event":"transcript","role":"assistant","text":"...","final":true}`
    case transcript(TranscriptEvent)
    /// `{"event":"level","mic_dbfs":-42.5}`
    case level(micDBFS: Double)
    /// `{"event":"turn","latency":{...LatencyStatus...}}`: a turn completed.
    case turn(LatencyStatus)
    /// `{"event":"settings","voice":"eve","volume_percent":80,"muted":false}`
    case settings(SettingsEvent)
    /// `{"event":"error","message":"..."}`
    case error(message: String)
    /// `{"event":"tool","name":"set_volume","call_id":"call_1","status":"ok","duration_ms":3}`: a tool call
    /// finished (`status` `error` with an `error` message when it failed). Arguments are never included.
    case tool(ToolCallEvent)
    /// From the server itself, always delivered to subscribers:
    /// `{"event":"notice","code":"subscriber_dropped","message":"..."}`.
    case notice(code: String, message: String)

    /// The subscription kind this event belongs to; nil for notices, which every subscriber gets.
    public var kind: ControlEventKind? {
        switch self {
        case .state: .state
        case .connection: .connection
        case .transcript: .transcript
        case .level: .level
        case .turn: .turn
        case .settings: .settings
        case .error: .error
        case .tool: .tool
        case .notice: nil
        }
    }

    /// The notice code sent when a subscriber is dropped for not reading its events.
    public static let subscriberDroppedCode = "subscriber_dropped"
}

public struct TranscriptEvent: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        case user, assistant
    }
    public var role: Role
    public var text: String
    /// False for a partial (delta) transcript; true for the whole, final text.
    public var isFinal: Bool

    public init(role: Role, text: String, isFinal: Bool) {
        self.role = role
        self.text = text
        self.isFinal = isFinal
    }

    enum CodingKeys: String, CodingKey {
        case role, text
        case isFinal = "final"
    }
}

public struct ToolCallEvent: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case ok, error
    }
    public var name: String
    public var callID: String
    public var status: Status
    public var durationMilliseconds: Int
    /// Why the call failed; nil when it succeeded.
    public var error: String?

    public init(name: String, callID: String, status: Status, durationMilliseconds: Int, error: String? = nil) {
        self.name = name
        self.callID = callID
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case name, status, error
        case callID = "call_id"
        case durationMilliseconds = "duration_ms"
    }
}

public struct SettingsEvent: Sendable, Hashable, Codable {
    public var voice: String
    public var volumePercent: Int
    public var muted: Bool

    public init(voice: String, volumePercent: Int, muted: Bool) {
        self.voice = voice
        self.volumePercent = volumePercent
        self.muted = muted
    }

    enum CodingKeys: String, CodingKey {
        case voice, muted
        case volumePercent = "volume_percent"
    }
}

extension ControlEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case event, state, connection, latency, message, code
        case micDBFS = "mic_dbfs"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .event)
        switch name {
        case "state": self = .state(try container.decode(VoiceState.self, forKey: .state))
        case "connection": self = .connection(try container.decode(ConnectionStatus.self, forKey: .connection))
        case "transcript": self = .transcript(try TranscriptEvent(from: decoder))
        case "level": self = .level(micDBFS: try container.decode(Double.self, forKey: .micDBFS))
        case "turn": self = .turn(try container.decode(LatencyStatus.self, forKey: .latency))
        case "settings": self = .settings(try SettingsEvent(from: decoder))
        case "error": self = .error(message: try container.decode(String.self, forKey: .message))
        case "tool": self = .tool(try ToolCallEvent(from: decoder))
        case "notice":
            self = .notice(
                code: try container.decode(String.self, forKey: .code),
                message: try container.decode(String.self, forKey: .message)
            )
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .event, in: container, debugDescription: "unknown event \"\(name)\""
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .state(let state):
            try container.encode("state", forKey: .event)
            try container.encode(state, forKey: .state)
        case .connection(let status):
            try container.encode("connection", forKey: .event)
            try container.encode(status, forKey: .connection)
        case .transcript(let transcript):
            try container.encode("transcript", forKey: .event)
            try transcript.encode(to: encoder)
        case .level(let level):
            try container.encode("level", forKey: .event)
            try container.encode(level, forKey: .micDBFS)
        case .turn(let latency):
            try container.encode("turn", forKey: .event)
            try container.encode(latency, forKey: .latency)
        case .settings(let settings):
            try container.encode("settings", forKey: .event)
            try settings.encode(to: encoder)
        case .error(let message):
            try container.encode("error", forKey: .event)
            try container.encode(message, forKey: .message)
        case .tool(let call):
            try container.encode("tool", forKey: .event)
            try call.encode(to: encoder)
        case .notice(let code, let message):
            try container.encode("notice", forKey: .event)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
        }
    }
}

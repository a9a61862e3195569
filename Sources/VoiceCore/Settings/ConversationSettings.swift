/// How turns are taken. The `conversation:` section of the config file.
public struct ConversationSettings: Sendable, Codable, Equatable {
    /// `local`: our VAD (or a second press) ends the turn; the session uses manual turn detection.
    /// `server`: the service's VAD ends the turn.
    public var turnEnding: ConversationStateMachine.TurnEnding = .local
    /// A tapped turn with no speech is abandoned after this many milliseconds.
    public var noSpeechTimeoutMs: Int = 8000
    /// A turn is committed after this many seconds even if the user keeps talking.
    public var maxTurnSeconds: Int = 60
    /// After a reply, keep listening this many seconds for a follow-up without a press (0: off).
    public var followUpSeconds: Double = 0
    /// Seconds of mic audio kept before a barge-in is detected and sent with it (pre-roll).
    public var bargeInPreRollMs: Int = 300

    public init() {}

    enum CodingKeys: String, CodingKey {
        case turnEnding = "turn_ending"
        case noSpeechTimeoutMs = "no_speech_timeout_ms"
        case maxTurnSeconds = "max_turn_seconds"
        case followUpSeconds = "follow_up_seconds"
        case bargeInPreRollMs = "barge_in_pre_roll_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ConversationSettings()
        turnEnding =
            try container.decodeIfPresent(ConversationStateMachine.TurnEnding.self, forKey: .turnEnding)
            ?? defaults.turnEnding
        noSpeechTimeoutMs =
            try container.decodeIfPresent(Int.self, forKey: .noSpeechTimeoutMs) ?? defaults.noSpeechTimeoutMs
        maxTurnSeconds = try container.decodeIfPresent(Int.self, forKey: .maxTurnSeconds) ?? defaults.maxTurnSeconds
        followUpSeconds =
            try container.decodeIfPresent(Double.self, forKey: .followUpSeconds) ?? defaults.followUpSeconds
        bargeInPreRollMs =
            try container.decodeIfPresent(Int.self, forKey: .bargeInPreRollMs) ?? defaults.bargeInPreRollMs
    }

    /// The state machine's view of these settings.
    public var machineConfiguration: ConversationStateMachine.Configuration {
        .init(
            turnEnding: turnEnding,
            noSpeechTimeout: .milliseconds(noSpeechTimeoutMs),
            maximumTurnDuration: .seconds(maxTurnSeconds),
            followUpWindow: followUpSeconds > 0 ? .milliseconds(Int(followUpSeconds * 1000)) : nil
        )
    }
}

/// Where the daemon keeps things and how it logs. The `daemon:` section of the config file.
public struct DaemonSettings: Sendable, Codable, Equatable {
    /// trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// A file holding the xAI API key (used when neither XAI_API_KEY nor the systemd credential is set).
    public var apiKeyFile: String = "/etc/voiced/api-key"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case logLevel = "log_level"
        case apiKeyFile = "api_key_file"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DaemonSettings()
        logLevel = try container.decodeIfPresent(String.self, forKey: .logLevel) ?? defaults.logLevel
        apiKeyFile = try container.decodeIfPresent(String.self, forKey: .apiKeyFile) ?? defaults.apiKeyFile
    }
}

import VoiceCore

/// The successful answer to a command; each case is the `result` object on the wire.
public enum ControlResult: Sendable, Equatable {
    /// `status`.
    case status(DaemonStatus)
    /// `voice.get`, `voice.set`.
    case voice(VoiceInfo)
    /// `volume.get`, `volume.set`, `volume.up`, `volume.down`.
    case volume(VolumeInfo)
    /// `mute`, `unmute`.
    case mute(MuteInfo)
    /// `press`, `release`, `cancel`, `say`: the conversation state after the command.
    case state(StateInfo)
    /// `subscribe`, `unsubscribe`: the kinds now subscribed (empty after `unsubscribe`).
    case subscription(SubscriptionInfo)
    /// `devices`.
    case devices(DeviceList)
    /// `version`.
    case version(VersionInfo)
    /// `doctor`.
    case doctor(DoctorReport)
    /// `reconnect`, `reload`: what was done, in words.
    case done(DoneInfo)
    /// `record`: the recording started; its lines follow.
    case recording(RecordingInfo)

    /// Encodes the payload (the `result` object).
    func encodePayload(to encoder: any Encoder) throws {
        switch self {
        case .status(let value): try value.encode(to: encoder)
        case .voice(let value): try value.encode(to: encoder)
        case .volume(let value): try value.encode(to: encoder)
        case .mute(let value): try value.encode(to: encoder)
        case .state(let value): try value.encode(to: encoder)
        case .subscription(let value): try value.encode(to: encoder)
        case .devices(let value): try value.encode(to: encoder)
        case .version(let value): try value.encode(to: encoder)
        case .doctor(let value): try value.encode(to: encoder)
        case .done(let value): try value.encode(to: encoder)
        case .recording(let value): try value.encode(to: encoder)
        }
    }
}

/// What the daemon answers to a command: a result, or an error with a stable code.
public typealias ControlReply = Result<ControlResult, ControlError>

public struct VoiceInfo: Sendable, Hashable, Codable {
    public var voice: String
    public var available: [String]
    public init(voice: String, available: [String] = VoiceCatalog.all) {
        self.voice = voice
        self.available = available
    }
}

public struct VolumeInfo: Sendable, Hashable, Codable {
    public var volumePercent: Int
    public init(volumePercent: Int) { self.volumePercent = volumePercent }
    enum CodingKeys: String, CodingKey { case volumePercent = "volume_percent" }
}

public struct MuteInfo: Sendable, Hashable, Codable {
    public var muted: Bool
    public init(muted: Bool) { self.muted = muted }
}

public struct StateInfo: Sendable, Hashable, Codable {
    public var state: VoiceState
    public init(state: VoiceState) { self.state = state }
}

public struct SubscriptionInfo: Sendable, Hashable, Codable {
    /// Sorted names of the subscribed kinds.
    public var events: [ControlEventKind]
    public init(events: some Sequence<ControlEventKind>) {
        self.events = events.sorted { $0.rawValue < $1.rawValue }
    }
}

/// Audio devices the daemon can see (`voicectl devices`).
public struct DeviceList: Sendable, Hashable, Codable {
    public struct Card: Sendable, Hashable, Codable {
        public var index: Int
        /// The short id used in `hw:CARD=<id>`.
        public var id: String
        public var name: String
        public init(index: Int, id: String, name: String) {
            self.index = index
            self.id = id
            self.name = name
        }
    }

    public struct PCM: Sendable, Hashable, Codable {
        /// The name to put in the config (`default`, `plughw:CARD=seeed2micvoicec,DEV=0`, ...).
        public var name: String
        public var description: String
        public var capture: Bool
        public var playback: Bool
        public init(name: String, description: String, capture: Bool, playback: Bool) {
            self.name = name
            self.description = description
            self.capture = capture
            self.playback = playback
        }
    }

    public var cards: [Card]
    public var pcms: [PCM]
    /// The devices the daemon has open.
    public var captureDevice: String
    public var playbackDevice: String

    public init(cards: [Card] = [], pcms: [PCM] = [], captureDevice: String = "", playbackDevice: String = "") {
        self.cards = cards
        self.pcms = pcms
        self.captureDevice = captureDevice
        self.playbackDevice = playbackDevice
    }

    enum CodingKeys: String, CodingKey {
        case cards, pcms
        case captureDevice = "capture_device"
        case playbackDevice = "playback_device"
    }
}

public struct VersionInfo: Sendable, Hashable, Codable {
    public var daemonVersion: String
    public var protocolVersion: Int
    public init(daemonVersion: String, protocolVersion: Int = ControlProtocol.version) {
        self.daemonVersion = daemonVersion
        self.protocolVersion = protocolVersion
    }
    enum CodingKeys: String, CodingKey {
        case daemonVersion = "daemon_version"
        case protocolVersion = "protocol_version"
    }
}

/// The result of `doctor`: one line per check, with what to do about each problem.
public struct DoctorReport: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case ok, warning, problem
    }

    public struct Check: Sendable, Hashable, Codable {
        /// Short name: "audio capture", "api key", "gpio button", "clock", ...
        public var name: String
        public var outcome: Outcome
        /// What was found.
        public var detail: String
        /// What to do (empty when `outcome` is ok).
        public var fix: String
        public init(name: String, outcome: Outcome, detail: String, fix: String = "") {
            self.name = name
            self.outcome = outcome
            self.detail = detail
            self.fix = fix
        }
    }

    public var checks: [Check]
    public init(checks: [Check]) { self.checks = checks }

    /// True when no check found a problem (warnings allowed).
    public var isHealthy: Bool { !checks.contains { $0.outcome == .problem } }
}

public struct DoneInfo: Sendable, Hashable, Codable {
    public var message: String
    public init(message: String) { self.message = message }
}

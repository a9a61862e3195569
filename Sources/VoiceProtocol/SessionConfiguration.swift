import VoiceCore
/// The `session` object of `session.update` (client) and of `session.created` / `session.updated`
/// (server, wrapped in ``RealtimeSessionInfo``). Reference §2.
///
/// Every field is optional: a `nil` field is left out of the JSON, so the same type expresses a full
/// configuration and a partial live update. Fields the reference does not list are kept in
/// ``extraFields`` (decoded and re-encoded as they are), so the simulator can reject them and a
/// client can still send an undocumented field on purpose.
public struct SessionConfiguration: Sendable, Hashable, Codable {
    /// The model; the reference says only the URL's `?model=` selects it, so clients normally leave it nil.
    public var model: String?
    /// The system prompt.
    public var instructions: String?
    /// A built-in voice name (`eve`, `ara`…) or a custom voice ID.
    public var voice: String?
    public var reasoning: Reasoning?
    /// Server VAD or manual turns. `nil` leaves it out (the reference advises always sending it).
    public var turnDetection: TurnDetection?
    public var audio: AudioConfiguration?
    public var tools: [Tool]?
    public var resumption: Resumption?
    /// Spoken replacements: `{"phrase": "spoken form"}`.
    public var replace: [String: String]?
    /// Session fields the reference does not list, by their JSON name.
    public var extraFields: [String: JSONValue]

    public init(
        model: String? = nil,
        instructions: String? = nil,
        voice: String? = nil,
        reasoning: Reasoning? = nil,
        turnDetection: TurnDetection? = nil,
        audio: AudioConfiguration? = nil,
        tools: [Tool]? = nil,
        resumption: Resumption? = nil,
        replace: [String: String]? = nil,
        extraFields: [String: JSONValue] = [:]
    ) {
        self.model = model
        self.instructions = instructions
        self.voice = voice
        self.reasoning = reasoning
        self.turnDetection = turnDetection
        self.audio = audio
        self.tools = tools
        self.resumption = resumption
        self.replace = replace
        self.extraFields = extraFields
    }

    /// The JSON names of the fields this type models (reference §2 table).
    public static let knownFieldNames: Set<String> = [
        "model", "instructions", "voice", "reasoning", "turn_detection", "audio", "tools", "resumption", "replace",
    ]

    /// The input format, or 24 kHz PCM (the service's default) when unset.
    public var effectiveInputFormat: AudioFormat { audio?.input?.format ?? .pcm(rate: AudioFormat.defaultRate) }
    /// The output format, or 24 kHz PCM (the service's default) when unset.
    public var effectiveOutputFormat: AudioFormat { audio?.output?.format ?? .pcm(rate: AudioFormat.defaultRate) }

    /// This configuration with every field set in `update` replacing the same field here (a shallow merge,
    /// which is how the reference presumes partial updates behave).
    public func merging(_ update: SessionConfiguration) -> SessionConfiguration {
        var merged = self
        if let model = update.model { merged.model = model }
        if let instructions = update.instructions { merged.instructions = instructions }
        if let voice = update.voice { merged.voice = voice }
        if let reasoning = update.reasoning { merged.reasoning = reasoning }
        if let turnDetection = update.turnDetection { merged.turnDetection = turnDetection }
        if let audio = update.audio { merged.audio = audio }
        if let tools = update.tools { merged.tools = tools }
        if let resumption = update.resumption { merged.resumption = resumption }
        if let replace = update.replace { merged.replace = replace }
        merged.extraFields.merge(update.extraFields) { _, new in new }
        return merged
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        for key in container.allKeys {
            switch key.stringValue {
            case "model": model = try container.decodeIfPresent(String.self, forKey: key)
            case "instructions": instructions = try container.decodeIfPresent(String.self, forKey: key)
            case "voice": voice = try container.decodeIfPresent(String.self, forKey: key)
            case "reasoning": reasoning = try container.decodeIfPresent(Reasoning.self, forKey: key)
            case "turn_detection":
                // OpenAI-style `"turn_detection": null` is reported to mean manual too (reference §2 note 2).
                if try container.decodeNil(forKey: key) {
                    turnDetection = .manual
                } else {
                    turnDetection = try container.decode(TurnDetection.self, forKey: key)
                }
            case "audio": audio = try container.decodeIfPresent(AudioConfiguration.self, forKey: key)
            case "tools": tools = try container.decodeIfPresent([Tool].self, forKey: key)
            case "resumption": resumption = try container.decodeIfPresent(Resumption.self, forKey: key)
            case "replace": replace = try container.decodeIfPresent([String: String].self, forKey: key)
            default: extraFields[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        try container.encodeIfPresent(model, forKey: AnyCodingKey("model"))
        try container.encodeIfPresent(instructions, forKey: AnyCodingKey("instructions"))
        try container.encodeIfPresent(voice, forKey: AnyCodingKey("voice"))
        try container.encodeIfPresent(reasoning, forKey: AnyCodingKey("reasoning"))
        try container.encodeIfPresent(turnDetection, forKey: AnyCodingKey("turn_detection"))
        try container.encodeIfPresent(audio, forKey: AnyCodingKey("audio"))
        try container.encodeIfPresent(tools, forKey: AnyCodingKey("tools"))
        try container.encodeIfPresent(resumption, forKey: AnyCodingKey("resumption"))
        try container.encodeIfPresent(replace, forKey: AnyCodingKey("replace"))
        for (name, value) in extraFields.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: AnyCodingKey(name))
        }
    }
}

/// `reasoning: {"effort": "high" | "none"}`.
public struct Reasoning: Sendable, Hashable, Codable {
    public var effort: ReasoningEffort?
    public init(effort: ReasoningEffort?) { self.effort = effort }
}

/// `high` (the service's default) or `none`.
public struct ReasoningEffort: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let high: ReasoningEffort = "high"
    public static let none: ReasoningEffort = "none"
}

/// How turns end: the service's voice activity detection, or the client's `commit`.
public enum TurnDetection: Sendable, Hashable, Codable {
    case serverVAD(ServerVAD)
    /// Push-to-talk: encoded as `{"type":null}` (the schema's form); `null` and `{"type":"none"}` also decode
    /// as manual (reference §2 note 2: OpenAI-style `null` is reported to work too).
    case manual

    /// Server VAD settings; `nil` fields are left to the service's defaults.
    public struct ServerVAD: Sendable, Hashable, Codable {
        /// 0.1–0.9, default 0.85.
        public var threshold: Double?
        /// 0–10000 ms of silence that ends a turn.
        public var silenceDurationMilliseconds: Int?
        /// 0–10000 ms kept before detected speech, default 333.
        public var prefixPaddingMilliseconds: Int?
        /// Silence after which the service commits a silent turn (`timeout_triggered`); default null (off).
        public var idleTimeoutMilliseconds: Int?

        public init(
            threshold: Double? = nil,
            silenceDurationMilliseconds: Int? = nil,
            prefixPaddingMilliseconds: Int? = nil,
            idleTimeoutMilliseconds: Int? = nil
        ) {
            self.threshold = threshold
            self.silenceDurationMilliseconds = silenceDurationMilliseconds
            self.prefixPaddingMilliseconds = prefixPaddingMilliseconds
            self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case threshold
            case silenceDurationMilliseconds = "silence_duration_ms"
            case prefixPaddingMilliseconds = "prefix_padding_ms"
            case idleTimeoutMilliseconds = "idle_timeout_ms"
        }
    }

    public var isManual: Bool { self == .manual }

    private enum CodingKeys: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        if try decoder.singleValueContainer().decodeNil() {
            self = .manual
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decodeIfPresent(String.self, forKey: .type)
        switch type {
        case nil, "none", "manual": self = .manual
        case "server_vad": self = .serverVAD(try ServerVAD(from: decoder))
        case let other?:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription: "turn_detection.type \"\(other)\" is not server_vad or null")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .manual:
            try container.encodeNil(forKey: .type)
        case .serverVAD(let settings):
            try container.encode("server_vad", forKey: .type)
            try settings.encode(to: encoder)
        }
    }
}

/// `audio: {input: {...}, output: {...}}`.
public struct AudioConfiguration: Sendable, Hashable, Codable {
    public var input: AudioInput?
    public var output: AudioOutput?
    public init(input: AudioInput? = nil, output: AudioOutput? = nil) {
        self.input = input
        self.output = output
    }
}

/// `audio.input`: format, transport and transcription options.
public struct AudioInput: Sendable, Hashable, Codable {
    public var format: AudioFormat?
    public var transport: AudioTransport?
    public var transcription: Transcription?
    public init(format: AudioFormat? = nil, transport: AudioTransport? = nil, transcription: Transcription? = nil) {
        self.format = format
        self.transport = transport
        self.transcription = transcription
    }
}

/// `audio.output`: format, transport and speaking speed.
public struct AudioOutput: Sendable, Hashable, Codable {
    public var format: AudioFormat?
    public var transport: AudioTransport?
    /// 0.7–1.5, default 1.0.
    public var speed: Double?
    public init(format: AudioFormat? = nil, transport: AudioTransport? = nil, speed: Double? = nil) {
        self.format = format
        self.transport = transport
        self.speed = speed
    }
}

/// `json` (base64 in events, the default) or `binary` (raw WebSocket binary frames).
public struct AudioTransport: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let json: AudioTransport = "json"
    public static let binary: AudioTransport = "binary"
}

/// `audio.input.transcription`.
public struct Transcription: Sendable, Hashable, Codable {
    /// BCP-47; `es`/`pt` need a region.
    public var languageHint: String?
    /// At most 100 terms of at most 50 characters.
    public var keyterms: [String]?
    /// `grok-transcribe` enables cumulative `.updated` transcripts (missing from the schema; reference §2).
    public var model: String?
    public init(languageHint: String? = nil, keyterms: [String]? = nil, model: String? = nil) {
        self.languageHint = languageHint
        self.keyterms = keyterms
        self.model = model
    }

    enum CodingKeys: String, CodingKey {
        case languageHint = "language_hint"
        case keyterms
        case model
    }
}

/// `resumption: {"enabled": true}` (xAI extension, reference §2.3).
public struct Resumption: Sendable, Hashable, Codable {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }
}

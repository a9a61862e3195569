/// Settings of the realtime session: endpoint, model, voice, turn detection, audio formats, authentication,
/// idle policy, rotation, backoff and timeouts (the `realtime:` section of the config file).
///
/// `Codable` with snake_case keys; every key has a default, so a config file names only what it changes.
/// Facts the protocol reference marks uncertain are settings here, with the chosen default explained.
public struct RealtimeSettings: Sendable, Codable, Equatable {
    /// The WebSocket endpoint, without the `model` query parameter (added from `model`).
    public var url: String = "wss://api.x.ai/v1/realtime"
    /// The model, passed as `?model=`. A versioned name, not the `grok-voice-latest` alias: the reference
    /// advises pinning one in production, and `grok-voice-latest` currently resolves to this one.
    public var model: String = "grok-voice-think-fast-2.0"
    /// Built-in voice (`eve`, `ara`, ...) or a custom voice ID. `eve` is the current docs' default.
    public var voice: String = VoiceCatalog.defaultVoice
    /// The system prompt.
    public var instructions: String =
        "You are a helpful voice assistant on a small speaker. Answer briefly and conversationally."
    /// `reasoning.effort`: `high` or `none`; nil leaves the service default (`high`).
    public var reasoningEffort: String?
    public var turnDetection: TurnDetectionSettings = .init()
    /// Format of the audio the daemon sends.
    public var inputAudio: AudioFormatSettings = .init()
    /// Format of the reply audio; the reference says nothing is negotiated, so it is played at this rate.
    public var outputAudio: AudioFormatSettings = .init()
    public var transcription: TranscriptionSettings = .init()
    /// `audio.output.speed`, 0.7–1.5; nil leaves the service default (1.0).
    public var speed: Double?
    /// How the credential is presented on the WebSocket upgrade.
    public var auth: AuthMode = .authorizationHeader
    public var ephemeralTokens: EphemeralTokenSettings = .init()
    public var idle: IdleSettings = .init()
    /// Reconnect (between turns, never mid-reply) before the service's session limit. The reference lists
    /// 120, 60 and 30 minutes from different sources, so the default stays under the smallest.
    public var maxSessionMinutes: Double = 28
    public var backoff: BackoffSettings = .init()
    public var timeouts: TimeoutSettings = .init()
    /// How much mic audio is kept while the session is not ready (connecting, backing off), so that a turn
    /// started during an outage is sent once it is.
    public var preConnectBufferSeconds: Double = 10
    /// How long queued input (audio, commits, text) may wait for a ready session before it is given up on
    /// (error earcon, status says why).
    public var deliveryTimeoutSeconds: Double = 20
    /// Mic audio is sent in chunks of about this length (xAI advises about 100 ms per message). The daemon's audio
    /// loop and capture reads run once per chunk too, so longer chunks cost fewer wake-ups. A turn the local VAD
    /// ends goes up at once (its last chunk short); the service's own VAD hears the last words up to a chunk later.
    /// nil: ``chunkMilliseconds`` decides.
    public var audioChunkMilliseconds: Int?
    /// The chunk length in use: the configured one, or by who ends turns. With manual turns (our VAD or the button
    /// ends them and the last chunk goes up at once) nothing waits for a chunk boundary, so 200 ms, which halves the
    /// CPU of a spoken turn (BENCHMARKS.md, issue 9); with the service's VAD, which hears the end of speech only in
    /// the audio it has, the advised 100 ms.
    public var chunkMilliseconds: Int {
        audioChunkMilliseconds ?? (turnDetection.mode == .manual ? 200 : 100)
    }
    /// The largest WebSocket frame accepted or sent. WSClient's default (16 KiB) is smaller than one
    /// second of base64 PCM at 24 kHz.
    public var maxFrameBytes: Int = 4 << 20

    public init() {}

    /// The sample rate of the daemon's audio pipeline: the input format's rate (8 kHz for G.711).
    public var sessionSampleRate: Int { inputAudio.effectiveRate }

    /// Problems a person must fix, each naming the key and what is allowed; empty when valid.
    public var problems: [String] {
        var problems: [String] = []
        if !(url.hasPrefix("wss://") || url.hasPrefix("ws://")) {
            problems.append("realtime.url must start with wss:// (or ws:// for a local simulator), got \"\(url)\"")
        }
        if model.isEmpty { problems.append("realtime.model must not be empty") }
        if VoiceCatalog.canonical(voice) == nil {
            problems.append(
                "realtime.voice \"\(voice)\" is not a known voice; use one of \(VoiceCatalog.all.joined(separator: ", ")) "
                    + "or a custom voice ID (voice_...)"
            )
        }
        if let reasoningEffort, !["high", "none"].contains(reasoningEffort) {
            problems.append("realtime.reasoning_effort must be \"high\" or \"none\", got \"\(reasoningEffort)\"")
        }
        problems += turnDetection.problems
        problems += inputAudio.problems(key: "realtime.input_audio")
        problems += outputAudio.problems(key: "realtime.output_audio")
        if inputAudio.effectiveRate != outputAudio.effectiveRate {
            problems.append(
                "realtime.input_audio and realtime.output_audio must use the same sample rate (the daemon's "
                    + "pipeline runs at one rate), got \(inputAudio.effectiveRate) and \(outputAudio.effectiveRate) Hz"
            )
        }
        problems += transcription.problems
        if let speed, !(0.7...1.5).contains(speed) {
            problems.append("realtime.speed must be between 0.7 and 1.5, got \(speed)")
        }
        problems += ephemeralTokens.problems
        problems += idle.problems
        if !(maxSessionMinutes > 1) { problems.append("realtime.max_session_minutes must be more than 1") }
        problems += backoff.problems
        problems += timeouts.problems
        if !(preConnectBufferSeconds >= 0 && preConnectBufferSeconds <= 120) {
            problems.append("realtime.pre_connect_buffer_seconds must be between 0 and 120")
        }
        if !(deliveryTimeoutSeconds > 0) { problems.append("realtime.delivery_timeout_seconds must be positive") }
        if let audioChunkMilliseconds, !(20...1000).contains(audioChunkMilliseconds) {
            problems.append("realtime.audio_chunk_milliseconds must be between 20 and 1000")
        }
        if maxFrameBytes < 1 << 16 { problems.append("realtime.max_frame_bytes must be at least 65536") }
        return problems
    }

    enum CodingKeys: String, CodingKey {
        case url, model, voice, instructions
        case reasoningEffort = "reasoning_effort"
        case turnDetection = "turn_detection"
        case inputAudio = "input_audio"
        case outputAudio = "output_audio"
        case transcription, speed, auth
        case ephemeralTokens = "ephemeral_tokens"
        case idle
        case maxSessionMinutes = "max_session_minutes"
        case backoff, timeouts
        case preConnectBufferSeconds = "pre_connect_buffer_seconds"
        case deliveryTimeoutSeconds = "delivery_timeout_seconds"
        case audioChunkMilliseconds = "audio_chunk_milliseconds"
        case maxFrameBytes = "max_frame_bytes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Self()
        url = try container.decodeIfPresent(String.self, forKey: .url) ?? defaults.url
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? defaults.model
        voice = try container.decodeIfPresent(String.self, forKey: .voice) ?? defaults.voice
        instructions = try container.decodeIfPresent(String.self, forKey: .instructions) ?? defaults.instructions
        reasoningEffort = try container.decodeIfPresent(String.self, forKey: .reasoningEffort)
        turnDetection = try container.decodeIfPresent(TurnDetectionSettings.self, forKey: .turnDetection) ?? .init()
        inputAudio = try container.decodeIfPresent(AudioFormatSettings.self, forKey: .inputAudio) ?? .init()
        outputAudio = try container.decodeIfPresent(AudioFormatSettings.self, forKey: .outputAudio) ?? .init()
        transcription = try container.decodeIfPresent(TranscriptionSettings.self, forKey: .transcription) ?? .init()
        speed = try container.decodeIfPresent(Double.self, forKey: .speed)
        auth = try container.decodeIfPresent(AuthMode.self, forKey: .auth) ?? defaults.auth
        ephemeralTokens =
            try container.decodeIfPresent(EphemeralTokenSettings.self, forKey: .ephemeralTokens) ?? .init()
        idle = try container.decodeIfPresent(IdleSettings.self, forKey: .idle) ?? .init()
        maxSessionMinutes =
            try container.decodeIfPresent(Double.self, forKey: .maxSessionMinutes) ?? defaults.maxSessionMinutes
        backoff = try container.decodeIfPresent(BackoffSettings.self, forKey: .backoff) ?? .init()
        timeouts = try container.decodeIfPresent(TimeoutSettings.self, forKey: .timeouts) ?? .init()
        preConnectBufferSeconds =
            try container.decodeIfPresent(Double.self, forKey: .preConnectBufferSeconds)
            ?? defaults.preConnectBufferSeconds
        deliveryTimeoutSeconds =
            try container.decodeIfPresent(Double.self, forKey: .deliveryTimeoutSeconds)
            ?? defaults.deliveryTimeoutSeconds
        audioChunkMilliseconds = try container.decodeIfPresent(Int.self, forKey: .audioChunkMilliseconds)
        maxFrameBytes = try container.decodeIfPresent(Int.self, forKey: .maxFrameBytes) ?? defaults.maxFrameBytes
    }
}

// MARK: - Nested settings

extension RealtimeSettings {
    /// How the credential (API key or ephemeral token) is presented on the upgrade request.
    public enum AuthMode: String, Sendable, Codable, CaseIterable {
        /// `Authorization: Bearer <credential>` (what xAI's docs and pipecat use).
        case authorizationHeader = "authorization_header"
        /// `Sec-WebSocket-Protocol: xai-client-secret.<credential>` (what xAI's iOS sample uses).
        case subprotocol
    }

    public struct TurnDetectionSettings: Sendable, Codable, Equatable {
        public enum Mode: String, Sendable, Codable, CaseIterable {
            /// The service detects the end of speech and answers by itself.
            case serverVAD = "server_vad"
            /// Push-to-talk: the daemon commits and asks for the response.
            case manual
        }

        /// How manual mode is spelled on the wire. The schema says `{"type": null}`; OpenAI-style
        /// `"turn_detection": null` is also reported to work (reference §2 note 2). The schema's form is the
        /// default.
        public enum ManualEncoding: String, Sendable, Codable, CaseIterable {
            case typeNull = "type_null"
            case null
        }

        public var mode: Mode = .serverVAD
        /// 0.1–0.9; the service default is 0.85.
        public var threshold: Double = 0.85
        /// 0–10000 ms of silence that ends a turn.
        public var silenceDurationMs: Int = 600
        /// 0–10000 ms of audio kept before detected speech.
        public var prefixPaddingMs: Int = 333
        /// `idle_timeout_ms`: nil (the default) disables the service's idle check-in.
        public var idleTimeoutMs: Int?
        public var manualEncoding: ManualEncoding = .typeNull

        public init() {}

        var problems: [String] {
            var problems: [String] = []
            if !(0.1...0.9).contains(threshold) {
                problems.append("realtime.turn_detection.threshold must be between 0.1 and 0.9, got \(threshold)")
            }
            if !(0...10_000).contains(silenceDurationMs) {
                problems.append("realtime.turn_detection.silence_duration_ms must be between 0 and 10000")
            }
            if !(0...10_000).contains(prefixPaddingMs) {
                problems.append("realtime.turn_detection.prefix_padding_ms must be between 0 and 10000")
            }
            if let idleTimeoutMs, idleTimeoutMs <= 0 {
                problems.append("realtime.turn_detection.idle_timeout_ms must be positive when set")
            }
            return problems
        }

        enum CodingKeys: String, CodingKey {
            case mode, threshold
            case silenceDurationMs = "silence_duration_ms"
            case prefixPaddingMs = "prefix_padding_ms"
            case idleTimeoutMs = "idle_timeout_ms"
            case manualEncoding = "manual_encoding"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Self()
            mode = try container.decodeIfPresent(Mode.self, forKey: .mode) ?? defaults.mode
            threshold = try container.decodeIfPresent(Double.self, forKey: .threshold) ?? defaults.threshold
            silenceDurationMs =
                try container.decodeIfPresent(Int.self, forKey: .silenceDurationMs) ?? defaults.silenceDurationMs
            prefixPaddingMs =
                try container.decodeIfPresent(Int.self, forKey: .prefixPaddingMs) ?? defaults.prefixPaddingMs
            idleTimeoutMs = try container.decodeIfPresent(Int.self, forKey: .idleTimeoutMs)
            manualEncoding =
                try container.decodeIfPresent(ManualEncoding.self, forKey: .manualEncoding) ?? defaults.manualEncoding
        }
    }

    public struct AudioFormatSettings: Sendable, Codable, Equatable {
        public enum Encoding: String, Sendable, Codable, CaseIterable {
            /// `audio/pcm`: mono PCM16 little-endian at `rate`.
            case pcm
            /// `audio/pcmu`: G.711 µ-law, 8 kHz.
            case pcmu
            /// `audio/pcma`: G.711 A-law, 8 kHz.
            case pcma

            /// The MIME-like name used on the wire.
            public var wireName: String { "audio/\(rawValue)" }
        }

        /// The PCM rates the service accepts (reference §4).
        public static let supportedPCMRates = [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]

        public var encoding: Encoding = .pcm
        /// Sample rate for `pcm`; G.711 is always 8000 Hz.
        public var rate: Int = 24_000

        public init() {}

        public init(encoding: Encoding, rate: Int = 24_000) {
            self.encoding = encoding
            self.rate = rate
        }

        /// The rate the audio actually has on the wire.
        public var effectiveRate: Int { encoding == .pcm ? rate : 8_000 }

        func problems(key: String) -> [String] {
            guard encoding == .pcm, !Self.supportedPCMRates.contains(rate) else { return [] }
            let rates = Self.supportedPCMRates.map(String.init).joined(separator: ", ")
            return ["\(key).rate must be one of \(rates) Hz for pcm, got \(rate)"]
        }

        enum CodingKeys: String, CodingKey { case encoding, rate }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            encoding = try container.decodeIfPresent(Encoding.self, forKey: .encoding) ?? .pcm
            rate = try container.decodeIfPresent(Int.self, forKey: .rate) ?? 24_000
        }
    }

    public struct TranscriptionSettings: Sendable, Codable, Equatable {
        /// Ask for transcripts of the user's speech.
        public var enabled: Bool = true
        /// `grok-transcribe` enables the cumulative `.updated` events; it is missing from the schema but
        /// used by pipecat and LiveKit (reference §2). nil sends no model.
        public var model: String? = "grok-transcribe"
        /// BCP-47 language hint (`en`, `es-MX`, ...); nil lets the service detect.
        public var languageHint: String?
        /// Words to recognise reliably (at most 100, each at most 50 characters).
        public var keyterms: [String] = []

        public init() {}

        var problems: [String] {
            var problems: [String] = []
            if keyterms.count > 100 { problems.append("realtime.transcription.keyterms allows at most 100 terms") }
            if let long = keyterms.first(where: { $0.count > 50 }) {
                problems.append("realtime.transcription.keyterms entries must be at most 50 characters: \"\(long)\"")
            }
            return problems
        }

        enum CodingKeys: String, CodingKey {
            case enabled, model
            case languageHint = "language_hint"
            case keyterms
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Self()
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
            model =
                container.contains(.model) ? try container.decodeIfPresent(String.self, forKey: .model) : defaults.model
            languageHint = try container.decodeIfPresent(String.self, forKey: .languageHint)
            keyterms = try container.decodeIfPresent([String].self, forKey: .keyterms) ?? []
        }
    }

    public struct EphemeralTokenSettings: Sendable, Codable, Equatable {
        /// Fetch a short-lived token with the API key and connect with that instead of the key itself.
        public var enabled: Bool = false
        public var endpoint: String = "https://api.x.ai/v1/realtime/client_secrets"
        /// Requested token lifetime (the service allows up to 3600 s).
        public var ttlSeconds: Int = 300

        public init() {}

        var problems: [String] {
            var problems: [String] = []
            if !(10...3600).contains(ttlSeconds) {
                problems.append("realtime.ephemeral_tokens.ttl_seconds must be between 10 and 3600")
            }
            if enabled, !(endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://")) {
                problems.append("realtime.ephemeral_tokens.endpoint must be an https:// URL")
            }
            return problems
        }

        enum CodingKeys: String, CodingKey {
            case enabled, endpoint
            case ttlSeconds = "ttl_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Self()
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
            endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint) ?? defaults.endpoint
            ttlSeconds = try container.decodeIfPresent(Int.self, forKey: .ttlSeconds) ?? defaults.ttlSeconds
        }
    }

    public struct IdleSettings: Sendable, Codable, Equatable {
        public enum Policy: String, Sendable, Codable, CaseIterable {
            /// Connect at start and stay connected (lowest latency).
            case stayConnected = "stay_connected"
            /// Connect when there is something to send; close after `closeAfterMinutes` without activity
            /// (a cost guard: server-VAD sessions may be billed by wall-clock time).
            case connectOnDemand = "connect_on_demand"
        }

        public var policy: Policy = .stayConnected
        public var closeAfterMinutes: Double = 5

        public init() {}

        var problems: [String] {
            closeAfterMinutes > 0 ? [] : ["realtime.idle.close_after_minutes must be positive"]
        }

        enum CodingKeys: String, CodingKey {
            case policy
            case closeAfterMinutes = "close_after_minutes"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Self()
            policy = try container.decodeIfPresent(Policy.self, forKey: .policy) ?? defaults.policy
            closeAfterMinutes =
                try container.decodeIfPresent(Double.self, forKey: .closeAfterMinutes) ?? defaults.closeAfterMinutes
        }
    }

    public struct BackoffSettings: Sendable, Codable, Equatable {
        public var initialDelaySeconds: Double = 0.5
        public var multiplier: Double = 2
        public var maxDelaySeconds: Double = 30
        public var jitter: BackoffPolicy.Jitter = .full
        public var stableAfterSeconds: Double = 60
        public var quickFailureSeconds: Double = 5
        /// After the key is rejected, retry only every 5–10 minutes.
        public var authRetryMinSeconds: Double = 300
        public var authRetryMaxSeconds: Double = 600

        public init() {}

        /// The policy configuration these settings describe.
        public var configuration: BackoffPolicy.Configuration {
            var configuration = BackoffPolicy.Configuration()
            configuration.initialDelay = .seconds(initialDelaySeconds)
            configuration.multiplier = multiplier
            configuration.maximumDelay = .seconds(maxDelaySeconds)
            configuration.jitter = jitter
            configuration.stableAfter = .seconds(stableAfterSeconds)
            configuration.quickFailureWindow = .seconds(quickFailureSeconds)
            configuration.fatalDelayMinimum = .seconds(authRetryMinSeconds)
            configuration.fatalDelayMaximum = .seconds(max(authRetryMaxSeconds, authRetryMinSeconds))
            return configuration
        }

        var problems: [String] {
            var problems: [String] = []
            if !(initialDelaySeconds > 0) { problems.append("realtime.backoff.initial_delay_seconds must be positive") }
            if !(multiplier >= 1) { problems.append("realtime.backoff.multiplier must be at least 1") }
            if !(maxDelaySeconds >= initialDelaySeconds) {
                problems.append("realtime.backoff.max_delay_seconds must be at least initial_delay_seconds")
            }
            if !(stableAfterSeconds > 0) { problems.append("realtime.backoff.stable_after_seconds must be positive") }
            if !(quickFailureSeconds >= 0) {
                problems.append("realtime.backoff.quick_failure_seconds must not be negative")
            }
            if !(authRetryMinSeconds > 0 && authRetryMaxSeconds >= authRetryMinSeconds) {
                problems.append(
                    "realtime.backoff.auth_retry_min_seconds must be positive and at most auth_retry_max_seconds")
            }
            return problems
        }

        enum CodingKeys: String, CodingKey {
            case initialDelaySeconds = "initial_delay_seconds"
            case multiplier
            case maxDelaySeconds = "max_delay_seconds"
            case jitter
            case stableAfterSeconds = "stable_after_seconds"
            case quickFailureSeconds = "quick_failure_seconds"
            case authRetryMinSeconds = "auth_retry_min_seconds"
            case authRetryMaxSeconds = "auth_retry_max_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Self()
            initialDelaySeconds =
                try container.decodeIfPresent(Double.self, forKey: .initialDelaySeconds) ?? defaults.initialDelaySeconds
            multiplier = try container.decodeIfPresent(Double.self, forKey: .multiplier) ?? defaults.multiplier
            maxDelaySeconds =
                try container.decodeIfPresent(Double.self, forKey: .maxDelaySeconds) ?? defaults.maxDelaySeconds
            jitter = try container.decodeIfPresent(BackoffPolicy.Jitter.self, forKey: .jitter) ?? defaults.jitter
            stableAfterSeconds =
                try container.decodeIfPresent(Double.self, forKey: .stableAfterSeconds) ?? defaults.stableAfterSeconds
            quickFailureSeconds =
                try container.decodeIfPresent(Double.self, forKey: .quickFailureSeconds) ?? defaults.quickFailureSeconds
            authRetryMinSeconds =
                try container.decodeIfPresent(Double.self, forKey: .authRetryMinSeconds) ?? defaults.authRetryMinSeconds
            authRetryMaxSeconds =
                try container.decodeIfPresent(Double.self, forKey: .authRetryMaxSeconds) ?? defaults.authRetryMaxSeconds
        }
    }

    public struct TimeoutSettings: Sendable, Codable, Equatable {
        /// TCP + TLS + WebSocket upgrade.
        public var connectSeconds: Double = 10
        /// From the upgrade to `session.updated`.
        public var handshakeSeconds: Double = 10
        /// No inbound traffic for this long while a reply is expected means the connection is dead.
        public var deadConnectionSeconds: Double = 15
        /// WebSocket-level ping period (0 disables); a missing pong closes the connection.
        public var pingIntervalSeconds: Double = 15
        /// How long a closing connection may wait for the server's close frame.
        public var closeSeconds: Double = 2

        public init() {}

        var problems: [String] {
            var problems: [String] = []
            for (key, value) in [
                ("connect_seconds", connectSeconds), ("handshake_seconds", handshakeSeconds),
                ("dead_connection_seconds", deadConnectionSeconds), ("close_seconds", closeSeconds),
            ] where !(value > 0) {
                problems.append("realtime.timeouts.\(key) must be positive")
            }
            if !(pingIntervalSeconds >= 0) {
                problems.append("realtime.timeouts.ping_interval_seconds must not be negative")
            }
            return problems
        }

        enum CodingKeys: String, CodingKey {
            case connectSeconds = "connect_seconds"
            case handshakeSeconds = "handshake_seconds"
            case deadConnectionSeconds = "dead_connection_seconds"
            case pingIntervalSeconds = "ping_interval_seconds"
            case closeSeconds = "close_seconds"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Self()
            connectSeconds =
                try container.decodeIfPresent(Double.self, forKey: .connectSeconds) ?? defaults.connectSeconds
            handshakeSeconds =
                try container.decodeIfPresent(Double.self, forKey: .handshakeSeconds) ?? defaults.handshakeSeconds
            deadConnectionSeconds =
                try container.decodeIfPresent(Double.self, forKey: .deadConnectionSeconds)
                ?? defaults.deadConnectionSeconds
            pingIntervalSeconds =
                try container.decodeIfPresent(Double.self, forKey: .pingIntervalSeconds) ?? defaults.pingIntervalSeconds
            closeSeconds = try container.decodeIfPresent(Double.self, forKey: .closeSeconds) ?? defaults.closeSeconds
        }
    }
}

import Logging
import VoiceProtocol

/// How the local realtime simulator behaves. The defaults follow the reference and are strict like the real
/// service; tests change what they need.
public struct SimulatorConfiguration: Sendable {
    /// The API key clients must present (`Authorization: Bearer <key>` or the `xai-client-secret.<key>`
    /// subprotocol).
    public var apiKey: String
    /// Loopback only by default.
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// Serve `wss://` with a self-signed certificate made at start (``RealtimeSimulator/certificatePEM``).
    public var tls: Bool
    /// `true` sends reply audio at 1x (one 100 ms chunk every 100 ms); `false` sends it as fast as possible.
    public var pace: Bool
    /// HTTP status for a wrong key. The live service answered 400 (reference §1); the issue asks for 401.
    public var wrongKeyStatus: Int
    /// The model reported when the URL has no `?model=`.
    public var defaultModel: String
    /// Reply length per second of question (reply seconds = question seconds × this, clamped).
    public var replySecondsPerQuestionSecond: Double
    public var minimumReplySeconds: Double
    public var maximumReplySeconds: Double
    /// Duration of each `response.output_audio.delta`.
    public var audioChunkMilliseconds: Int
    /// Server VAD level in dBFS that counts as speech; nil maps the session's `threshold` (0.1–0.9) onto
    /// −52…−28 dBFS (the default 0.85 is about −31 dBFS).
    public var speechLevelDBFS: Double?
    /// Sends `{"type":"ping","ping_timestamp":…}` this often when set.
    public var pingInterval: Duration?
    /// Voices `session.update` accepts (case-insensitive), besides custom IDs starting with `voice_`.
    public var knownVoices: [String]
    /// Function calls the model "makes" when a user text item contains the trigger.
    public var functionCalls: [FunctionCallScript]
    /// Faults to inject, each for a selection of connections.
    public var faults: [FaultRule]
    /// Largest inbound frame accepted (the real service takes 100 ms chunks at 48 kHz easily).
    public var maximumInboundFrameBytes: Int
    /// Where the simulator logs (stderr in `voiced-sim`; a no-op logger by default).
    public var logger: Logger

    public init(
        apiKey: String = "test-key",
        host: String = "127.0.0.1",
        port: Int = 0,
        tls: Bool = false,
        pace: Bool = false,
        wrongKeyStatus: Int = 401,
        defaultModel: String = "grok-voice-think-fast-2.0",
        replySecondsPerQuestionSecond: Double = 1.0,
        minimumReplySeconds: Double = 1.0,
        maximumReplySeconds: Double = 8.0,
        audioChunkMilliseconds: Int = 100,
        speechLevelDBFS: Double? = nil,
        pingInterval: Duration? = nil,
        knownVoices: [String] = ["eve", "ara", "rex", "sal", "leo", "orion", "luna"],
        functionCalls: [FunctionCallScript] = [],
        faults: [FaultRule] = [],
        maximumInboundFrameBytes: Int = 1 << 22,
        logger: Logger = Logger(label: "voiced.sim", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.apiKey = apiKey
        self.host = host
        self.port = port
        self.tls = tls
        self.pace = pace
        self.wrongKeyStatus = wrongKeyStatus
        self.defaultModel = defaultModel
        self.replySecondsPerQuestionSecond = replySecondsPerQuestionSecond
        self.minimumReplySeconds = minimumReplySeconds
        self.maximumReplySeconds = maximumReplySeconds
        self.audioChunkMilliseconds = audioChunkMilliseconds
        self.speechLevelDBFS = speechLevelDBFS
        self.pingInterval = pingInterval
        self.knownVoices = knownVoices
        self.functionCalls = functionCalls
        self.faults = faults
        self.maximumInboundFrameBytes = maximumInboundFrameBytes
        self.logger = logger
    }

    /// The faults that apply to connection number `connection` (1-based, in accept order).
    func faults(forConnection connection: Int) -> [Fault] {
        faults.filter { $0.connections.contains(connection) }.map(\.fault)
    }
}

/// A scripted tool use: when a user text item contains `trigger` (case-insensitive), the next response
/// calls these functions instead of speaking.
public struct FunctionCallScript: Sendable, Hashable {
    public var trigger: String
    public var calls: [Call]

    public struct Call: Sendable, Hashable {
        public var name: String
        /// A JSON string.
        public var arguments: String
        public init(name: String, arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    public init(trigger: String, calls: [Call]) {
        self.trigger = trigger
        self.calls = calls
    }
}

/// A fault and the connections it applies to.
public struct FaultRule: Sendable, Hashable {
    public var fault: Fault
    public var connections: ConnectionSelector
    public init(_ fault: Fault, connections: ConnectionSelector = .all) {
        self.fault = fault
        self.connections = connections
    }
}

/// Which connections (numbered from 1 in accept order, refused upgrades included) a fault applies to.
public enum ConnectionSelector: Sendable, Hashable {
    case all
    /// Connections 1…n: "the first n connections fail".
    case first(Int)
    /// Exactly these connection numbers.
    case numbers(Set<Int>)
    /// Every connection after the first n.
    case after(Int)

    public func contains(_ connection: Int) -> Bool {
        switch self {
        case .all: true
        case .first(let count): connection <= count
        case .numbers(let numbers): numbers.contains(connection)
        case .after(let count): connection > count
        }
    }
}

/// When a one-shot fault fires.
public enum FaultTrigger: Sendable, Hashable {
    /// Right after the upgrade, before `session.created`.
    case onConnect
    /// Right after `session.updated`.
    case afterSessionUpdated
    /// In the first response, after this many audio deltas were sent.
    case midResponse(afterAudioChunks: Int)
}

/// One thing the simulator does wrong on purpose (issue 3, "Simulator fault injection").
public enum Fault: Sendable, Hashable {
    /// Answer the upgrade request with this HTTP status (401, 403, 500, 503…) instead of 101.
    case refuseUpgrade(status: Int)
    /// Close the TCP connection with no close frame (the client sees 1006).
    case drop(FaultTrigger)
    /// Send a close frame with this code (1000, 1001, 1011, 4000…) and close.
    case close(code: UInt16, FaultTrigger)
    /// Send a text frame that is not JSON.
    case malformedJSON(FaultTrigger)
    /// Send events of types the protocol does not have.
    case unknownEvent(FaultTrigger)
    /// Send one text frame of this many bytes (valid JSON of an unknown type, padded).
    case oversizedFrame(bytes: Int, FaultTrigger)
    /// Stop sending anything (events, pongs) while keeping the socket open.
    case stall(FaultTrigger)
    /// Send an `error` event of this type (`code` the same); `max_duration` and `timeout` then close with 1000.
    case error(ServerErrorType, FaultTrigger)
    /// Delay every outgoing event by this much.
    case slowTrickle(interval: Duration)
    /// End the session after this long: `error{type:max_duration}` then close 1000 (reference §6.2 q1).
    case sessionExpiry(after: Duration)
    /// Send every `speech_started` twice (xAI's web cookbook saw it, reference §5).
    case duplicateSpeechStarted
    /// Send every function call's `conversation.item.added` twice (pipecat saw it, reference §3.3 D).
    case duplicateFunctionCallItems

    var trigger: FaultTrigger? {
        switch self {
        case .drop(let trigger), .close(_, let trigger), .malformedJSON(let trigger), .unknownEvent(let trigger),
            .oversizedFrame(_, let trigger), .stall(let trigger), .error(_, let trigger):
            trigger
        case .refuseUpgrade, .slowTrickle, .sessionExpiry, .duplicateSpeechStarted, .duplicateFunctionCallItems:
            nil
        }
    }
}

import VoiceCore
// Payloads of the server events (reference §3.2). Identifiers and indexes the service may leave out decode as
// "" and 0 rather than failing the whole event: a missing `output_index` should not cost the client a reply.

extension KeyedDecodingContainer {
    /// The string at `key`, or "" when it is missing or null.
    func lenientString(_ key: Key) throws -> String { try decodeIfPresent(String.self, forKey: key) ?? "" }
    /// The integer at `key`, or 0 when it is missing or null.
    func lenientInt(_ key: Key) throws -> Int { try decodeIfPresent(Int.self, forKey: key) ?? 0 }
}

/// The `session` of `session.created` / `session.updated`: identity plus the effective configuration.
public struct RealtimeSessionInfo: Sendable, Hashable, Codable {
    public var id: String?
    /// `realtime.session`.
    public var object: String?
    public var configuration: SessionConfiguration

    public init(id: String? = nil, object: String? = "realtime.session", configuration: SessionConfiguration) {
        self.id = id
        self.object = object
        self.configuration = configuration
    }

    private enum CodingKeys: String, CodingKey { case id, object }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        object = try container.decodeIfPresent(String.self, forKey: .object)
        configuration = try SessionConfiguration(from: decoder)
        configuration.extraFields["id"] = nil
        configuration.extraFields["object"] = nil
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(object, forKey: .object)
        try configuration.encode(to: encoder)
    }
}

/// `conversation.created`'s `conversation`.
public struct ConversationInfo: Sendable, Hashable, Codable {
    /// Keep it to resume the session (`?conversation_id=`, reference §2.3).
    public var id: String
    /// `realtime.conversation`.
    public var object: String?
    public init(id: String, object: String? = "realtime.conversation") {
        self.id = id
        self.object = object
    }
}

/// `input_audio_buffer.speech_started` (server VAD only; may arrive more than once per turn).
public struct SpeechStarted: Sendable, Hashable, Codable {
    public var itemID: String
    public var audioStartMilliseconds: Int
    public init(itemID: String, audioStartMilliseconds: Int) {
        self.itemID = itemID
        self.audioStartMilliseconds = audioStartMilliseconds
    }
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case audioStartMilliseconds = "audio_start_ms"
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.lenientString(.itemID)
        audioStartMilliseconds = try container.lenientInt(.audioStartMilliseconds)
    }
}

/// `input_audio_buffer.speech_stopped`.
public struct SpeechStopped: Sendable, Hashable, Codable {
    public var itemID: String
    public var audioEndMilliseconds: Int
    public init(itemID: String, audioEndMilliseconds: Int) {
        self.itemID = itemID
        self.audioEndMilliseconds = audioEndMilliseconds
    }
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case audioEndMilliseconds = "audio_end_ms"
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.lenientString(.itemID)
        audioEndMilliseconds = try container.lenientInt(.audioEndMilliseconds)
    }
}

/// `input_audio_buffer.committed`.
public struct InputAudioCommitted: Sendable, Hashable, Codable {
    public var itemID: String
    public var previousItemID: String?
    public init(itemID: String, previousItemID: String? = nil) {
        self.itemID = itemID
        self.previousItemID = previousItemID
    }
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case previousItemID = "previous_item_id"
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.lenientString(.itemID)
        previousItemID = try container.decodeIfPresent(String.self, forKey: .previousItemID)
    }
}

/// `input_audio_buffer.timeout_triggered`: the idle timeout committed a silent turn.
public struct InputAudioTimeoutTriggered: Sendable, Hashable, Codable {
    public var itemID: String
    public var previousItemID: String?
    public var audioStartMilliseconds: Int
    public var audioEndMilliseconds: Int
    public init(itemID: String, previousItemID: String? = nil, audioStartMilliseconds: Int, audioEndMilliseconds: Int) {
        self.itemID = itemID
        self.previousItemID = previousItemID
        self.audioStartMilliseconds = audioStartMilliseconds
        self.audioEndMilliseconds = audioEndMilliseconds
    }
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case previousItemID = "previous_item_id"
        case audioStartMilliseconds = "audio_start_ms"
        case audioEndMilliseconds = "audio_end_ms"
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.lenientString(.itemID)
        previousItemID = try container.decodeIfPresent(String.self, forKey: .previousItemID)
        audioStartMilliseconds = try container.lenientInt(.audioStartMilliseconds)
        audioEndMilliseconds = try container.lenientInt(.audioEndMilliseconds)
    }
}

/// `input_audio_buffer.dtmf_event_received` (SIP only).
public struct DTMFEvent: Sendable, Hashable, Codable {
    /// The digit.
    public var event: String
    public var receivedAt: Int?
    public init(event: String, receivedAt: Int? = nil) {
        self.event = event
        self.receivedAt = receivedAt
    }
    enum CodingKeys: String, CodingKey {
        case event
        case receivedAt = "received_at"
    }
}

/// `conversation.item.added` and `conversation.item.created` (resumption replay only).
public struct ConversationItemAdded: Sendable, Hashable, Codable {
    /// May name an item the client never saw (reference §3.2).
    public var previousItemID: String?
    public var item: ConversationItem
    public init(previousItemID: String? = nil, item: ConversationItem) {
        self.previousItemID = previousItemID
        self.item = item
    }
    enum CodingKeys: String, CodingKey {
        case previousItemID = "previous_item_id"
        case item
    }
}

/// `conversation.item.truncated`; `transcript` is the text up to the cut (xAI extension).
public struct ConversationItemTruncated: Sendable, Hashable, Codable {
    public var itemID: String
    public var contentIndex: Int
    public var audioEndMilliseconds: Int
    public var transcript: String?
    public init(itemID: String, contentIndex: Int = 0, audioEndMilliseconds: Int, transcript: String? = nil) {
        self.itemID = itemID
        self.contentIndex = contentIndex
        self.audioEndMilliseconds = audioEndMilliseconds
        self.transcript = transcript
    }
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case contentIndex = "content_index"
        case audioEndMilliseconds = "audio_end_ms"
        case transcript
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.lenientString(.itemID)
        contentIndex = try container.lenientInt(.contentIndex)
        audioEndMilliseconds = try container.lenientInt(.audioEndMilliseconds)
        transcript = try container.decodeIfPresent(String.self, forKey: .transcript)
    }
}

/// `conversation.item.input_audio_transcription.completed` / `.updated` (cumulative, may be corrected).
/// xAI may send several `.completed` for one item, some with `status: "in_progress"` (reference §5).
public struct InputTranscription: Sendable, Hashable, Codable {
    public var itemID: String
    public var contentIndex: Int?
    public var transcript: String
    public var status: String?
    public init(itemID: String, contentIndex: Int? = nil, transcript: String, status: String? = nil) {
        self.itemID = itemID
        self.contentIndex = contentIndex
        self.transcript = transcript
        self.status = status
    }
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case contentIndex = "content_index"
        case transcript, status
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.lenientString(.itemID)
        contentIndex = try container.decodeIfPresent(Int.self, forKey: .contentIndex)
        transcript = try container.lenientString(.transcript)
        status = try container.decodeIfPresent(String.self, forKey: .status)
    }
}

/// `in_progress`, `completed`, `cancelled`, `incomplete`, `failed`.
public struct ResponseStatus: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let inProgress: ResponseStatus = "in_progress"
    public static let completed: ResponseStatus = "completed"
    public static let cancelled: ResponseStatus = "cancelled"
    public static let incomplete: ResponseStatus = "incomplete"
    public static let failed: ResponseStatus = "failed"
}

/// The `response` of `response.created` / `response.done`.
public struct ResponseInfo: Sendable, Hashable, Codable {
    public var id: String
    /// `realtime.response`.
    public var object: String?
    public var status: ResponseStatus
    /// An object, or the string `"unimplemented"` (reference §3.2), so kept as raw JSON.
    public var statusDetails: JSONValue?
    public var output: [ConversationItem]
    /// Token counts. `response.done` may carry them at the top level instead; decoding moves them here.
    public var usage: Usage?
    /// The client's `response.create` metadata; null on automatic (VAD) responses.
    public var metadata: JSONValue?

    public init(
        id: String,
        object: String? = "realtime.response",
        status: ResponseStatus,
        statusDetails: JSONValue? = nil,
        output: [ConversationItem] = [],
        usage: Usage? = nil,
        metadata: JSONValue? = nil
    ) {
        self.id = id
        self.object = object
        self.status = status
        self.statusDetails = statusDetails
        self.output = output
        self.usage = usage
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case id, object, status
        case statusDetails = "status_details"
        case output, usage, metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.lenientString(.id)
        object = try container.decodeIfPresent(String.self, forKey: .object)
        status = try container.decodeIfPresent(ResponseStatus.self, forKey: .status) ?? .inProgress
        statusDetails = try container.decodeIfPresent(JSONValue.self, forKey: .statusDetails)
        output = try container.decodeIfPresent([ConversationItem].self, forKey: .output) ?? []
        usage = try container.decodeIfPresent(Usage.self, forKey: .usage)
        metadata = try container.decodeIfPresent(JSONValue.self, forKey: .metadata)
    }
}

/// Token usage of a response; any field may be missing (`usage` can be empty).
public struct Usage: Sendable, Hashable, Codable {
    public var inputTokens: Int?
    public var outputTokens: Int?
    public var totalTokens: Int?
    public init(inputTokens: Int? = nil, outputTokens: Int? = nil, totalTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.totalTokens = totalTokens
    }
    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case totalTokens = "total_tokens"
    }
}

/// `response.output_item.added` / `.done`.
public struct OutputItemEvent: Sendable, Hashable, Codable {
    public var responseID: String
    public var outputIndex: Int
    public var item: ConversationItem
    public init(responseID: String, outputIndex: Int = 0, item: ConversationItem) {
        self.responseID = responseID
        self.outputIndex = outputIndex
        self.item = item
    }
    enum CodingKeys: String, CodingKey {
        case responseID = "response_id"
        case outputIndex = "output_index"
        case item
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        responseID = try container.lenientString(.responseID)
        outputIndex = try container.lenientInt(.outputIndex)
        item = try container.decode(ConversationItem.self, forKey: .item)
    }
}

/// Where a piece of a response belongs: response, item, output index and content index.
public struct ResponseContentReference: Sendable, Hashable, Codable {
    public var responseID: String
    public var itemID: String
    public var outputIndex: Int
    public var contentIndex: Int
    public init(responseID: String, itemID: String, outputIndex: Int = 0, contentIndex: Int = 0) {
        self.responseID = responseID
        self.itemID = itemID
        self.outputIndex = outputIndex
        self.contentIndex = contentIndex
    }
    enum CodingKeys: String, CodingKey {
        case responseID = "response_id"
        case itemID = "item_id"
        case outputIndex = "output_index"
        case contentIndex = "content_index"
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        responseID = try container.lenientString(.responseID)
        itemID = try container.lenientString(.itemID)
        outputIndex = try container.lenientInt(.outputIndex)
        contentIndex = try container.lenientInt(.contentIndex)
    }
}

/// `response.content_part.added` / `.done`; `part` may be missing on `.done` (reference §3.2).
public struct ContentPartEvent: Sendable, Hashable, Codable {
    public var reference: ResponseContentReference
    public var part: ContentPart?
    public init(reference: ResponseContentReference, part: ContentPart?) {
        self.reference = reference
        self.part = part
    }
    enum CodingKeys: String, CodingKey { case part }
    public init(from decoder: any Decoder) throws {
        reference = try ResponseContentReference(from: decoder)
        // Tolerant: a `part` without `type` (seen on `.done`) is treated as missing.
        part = try? decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(ContentPart.self, forKey: .part)
    }
    public func encode(to encoder: any Encoder) throws {
        try reference.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(part, forKey: .part)
    }
}

/// A piece of the response: `delta` is base64 audio (`output_audio.delta`) or text (`*transcript.delta`,
/// `*text.delta`, `function_call_arguments.delta` use their own type).
public struct ResponseDelta: Sendable, Hashable, Codable {
    public var reference: ResponseContentReference
    public var delta: String
    public init(reference: ResponseContentReference, delta: String) {
        self.reference = reference
        self.delta = delta
    }
    public var responseID: String { reference.responseID }
    public var itemID: String { reference.itemID }
    enum CodingKeys: String, CodingKey { case delta }
    public init(from decoder: any Decoder) throws {
        reference = try ResponseContentReference(from: decoder)
        delta = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .delta)
    }
    public func encode(to encoder: any Encoder) throws {
        try reference.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(delta, forKey: .delta)
    }
}

/// `response.output_audio_transcript.done` (`transcript`) and `response.output_text.done` (`text`).
public struct ResponseTextDone: Sendable, Hashable, Codable {
    public var reference: ResponseContentReference
    public var text: String
    public init(reference: ResponseContentReference, text: String) {
        self.reference = reference
        self.text = text
    }
    enum CodingKeys: String, CodingKey { case transcript, text }
    public init(from decoder: any Decoder) throws {
        reference = try ResponseContentReference(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        text =
            try container.decodeIfPresent(String.self, forKey: .transcript)
            ?? container.decodeIfPresent(String.self, forKey: .text) ?? ""
    }
    /// Encodes the text as `transcript`; ``ServerMessage`` uses `text` for the text-modality event.
    public func encode(to encoder: any Encoder) throws {
        try encode(to: encoder, key: .transcript)
    }
    func encode(to encoder: any Encoder, key: CodingKeys) throws {
        try reference.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: key)
    }
}

/// `response.function_call_arguments.delta`.
public struct FunctionCallArgumentsDelta: Sendable, Hashable, Codable {
    public var responseID: String
    public var itemID: String
    public var outputIndex: Int
    public var callID: String
    public var delta: String
    public init(responseID: String, itemID: String, outputIndex: Int = 0, callID: String, delta: String) {
        self.responseID = responseID
        self.itemID = itemID
        self.outputIndex = outputIndex
        self.callID = callID
        self.delta = delta
    }
    enum CodingKeys: String, CodingKey {
        case responseID = "response_id"
        case itemID = "item_id"
        case outputIndex = "output_index"
        case callID = "call_id"
        case delta
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        responseID = try container.lenientString(.responseID)
        itemID = try container.lenientString(.itemID)
        outputIndex = try container.lenientInt(.outputIndex)
        callID = try container.lenientString(.callID)
        delta = try container.lenientString(.delta)
    }
}

/// `response.function_call_arguments.done`: the call to run. Answer every call of a response, then send one
/// `response.create` (reference §3.3 D).
public struct FunctionCallArgumentsDone: Sendable, Hashable, Codable {
    public var responseID: String
    public var itemID: String
    public var outputIndex: Int
    public var callID: String
    public var name: String
    /// A JSON string.
    public var arguments: String
    public init(
        responseID: String, itemID: String, outputIndex: Int = 0, callID: String, name: String, arguments: String
    ) {
        self.responseID = responseID
        self.itemID = itemID
        self.outputIndex = outputIndex
        self.callID = callID
        self.name = name
        self.arguments = arguments
    }
    enum CodingKeys: String, CodingKey {
        case responseID = "response_id"
        case itemID = "item_id"
        case outputIndex = "output_index"
        case callID = "call_id"
        case name, arguments
    }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        responseID = try container.lenientString(.responseID)
        itemID = try container.lenientString(.itemID)
        outputIndex = try container.lenientInt(.outputIndex)
        callID = try container.lenientString(.callID)
        name = try container.lenientString(.name)
        arguments = try container.lenientString(.arguments)
    }
}

/// Server-side MCP progress (`mcp_list_tools.*`, `response.mcp_call_arguments.*`, `response.mcp_call.*`),
/// kept as raw fields: the daemon only reports it.
public struct MCPEvent: Sendable, Hashable {
    /// The full event type, e.g. `response.mcp_call.failed`.
    public var type: String
    /// Every field except `type` and `event_id`.
    public var fields: [String: JSONValue]
    public init(type: String, fields: [String: JSONValue] = [:]) {
        self.type = type
        self.fields = fields
    }
    /// The `error.message` of a `.failed` event.
    public var errorMessage: String? { fields["error"]?.objectValue?["message"]?.stringValue }
}

/// `invalid_request_error`, `invalid_event`, `internal_error`, `timeout` (inactivity), `max_duration`
/// (session limit).
public struct ServerErrorType: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let invalidRequestError: ServerErrorType = "invalid_request_error"
    public static let invalidEvent: ServerErrorType = "invalid_event"
    public static let internalError: ServerErrorType = "internal_error"
    public static let timeout: ServerErrorType = "timeout"
    public static let maxDuration: ServerErrorType = "max_duration"
    /// The documented types.
    public static let documented: [ServerErrorType] = [
        .invalidRequestError, .invalidEvent, .internalError, .timeout, .maxDuration,
    ]
    /// The session is over: `timeout` or `max_duration`. Reconnect (a new session) rather than continue.
    public var endsSession: Bool { self == .timeout || self == .maxDuration }
}

/// The `error` event. "Most errors are recoverable and the session stays open" (reference §1).
public struct ServerError: Sendable, Hashable, Codable, Error {
    public var type: ServerErrorType
    /// The doc says "same as type"; its own example differs, so read both.
    public var code: String?
    public var message: String
    public var param: String?
    /// The `event_id` of the client event at fault.
    public var eventID: String?

    public init(
        type: ServerErrorType, code: String? = nil, message: String, param: String? = nil, eventID: String? = nil
    ) {
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.eventID = eventID
    }

    /// `type`, or the code when the code names a documented type (the top-level form has no type of its own).
    public var effectiveType: ServerErrorType {
        if let code, ServerErrorType.documented.contains(ServerErrorType(rawValue: code)),
            !ServerErrorType.documented.contains(type)
        {
            return ServerErrorType(rawValue: code)
        }
        return type
    }

    enum CodingKeys: String, CodingKey {
        case type, code, message, param
        case eventID = "event_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try? container.decodeIfPresent(String.self, forKey: .code)
        type =
            (try? container.decodeIfPresent(ServerErrorType.self, forKey: .type))
            ?? ServerErrorType(
                rawValue: code ?? "unknown")
        message = (try? container.decodeIfPresent(String.self, forKey: .message)) ?? ""
        param = try? container.decodeIfPresent(String.self, forKey: .param)
        eventID = try? container.decodeIfPresent(String.self, forKey: .eventID)
    }
}

/// The service's keepalive `ping`. Answer with ``ClientEvent/pong(timestamp:)`` carrying the same value.
public struct Ping: Sendable, Hashable {
    /// `ping_timestamp` (xAI's iOS sample) or `timestamp` (pipecat); both decode.
    public var timestamp: Int?
    public init(timestamp: Int?) { self.timestamp = timestamp }
}

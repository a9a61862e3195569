import VoiceCore
/// Every event the service sends (reference §3.2), decoded by ``RealtimeCoding/decodeServerEvent(_:)``.
///
/// Aliases decode to one case: legacy `response.audio.delta` / `response.audio.done` /
/// `response.audio_transcript.*` to the `output_audio` cases, and `response.text.*` to the `output_text`
/// cases ("functionally identical", reference §3.2). Anything else is ``unknown(type:)``, which a client
/// ignores and counts.
public enum ServerEvent: Sendable, Hashable {
    case sessionCreated(RealtimeSessionInfo)
    /// Echoes the effective configuration. Send no audio before it.
    case sessionUpdated(RealtimeSessionInfo)
    case conversationCreated(ConversationInfo)
    case speechStarted(SpeechStarted)
    case speechStopped(SpeechStopped)
    case inputAudioBufferCommitted(InputAudioCommitted)
    case inputAudioBufferCleared
    case inputAudioBufferTimeoutTriggered(InputAudioTimeoutTriggered)
    case dtmfEventReceived(DTMFEvent)
    case conversationItemAdded(ConversationItemAdded)
    /// Resumption replay only.
    case conversationItemCreated(ConversationItemAdded)
    /// `item_id` may be "" (reference §3.2).
    case conversationItemDeleted(itemID: String)
    case conversationItemTruncated(ConversationItemTruncated)
    case inputAudioTranscriptionCompleted(InputTranscription)
    /// Cumulative; replaces the previous `.updated` text for the item.
    case inputAudioTranscriptionUpdated(InputTranscription)
    case responseCreated(ResponseInfo)
    case responseDone(ResponseInfo)
    case responseOutputItemAdded(OutputItemEvent)
    case responseOutputItemDone(OutputItemEvent)
    case responseContentPartAdded(ContentPartEvent)
    case responseContentPartDone(ContentPartEvent)
    /// Base64 audio in the session's output format.
    case responseOutputAudioDelta(ResponseDelta)
    case responseOutputAudioDone(ResponseContentReference)
    case responseOutputAudioTranscriptDelta(ResponseDelta)
    case responseOutputAudioTranscriptDone(ResponseTextDone)
    case responseOutputTextDelta(ResponseDelta)
    case responseOutputTextDone(ResponseTextDone)
    case responseFunctionCallArgumentsDelta(FunctionCallArgumentsDelta)
    case responseFunctionCallArgumentsDone(FunctionCallArgumentsDone)
    case mcp(MCPEvent)
    case error(ServerError)
    case ping(Ping)
    /// A type this module does not model.
    case unknown(type: String)

    /// The event's `type` on the wire (current names).
    public var typeName: String {
        switch self {
        case .sessionCreated: "session.created"
        case .sessionUpdated: "session.updated"
        case .conversationCreated: "conversation.created"
        case .speechStarted: "input_audio_buffer.speech_started"
        case .speechStopped: "input_audio_buffer.speech_stopped"
        case .inputAudioBufferCommitted: "input_audio_buffer.committed"
        case .inputAudioBufferCleared: "input_audio_buffer.cleared"
        case .inputAudioBufferTimeoutTriggered: "input_audio_buffer.timeout_triggered"
        case .dtmfEventReceived: "input_audio_buffer.dtmf_event_received"
        case .conversationItemAdded: "conversation.item.added"
        case .conversationItemCreated: "conversation.item.created"
        case .conversationItemDeleted: "conversation.item.deleted"
        case .conversationItemTruncated: "conversation.item.truncated"
        case .inputAudioTranscriptionCompleted: "conversation.item.input_audio_transcription.completed"
        case .inputAudioTranscriptionUpdated: "conversation.item.input_audio_transcription.updated"
        case .responseCreated: "response.created"
        case .responseDone: "response.done"
        case .responseOutputItemAdded: "response.output_item.added"
        case .responseOutputItemDone: "response.output_item.done"
        case .responseContentPartAdded: "response.content_part.added"
        case .responseContentPartDone: "response.content_part.done"
        case .responseOutputAudioDelta: "response.output_audio.delta"
        case .responseOutputAudioDone: "response.output_audio.done"
        case .responseOutputAudioTranscriptDelta: "response.output_audio_transcript.delta"
        case .responseOutputAudioTranscriptDone: "response.output_audio_transcript.done"
        case .responseOutputTextDelta: "response.output_text.delta"
        case .responseOutputTextDone: "response.output_text.done"
        case .responseFunctionCallArgumentsDelta: "response.function_call_arguments.delta"
        case .responseFunctionCallArgumentsDone: "response.function_call_arguments.done"
        case .mcp(let event): event.type
        case .error: "error"
        case .ping: "ping"
        case .unknown(let type): type
        }
    }

    /// The legacy name the same event was also sent under, if any.
    public var legacyTypeName: String? {
        switch self {
        case .responseOutputAudioDelta: "response.audio.delta"
        case .responseOutputAudioDone: "response.audio.done"
        case .responseOutputAudioTranscriptDelta: "response.audio_transcript.delta"
        case .responseOutputAudioTranscriptDone: "response.audio_transcript.done"
        case .responseOutputTextDelta: "response.text.delta"
        case .responseOutputTextDone: "response.text.done"
        default: nil
        }
    }

    /// The response this event belongs to, for filtering deltas of a cancelled response.
    public var responseID: String? {
        switch self {
        case .responseCreated(let info), .responseDone(let info): info.id
        case .responseOutputItemAdded(let event), .responseOutputItemDone(let event): event.responseID
        case .responseContentPartAdded(let event), .responseContentPartDone(let event): event.reference.responseID
        case .responseOutputAudioDelta(let delta), .responseOutputAudioTranscriptDelta(let delta),
            .responseOutputTextDelta(let delta):
            delta.reference.responseID
        case .responseOutputAudioDone(let reference): reference.responseID
        case .responseOutputAudioTranscriptDone(let done), .responseOutputTextDone(let done):
            done.reference.responseID
        case .responseFunctionCallArgumentsDelta(let delta): delta.responseID
        case .responseFunctionCallArgumentsDone(let done): done.responseID
        default: nil
        }
    }
}

/// How ``RealtimeCoding`` names server events that have an alias.
public enum ServerEventNaming: Sendable, Hashable {
    /// `response.output_audio.delta`, `response.output_text.delta`…
    case current
    /// `response.audio.delta`, `response.audio_transcript.*`, `response.text.delta` (older docs, xAI's iOS sample).
    case legacy
}

/// A server event with its `event_id`.
public struct ServerMessage: Sendable, Hashable {
    public var eventID: String?
    public var event: ServerEvent
    /// Encoding only: which name aliased events go out under.
    public var naming: ServerEventNaming

    public init(eventID: String? = nil, event: ServerEvent, naming: ServerEventNaming = .current) {
        self.eventID = eventID
        self.event = event
        self.naming = naming
    }

    public static func == (lhs: ServerMessage, rhs: ServerMessage) -> Bool {
        lhs.eventID == rhs.eventID && lhs.event == rhs.event
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(eventID)
        hasher.combine(event)
    }
}

extension ServerMessage: Codable {
    private enum CodingKeys: String, CodingKey {
        case type
        case eventID = "event_id"
        case session, conversation, response, error, usage
        case itemID = "item_id"
        case pingTimestamp = "ping_timestamp"
        case timestamp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        eventID = try? container.decodeIfPresent(String.self, forKey: .eventID)
        naming = .current
        switch type {
        case "session.created":
            event = .sessionCreated(try container.decode(RealtimeSessionInfo.self, forKey: .session))
        case "session.updated":
            event = .sessionUpdated(try container.decode(RealtimeSessionInfo.self, forKey: .session))
        case "conversation.created":
            event = .conversationCreated(try container.decode(ConversationInfo.self, forKey: .conversation))
        case "input_audio_buffer.speech_started": event = .speechStarted(try SpeechStarted(from: decoder))
        case "input_audio_buffer.speech_stopped": event = .speechStopped(try SpeechStopped(from: decoder))
        case "input_audio_buffer.committed": event = .inputAudioBufferCommitted(try InputAudioCommitted(from: decoder))
        case "input_audio_buffer.cleared": event = .inputAudioBufferCleared
        case "input_audio_buffer.timeout_triggered":
            event = .inputAudioBufferTimeoutTriggered(try InputAudioTimeoutTriggered(from: decoder))
        case "input_audio_buffer.dtmf_event_received": event = .dtmfEventReceived(try DTMFEvent(from: decoder))
        case "conversation.item.added": event = .conversationItemAdded(try ConversationItemAdded(from: decoder))
        case "conversation.item.created": event = .conversationItemCreated(try ConversationItemAdded(from: decoder))
        case "conversation.item.deleted":
            event = .conversationItemDeleted(itemID: try container.lenientString(.itemID))
        case "conversation.item.truncated":
            event = .conversationItemTruncated(try ConversationItemTruncated(from: decoder))
        case "conversation.item.input_audio_transcription.completed":
            event = .inputAudioTranscriptionCompleted(try InputTranscription(from: decoder))
        case "conversation.item.input_audio_transcription.updated":
            event = .inputAudioTranscriptionUpdated(try InputTranscription(from: decoder))
        case "response.created":
            event = .responseCreated(try container.decode(ResponseInfo.self, forKey: .response))
        case "response.done":
            var response = try container.decode(ResponseInfo.self, forKey: .response)
            // `usage` may sit at the top level instead of under `response` (reference §3.2, pipecat):
            // the nested one wins when both exist.
            if response.usage == nil {
                response.usage = try? container.decodeIfPresent(Usage.self, forKey: .usage)
            }
            event = .responseDone(response)
        case "response.output_item.added": event = .responseOutputItemAdded(try OutputItemEvent(from: decoder))
        case "response.output_item.done": event = .responseOutputItemDone(try OutputItemEvent(from: decoder))
        case "response.content_part.added": event = .responseContentPartAdded(try ContentPartEvent(from: decoder))
        case "response.content_part.done": event = .responseContentPartDone(try ContentPartEvent(from: decoder))
        case "response.output_audio.delta", "response.audio.delta":
            event = .responseOutputAudioDelta(try ResponseDelta(from: decoder))
        case "response.output_audio.done", "response.audio.done":
            event = .responseOutputAudioDone(try ResponseContentReference(from: decoder))
        case "response.output_audio_transcript.delta", "response.audio_transcript.delta":
            event = .responseOutputAudioTranscriptDelta(try ResponseDelta(from: decoder))
        case "response.output_audio_transcript.done", "response.audio_transcript.done":
            event = .responseOutputAudioTranscriptDone(try ResponseTextDone(from: decoder))
        case "response.output_text.delta", "response.text.delta":
            event = .responseOutputTextDelta(try ResponseDelta(from: decoder))
        case "response.output_text.done", "response.text.done":
            event = .responseOutputTextDone(try ResponseTextDone(from: decoder))
        case "response.function_call_arguments.delta":
            event = .responseFunctionCallArgumentsDelta(try FunctionCallArgumentsDelta(from: decoder))
        case "response.function_call_arguments.done":
            event = .responseFunctionCallArgumentsDone(try FunctionCallArgumentsDone(from: decoder))
        case "error":
            event = .error(try Self.decodeError(container: container, decoder: decoder))
        case "ping":
            // Both spellings are in the wild (reference §1): ping_timestamp (xAI's iOS sample) wins.
            let timestamp =
                (try? container.decodeIfPresent(Int.self, forKey: .pingTimestamp))
                ?? (try? container.decodeIfPresent(Int.self, forKey: .timestamp))
            event = .ping(Ping(timestamp: timestamp))
        case _ where type.hasPrefix("mcp_list_tools.") || type.hasPrefix("response.mcp_call"):
            let all = try JSONValue(from: decoder).objectValue ?? [:]
            let fields = all.filter { $0.key != "type" && $0.key != "event_id" }
            event = .mcp(MCPEvent(type: type, fields: fields))
        default:
            event = .unknown(type: type)
        }
    }

    /// The schema nests the error (`{"type":"error","error":{…}}`); xAI's iOS sample reads `code` / `message`
    /// at the top level (reference §6.2 q3). Both decode; a string `error` becomes the message.
    private static func decodeError(
        container: KeyedDecodingContainer<CodingKeys>, decoder: any Decoder
    ) throws -> ServerError {
        if let nested = try? container.decode(ServerError.self, forKey: .error) {
            return nested
        }
        var error = try ServerError(from: decoder)
        // At the top level `type` is "error", which says nothing: take the type from the code.
        error.type = ServerErrorType(rawValue: error.code ?? "unknown")
        if error.message.isEmpty, let text = try? container.decode(String.self, forKey: .error) {
            error.message = text
        }
        return error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let type = naming == .legacy ? (event.legacyTypeName ?? event.typeName) : event.typeName
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(eventID, forKey: .eventID)
        switch event {
        case .sessionCreated(let session), .sessionUpdated(let session):
            try container.encode(session, forKey: .session)
        case .conversationCreated(let conversation):
            try container.encode(conversation, forKey: .conversation)
        case .speechStarted(let payload): try payload.encode(to: encoder)
        case .speechStopped(let payload): try payload.encode(to: encoder)
        case .inputAudioBufferCommitted(let payload): try payload.encode(to: encoder)
        case .inputAudioBufferCleared: break
        case .inputAudioBufferTimeoutTriggered(let payload): try payload.encode(to: encoder)
        case .dtmfEventReceived(let payload): try payload.encode(to: encoder)
        case .conversationItemAdded(let payload), .conversationItemCreated(let payload):
            try payload.encode(to: encoder)
        case .conversationItemDeleted(let itemID): try container.encode(itemID, forKey: .itemID)
        case .conversationItemTruncated(let payload): try payload.encode(to: encoder)
        case .inputAudioTranscriptionCompleted(let payload), .inputAudioTranscriptionUpdated(let payload):
            try payload.encode(to: encoder)
        case .responseCreated(let response), .responseDone(let response):
            try container.encode(response, forKey: .response)
        case .responseOutputItemAdded(let payload), .responseOutputItemDone(let payload):
            try payload.encode(to: encoder)
        case .responseContentPartAdded(let payload), .responseContentPartDone(let payload):
            try payload.encode(to: encoder)
        case .responseOutputAudioDelta(let payload), .responseOutputAudioTranscriptDelta(let payload),
            .responseOutputTextDelta(let payload):
            try payload.encode(to: encoder)
        case .responseOutputAudioDone(let payload): try payload.encode(to: encoder)
        case .responseOutputAudioTranscriptDone(let payload): try payload.encode(to: encoder, key: .transcript)
        case .responseOutputTextDone(let payload): try payload.encode(to: encoder, key: .text)
        case .responseFunctionCallArgumentsDelta(let payload): try payload.encode(to: encoder)
        case .responseFunctionCallArgumentsDone(let payload): try payload.encode(to: encoder)
        case .mcp(let payload):
            var fields = encoder.container(keyedBy: AnyCodingKey.self)
            for (name, value) in payload.fields.sorted(by: { $0.key < $1.key }) {
                try fields.encode(value, forKey: AnyCodingKey(name))
            }
        case .error(let error): try container.encode(error, forKey: .error)
        case .ping(let ping): try container.encodeIfPresent(ping.timestamp, forKey: .pingTimestamp)
        case .unknown: break
        }
    }
}

/// Every event the client sends (reference §3). Encode with ``RealtimeCoding/encode(_:eventID:)-(ClientEvent,_)``.
public enum ClientEvent: Sendable, Hashable {
    /// `session.update`: the whole configuration, or the fields to change.
    case sessionUpdate(SessionConfiguration)
    /// `input_audio_buffer.append`: base64 audio in the session's input format. Gets no reply.
    /// Build it from samples with ``appendPCM16(_:)``.
    case inputAudioBufferAppend(audio: String)
    /// `input_audio_buffer.commit`: ends a manual turn.
    case inputAudioBufferCommit
    /// `input_audio_buffer.clear`.
    case inputAudioBufferClear
    /// `conversation.item.create`: a text or audio message, a function call's output, or a `force_message`.
    case conversationItemCreate(item: ConversationItem, previousItemID: String? = nil)
    /// `conversation.item.truncate`: `audioEndMilliseconds` is how much of the item was actually played.
    case conversationItemTruncate(itemID: String, contentIndex: Int, audioEndMilliseconds: Int)
    /// `conversation.item.delete`.
    case conversationItemDelete(itemID: String)
    /// `response.create`, with optional per-response options.
    case responseCreate(ResponseParameters? = nil)
    /// `response.cancel`; the response ID is optional.
    case responseCancel(responseID: String? = nil)
    /// `pong`: the answer xAI's iOS sample gives to a server `ping` (reference §1, Keepalive).
    case pong(timestamp: Int?)

    /// The event's `type` on the wire.
    public var typeName: String {
        switch self {
        case .sessionUpdate: "session.update"
        case .inputAudioBufferAppend: "input_audio_buffer.append"
        case .inputAudioBufferCommit: "input_audio_buffer.commit"
        case .inputAudioBufferClear: "input_audio_buffer.clear"
        case .conversationItemCreate: "conversation.item.create"
        case .conversationItemTruncate: "conversation.item.truncate"
        case .conversationItemDelete: "conversation.item.delete"
        case .responseCreate: "response.create"
        case .responseCancel: "response.cancel"
        case .pong: "pong"
        }
    }

    /// Every client event type this module models.
    public static let typeNames: Set<String> = [
        "session.update", "input_audio_buffer.append", "input_audio_buffer.commit", "input_audio_buffer.clear",
        "conversation.item.create", "conversation.item.truncate", "conversation.item.delete", "response.create",
        "response.cancel", "pong",
    ]

    /// `input_audio_buffer.append` carrying mono PCM16 samples.
    public static func appendPCM16(_ samples: [Int16]) -> ClientEvent {
        .inputAudioBufferAppend(audio: AudioPayload.encodePCM16(samples))
    }
}

/// The optional `response` object of `response.create`.
public struct ResponseParameters: Sendable, Hashable, Codable {
    /// Replaces the session prompt for this response only.
    public var instructions: String?
    /// Tolerated, ignored by xAI (it always speaks).
    public var modalities: [String]?
    /// At most 16 pairs, echoed on `response.created` / `response.done`.
    public var metadata: [String: String]?

    public init(instructions: String? = nil, modalities: [String]? = nil, metadata: [String: String]? = nil) {
        self.instructions = instructions
        self.modalities = modalities
        self.metadata = metadata
    }
}

/// A client event with its optional `event_id`, which the service echoes in errors about it.
public struct ClientMessage: Sendable, Hashable {
    public var eventID: String?
    public var event: ClientEvent
    public init(eventID: String? = nil, event: ClientEvent) {
        self.eventID = eventID
        self.event = event
    }
}

extension ClientMessage: Codable {
    private enum CodingKeys: String, CodingKey {
        case type
        case eventID = "event_id"
        case session, audio, item
        case previousItemID = "previous_item_id"
        case itemID = "item_id"
        case contentIndex = "content_index"
        case audioEndMilliseconds = "audio_end_ms"
        case response
        case responseID = "response_id"
        case pingTimestamp = "ping_timestamp"
        case timestamp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        eventID = try? container.decodeIfPresent(String.self, forKey: .eventID)
        switch type {
        case "session.update":
            event = .sessionUpdate(try container.decode(SessionConfiguration.self, forKey: .session))
        case "input_audio_buffer.append":
            event = .inputAudioBufferAppend(audio: try container.decode(String.self, forKey: .audio))
        case "input_audio_buffer.commit":
            event = .inputAudioBufferCommit
        case "input_audio_buffer.clear":
            event = .inputAudioBufferClear
        case "conversation.item.create":
            event = .conversationItemCreate(
                item: try container.decode(ConversationItem.self, forKey: .item),
                previousItemID: try container.decodeIfPresent(String.self, forKey: .previousItemID))
        case "conversation.item.truncate":
            event = .conversationItemTruncate(
                itemID: try container.decode(String.self, forKey: .itemID),
                contentIndex: try container.decodeIfPresent(Int.self, forKey: .contentIndex) ?? 0,
                audioEndMilliseconds: try container.decode(Int.self, forKey: .audioEndMilliseconds))
        case "conversation.item.delete":
            event = .conversationItemDelete(itemID: try container.decode(String.self, forKey: .itemID))
        case "response.create":
            event = .responseCreate(try container.decodeIfPresent(ResponseParameters.self, forKey: .response))
        case "response.cancel":
            event = .responseCancel(responseID: try container.decodeIfPresent(String.self, forKey: .responseID))
        case "pong":
            let timestamp =
                try container.decodeIfPresent(Int.self, forKey: .pingTimestamp)
                ?? container.decodeIfPresent(Int.self, forKey: .timestamp)
            event = .pong(timestamp: timestamp)
        default:
            throw RealtimeCodingError.unknownEventType(type, eventID: eventID)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.typeName, forKey: .type)
        try container.encodeIfPresent(eventID, forKey: .eventID)
        switch event {
        case .sessionUpdate(let session):
            try container.encode(session, forKey: .session)
        case .inputAudioBufferAppend(let audio):
            try container.encode(audio, forKey: .audio)
        case .inputAudioBufferCommit, .inputAudioBufferClear:
            break
        case .conversationItemCreate(let item, let previousItemID):
            try container.encodeIfPresent(previousItemID, forKey: .previousItemID)
            try container.encode(item, forKey: .item)
        case .conversationItemTruncate(let itemID, let contentIndex, let audioEndMilliseconds):
            try container.encode(itemID, forKey: .itemID)
            try container.encode(contentIndex, forKey: .contentIndex)
            try container.encode(audioEndMilliseconds, forKey: .audioEndMilliseconds)
        case .conversationItemDelete(let itemID):
            try container.encode(itemID, forKey: .itemID)
        case .responseCreate(let parameters):
            try container.encodeIfPresent(parameters, forKey: .response)
        case .responseCancel(let responseID):
            try container.encodeIfPresent(responseID, forKey: .responseID)
        case .pong(let timestamp):
            try container.encodeIfPresent(timestamp, forKey: .pingTimestamp)
        }
    }
}

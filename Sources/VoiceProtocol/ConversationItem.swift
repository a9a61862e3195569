/// A conversation item, as the client creates it (`conversation.item.create`) and as the service reports it
/// (`conversation.item.added`, `response.output_item.*`, `response.done.output`).
///
/// One struct rather than an enum per item type: the service's items carry optional fields that vary
/// between sources, and a struct decodes all of them without failing. Use the factories for the shapes
/// the client sends.
public struct ConversationItem: Sendable, Hashable, Codable {
    public var id: String?
    /// `realtime.item` on server items.
    public var object: String?
    public var type: ItemType
    /// `completed`, `in_progress`, `incomplete`…
    public var status: String?
    public var role: Role?
    public var content: [ContentPart]?
    /// Function calls and their outputs.
    public var callID: String?
    public var name: String?
    /// The function's arguments, a JSON string.
    public var arguments: String?
    /// A function's result, a string.
    public var output: String?
    /// `force_message` only: `false` drops user audio until playback ends.
    public var interruptible: Bool?

    public init(
        id: String? = nil,
        object: String? = nil,
        type: ItemType,
        status: String? = nil,
        role: Role? = nil,
        content: [ContentPart]? = nil,
        callID: String? = nil,
        name: String? = nil,
        arguments: String? = nil,
        output: String? = nil,
        interruptible: Bool? = nil
    ) {
        self.id = id
        self.object = object
        self.type = type
        self.status = status
        self.role = role
        self.content = content
        self.callID = callID
        self.name = name
        self.arguments = arguments
        self.output = output
        self.interruptible = interruptible
    }

    /// A user message with typed text (a text turn).
    public static func userText(_ text: String) -> ConversationItem {
        ConversationItem(type: .message, role: .user, content: [.inputText(text)])
    }

    /// A user message with base64 audio in the session's input format.
    public static func userAudio(base64 audio: String) -> ConversationItem {
        ConversationItem(type: .message, role: .user, content: [.inputAudio(base64: audio)])
    }

    /// The result of a function call the model made.
    public static func functionCallOutput(callID: String, output: String) -> ConversationItem {
        ConversationItem(type: .functionCallOutput, callID: callID, output: output)
    }

    /// A function call, to seed tool history.
    public static func functionCall(callID: String, name: String, arguments: String) -> ConversationItem {
        ConversationItem(type: .functionCall, callID: callID, name: name, arguments: arguments)
    }

    /// Text the service speaks verbatim, with no model and no `response.create` afterwards (xAI extension).
    public static func forceMessage(_ text: String, interruptible: Bool = true) -> ConversationItem {
        ConversationItem(
            type: .forceMessage, role: .assistant, content: [.outputText(text)], interruptible: interruptible)
    }

    /// The item's text or transcript, joined across content parts (what a person would read).
    public var transcript: String? {
        let texts = (content ?? []).compactMap { $0.transcript ?? $0.text }
        return texts.isEmpty ? nil : texts.joined(separator: " ")
    }

    enum CodingKeys: String, CodingKey {
        case id, object, type, status, role, content
        case callID = "call_id"
        case name, arguments, output, interruptible
    }
}

/// `message`, `function_call`, `function_call_output`, `force_message`.
public struct ItemType: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let message: ItemType = "message"
    public static let functionCall: ItemType = "function_call"
    public static let functionCallOutput: ItemType = "function_call_output"
    public static let forceMessage: ItemType = "force_message"
}

/// `user`, `assistant`, `system`.
public struct Role: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let user: Role = "user"
    public static let assistant: Role = "assistant"
    public static let system: Role = "system"
}

/// One content part of a message, or the `part` of `response.content_part.*`.
public struct ContentPart: Sendable, Hashable, Codable {
    public var type: ContentType
    public var text: String?
    /// Base64 audio (`input_audio` parts the client sends).
    public var audio: String?
    public var transcript: String?

    public init(type: ContentType, text: String? = nil, audio: String? = nil, transcript: String? = nil) {
        self.type = type
        self.text = text
        self.audio = audio
        self.transcript = transcript
    }

    public static func inputText(_ text: String) -> ContentPart { ContentPart(type: .inputText, text: text) }
    public static func inputAudio(base64 audio: String) -> ContentPart { ContentPart(type: .inputAudio, audio: audio) }
    public static func outputText(_ text: String) -> ContentPart { ContentPart(type: .outputText, text: text) }
}

/// `input_text`, `input_audio`, `text`, `audio`, `output_text`.
public struct ContentType: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let inputText: ContentType = "input_text"
    public static let inputAudio: ContentType = "input_audio"
    public static let text: ContentType = "text"
    public static let audio: ContentType = "audio"
    public static let outputText: ContentType = "output_text"
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

/// Why a realtime event could not be decoded. The description is one line a person can act on.
public enum RealtimeCodingError: Error, Hashable, CustomStringConvertible {
    /// The text is not a JSON object.
    case invalidJSON(String)
    /// The object has no string `type`.
    case missingType
    /// A client event type this module does not know (the simulator answers it with `invalid_event`).
    case unknownEventType(String, eventID: String?)
    /// The type is known but a field is missing or has the wrong type.
    case invalidEvent(type: String, eventID: String?, reason: String)

    public var description: String {
        switch self {
        case .invalidJSON(let reason): "the message is not valid JSON: \(reason)"
        case .missingType: "the message has no \"type\" field"
        case .unknownEventType(let type, _): "unknown event type \"\(type)\""
        case .invalidEvent(let type, _, let reason): "invalid \"\(type)\" event: \(reason)"
        }
    }

    /// The client's `event_id`, when it could be read.
    public var eventID: String? {
        switch self {
        case .unknownEventType(_, let eventID), .invalidEvent(_, let eventID, _): eventID
        case .invalidJSON, .missingType: nil
        }
    }
}

/// JSON text ↔ typed events, both directions (the client encodes ``ClientEvent`` and decodes ``ServerEvent``;
/// the simulator does the reverse).
public enum RealtimeCoding {
    // MARK: - Client events

    /// One client event as JSON text.
    public static func encode(_ event: ClientEvent, eventID: String? = nil) -> String {
        // The hot path (10 appends a second): base64 needs no escaping, so skip the encoder.
        if case .inputAudioBufferAppend(let audio) = event, isPlainJSONString(audio),
            eventID.map(isPlainJSONString) ?? true
        {
            let idField = eventID.map { ",\"event_id\":\"\($0)\"" } ?? ""
            return "{\"type\":\"input_audio_buffer.append\"\(idField),\"audio\":\"\(audio)\"}"
        }
        return encodeJSON(ClientMessage(eventID: eventID, event: event), fallbackType: event.typeName)
    }

    /// A client event from JSON text; throws ``RealtimeCodingError`` for anything else.
    public static func decodeClientEvent(_ text: String) throws(RealtimeCodingError) -> ClientEvent {
        try decodeClientMessage(text).event
    }

    /// A client event and its `event_id` from JSON text.
    public static func decodeClientMessage(_ text: String) throws(RealtimeCodingError) -> ClientMessage {
        try decode(ClientMessage.self, from: text)
    }

    // MARK: - Server events

    /// One server event as JSON text; `naming: .legacy` sends aliased events under their older names.
    public static func encode(
        _ event: ServerEvent, eventID: String? = nil, naming: ServerEventNaming = .current
    ) -> String {
        encodeJSON(ServerMessage(eventID: eventID, event: event, naming: naming), fallbackType: event.typeName)
    }

    /// A server event from JSON text. Unknown types decode as ``ServerEvent/unknown(type:)``; text that is not
    /// a JSON object with a `type`, or a known event with missing essential fields, throws.
    public static func decodeServerEvent(_ text: String) throws(RealtimeCodingError) -> ServerEvent {
        try decodeServerMessage(text).event
    }

    /// A server event and its `event_id` from JSON text.
    public static func decodeServerMessage(_ text: String) throws(RealtimeCodingError) -> ServerMessage {
        try decode(ServerMessage.self, from: text)
    }

    // MARK: - Helpers

    private static func encodeJSON(_ value: some Encodable, fallbackType: String) -> String {
        let encoder = JSONEncoder()
        // Base64 is full of "/": escaping each one would add bytes and time on every audio event.
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // A NaN threshold or speed must not make encoding fail; the service rejects it with a readable error.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) else {
            return "{\"type\":\"\(fallbackType)\"}"
        }
        return text
    }

    private static func decode<Value: Decodable>(
        _ type: Value.Type, from text: String
    ) throws(RealtimeCodingError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch let error as RealtimeCodingError {
            throw error
        } catch let error as DecodingError {
            throw classify(error, text: text)
        } catch {
            throw .invalidJSON(String(describing: error))
        }
    }

    /// Turns Foundation's decoding error into one of ours, with the event type and id when the text has them.
    private static func classify(_ error: DecodingError, text: String) -> RealtimeCodingError {
        let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.objectValue
        guard let object else {
            if case .dataCorrupted(let context) = error { return .invalidJSON(context.debugDescription) }
            return .invalidJSON("expected a JSON object")
        }
        guard let type = object["type"]?.stringValue else { return .missingType }
        let eventID = object["event_id"]?.stringValue
        return .invalidEvent(type: type, eventID: eventID, reason: describe(error))
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field \"\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)\""
        case .typeMismatch(let expected, let context):
            return "field \"\(path(context.codingPath))\" should be \(expected)"
        case .valueNotFound(let expected, let context):
            return "field \"\(path(context.codingPath))\" is null, expected \(expected)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? context.debugDescription : "field \"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }

    /// True when `text` can go between JSON quotes as it is (no quote, backslash or control character).
    private static func isPlainJSONString(_ text: String) -> Bool {
        // Audio appends run this over ~96 kB of base64 a second: scan the contiguous UTF-8 buffer in
        // a tight loop rather than through the view's iterator (callgrind: 2.2 M instructions/s before).
        let isPlain: (UInt8) -> Bool = { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        return text.utf8.withContiguousStorageIfAvailable { $0.allSatisfy(isPlain) } ?? text.utf8.allSatisfy(isPlain)
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore
import VoiceProtocol

/// What one tool call produced: the text sent back as the call's `function_call_output`, and how it went.
public struct ToolResult: Sendable, Equatable {
    /// The call's output for the model: the tool's own output, or `{"error": "..."}`.
    public var output: String
    /// Nil when the call succeeded; otherwise why it failed, for the log and the event stream.
    public var failure: String?
    /// True when no `response.create` should follow (the `stop` device tool).
    public var endsTheReply = false

    public var succeeded: Bool { failure == nil }

    public init(output: String, failure: String? = nil, endsTheReply: Bool = false) {
        self.output = output
        self.failure = failure
        self.endsTheReply = endsTheReply
    }

    public static func success(_ members: [String: JSONValue]) -> ToolResult {
        ToolResult(output: encode(.object(members)))
    }

    /// A failed call: the model gets `{"error": reason}` and can tell the user.
    public static func failure(_ reason: String) -> ToolResult {
        ToolResult(output: encode(.object(["error": .string(reason)])), failure: reason)
    }

    static func encode(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A stable, machine-readable error code on the control socket.
///
/// Codes never change meaning once published (docs/control-protocol.md lists them). A client that
/// receives a code it does not know still has the `message` to show.
public struct ControlErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The line is not a well-formed request (not JSON, not an object, a field of the wrong type).
    public static let badRequest = ControlErrorCode(rawValue: "bad_request")
    /// The `command` is not one the daemon knows.
    public static let unknownCommand = ControlErrorCode(rawValue: "unknown_command")
    /// The command is known but an argument is missing, of the wrong type or out of range.
    public static let invalidArgument = ControlErrorCode(rawValue: "invalid_argument")
    /// The caller is not in the allowed users or groups.
    public static let notPermitted = ControlErrorCode(rawValue: "not_permitted")
    /// The daemon cannot take this now (too many clients, an operation already in progress).
    public static let busy = ControlErrorCode(rawValue: "busy")
    /// What the command needs is not available (no session, no audio device, not implemented here).
    public static let unavailable = ControlErrorCode(rawValue: "unavailable")
    /// A bug or an unexpected failure inside the daemon.
    public static let `internal` = ControlErrorCode(rawValue: "internal")
    /// The request line is longer than the limit; the connection is closed after this error.
    public static let tooLarge = ControlErrorCode(rawValue: "too_large")

    /// Every code the protocol defines, in documentation order.
    public static let all: [ControlErrorCode] = [
        .badRequest, .unknownCommand, .invalidArgument, .notPermitted, .busy, .unavailable, .internal, .tooLarge,
    ]

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// An error answer to a request: a stable code and a message a person understands.
public struct ControlError: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var code: ControlErrorCode
    public var message: String

    public init(_ code: ControlErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}

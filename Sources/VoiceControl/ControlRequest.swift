#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

/// A request's id: whatever the client chose (a string or an integer), echoed in the response.
public enum ControlRequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    case integer(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .string(let value): value
        }
    }
}

/// One request line: `{"id": 7, "command": "volume.set", "args": {"percent": 60}}`.
public struct ControlRequest: Sendable, Hashable {
    public var id: ControlRequestID?
    public var command: ControlCommand

    public init(id: ControlRequestID?, command: ControlCommand) {
        self.id = id
        self.command = command
    }

    /// The request as one JSON line, newline included.
    public func encodedLine() -> Data {
        var object: [String: JSONValue] = ["command": .string(command.name)]
        switch id {
        case .integer(let value): object["id"] = .integer(value)
        case .string(let value): object["id"] = .string(value)
        case nil: break
        }
        let arguments = command.arguments
        if !arguments.isEmpty { object["args"] = .object(arguments) }
        return ControlWire.line(JSONValue.object(object))
    }
}

/// A request that could not be decoded: the error to answer with, and the id when it could be read.
public struct ControlRequestFailure: Error, Sendable, Hashable {
    public var id: ControlRequestID?
    public var error: ControlError

    public init(id: ControlRequestID?, error: ControlError) {
        self.id = id
        self.error = error
    }
}

/// Turns one request line into a `ControlRequest`, or a failure with a precise message.
///
/// Never traps on any input: every byte sequence yields either a request or a failure.
public enum ControlRequestDecoder {
    public static func decode(line: some Sequence<UInt8>) -> Result<ControlRequest, ControlRequestFailure> {
        let bytes = Data(line)
        let value: JSONValue
        do {
            value = try ControlWire.decoder().decode(JSONValue.self, from: bytes)
        } catch {
            let reason = bytes.isEmpty ? "the line is empty" : "the line is not valid JSON"
            return .failure(
                .init(
                    id: nil,
                    error: .init(
                        .badRequest, "\(reason); send one JSON object per line, e.g. {\"id\":1,\"command\":\"status\"}"
                    )))
        }
        return decode(value)
    }

    public static func decode(_ value: JSONValue) -> Result<ControlRequest, ControlRequestFailure> {
        guard case .object(let members) = value else {
            return .failure(
                .init(
                    id: nil,
                    error: .init(
                        .badRequest, "a request must be a JSON object, not \(value.kindDescription)"
                    )))
        }
        var id: ControlRequestID?
        switch members["id"] {
        case nil, .null?: id = nil
        case .integer(let number)?: id = .integer(number)
        case .string(let text)?: id = .string(text)
        case let other?:
            return .failure(
                .init(
                    id: nil,
                    error: .init(
                        .badRequest, "\"id\" must be a string or an integer, not \(other.kindDescription)"
                    )))
        }
        func fail(_ code: ControlErrorCode, _ message: String) -> Result<ControlRequest, ControlRequestFailure> {
            .failure(.init(id: id, error: .init(code, message)))
        }
        for key in members.keys where !["id", "command", "args"].contains(key) {
            return fail(
                .badRequest, "unknown field \"\(truncated(key))\"; a request has \"id\", \"command\" and \"args\""
            )
        }
        guard let commandValue = members["command"] else {
            let known = ControlCommand.allNames.joined(separator: ", ")
            return fail(.badRequest, "missing \"command\"; known commands: \(known)")
        }
        guard case .string(let name) = commandValue else {
            return fail(.badRequest, "\"command\" must be a string, not \(commandValue.kindDescription)")
        }
        var arguments: [String: JSONValue] = [:]
        switch members["args"] {
        case nil, .null?: break
        case .object(let object)?: arguments = object
        case let other?:
            return fail(.badRequest, "\"args\" must be an object, not \(other.kindDescription)")
        }
        switch command(named: name, arguments: arguments) {
        case .success(let command): return .success(ControlRequest(id: id, command: command))
        case .failure(let error): return .failure(.init(id: id, error: error))
        }
    }

    /// Validates `arguments` for the command `name`.
    public static func command(
        named name: String,
        arguments: [String: JSONValue]
    ) -> Result<ControlCommand, ControlError> {
        var reader = ArgumentReader(command: name, arguments: arguments)
        let command: ControlCommand
        do {
            switch name {
            case "status": command = .status
            case "voice.get": command = .getVoice
            case "voice.set":
                let voices = VoiceCatalog.all.joined(separator: ", ")
                let requested = try reader.string("name", describing: "a voice: \(voices)")
                guard let canonical = VoiceCatalog.canonical(requested) else {
                    throw ControlError(
                        .invalidArgument,
                        "unknown voice \"\(truncated(requested))\"; valid voices: "
                            + "\(VoiceCatalog.all.joined(separator: ", ")) (or a custom voice id voice_...)")
                }
                command = .setVoice(canonical)
            case "mute": command = .mute
            case "unmute": command = .unmute
            case "volume.get": command = .getVolume
            case "volume.set":
                let percent = try reader.integer("percent", describing: "an integer from 0 to 100")
                guard (0...100).contains(percent) else {
                    throw ControlError(.invalidArgument, "volume.set: percent must be from 0 to 100, got \(percent)")
                }
                command = .setVolume(percent)
            case "volume.up": command = .volumeUp
            case "volume.down": command = .volumeDown
            case "press": command = .press(hold: try reader.optionalBool("hold") ?? false)
            case "release": command = .release
            case "cancel": command = .cancel
            case "say":
                let text = try reader.string("text", describing: "the text to answer aloud")
                guard text.contains(where: { !$0.isWhitespace }) else {
                    throw ControlError(.invalidArgument, "say: text is empty; give the question to answer aloud")
                }
                guard text.count <= ControlLimits.maximumSayCharacters else {
                    throw ControlError(
                        .invalidArgument,
                        "say: text has \(text.count) characters; "
                            + "the limit is \(ControlLimits.maximumSayCharacters)")
                }
                command = .say(text)
            case "subscribe":
                command = .subscribe(try reader.optionalEventKinds("events"))
            case "unsubscribe": command = .unsubscribe
            case "devices": command = .devices
            case "reconnect": command = .reconnect
            case "reload": command = .reload
            case "version": command = .version
            case "doctor": command = .doctor
            case "record":
                let limit = RecordingLimits.maximumSeconds
                let seconds = try reader.integer("seconds", describing: "whole seconds from 1 to \(limit)")
                guard (1...limit).contains(seconds) else {
                    throw ControlError(
                        .invalidArgument, "record: seconds must be from 1 to \(limit), got \(seconds)")
                }
                command = .record(seconds: seconds)
            default:
                throw ControlError(
                    .unknownCommand,
                    "unknown command \"\(truncated(name))\"; known commands: "
                        + ControlCommand.allNames.joined(separator: ", "))
            }
            try reader.rejectUnusedArguments()
        } catch let error as ControlError {
            return .failure(error)
        } catch {
            return .failure(ControlError(.internal, "could not read the arguments: \(error)"))
        }
        return .success(command)
    }

    static func truncated(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}

/// Reads a command's `args`, remembering which were used so that misspelt ones are reported.
private struct ArgumentReader {
    let command: String
    let arguments: [String: JSONValue]
    var used: Set<String> = []

    init(command: String, arguments: [String: JSONValue]) {
        self.command = command
        self.arguments = arguments
    }

    mutating func string(_ key: String, describing expected: String) throws -> String {
        used.insert(key)
        switch arguments[key] {
        case .string(let value)?: return value
        case nil, .null?: throw ControlError(.invalidArgument, "\(command) needs args.\(key): \(expected)")
        case let other?:
            throw ControlError(
                .invalidArgument,
                "\(command): args.\(key) must be a string (\(expected)), "
                    + "not \(other.kindDescription) \(other.shortDescription)")
        }
    }

    mutating func integer(_ key: String, describing expected: String) throws -> Int {
        used.insert(key)
        switch arguments[key] {
        case .integer(let value)?: return value
        case .number(let value)? where value.rounded() == value && abs(value) < 1e15: return Int(value)
        case nil, .null?: throw ControlError(.invalidArgument, "\(command) needs args.\(key): \(expected)")
        case let other?:
            throw ControlError(
                .invalidArgument,
                "\(command): args.\(key) must be \(expected), "
                    + "not \(other.kindDescription) \(other.shortDescription)")
        }
    }

    mutating func optionalBool(_ key: String) throws -> Bool? {
        used.insert(key)
        switch arguments[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?:
            throw ControlError(
                .invalidArgument,
                "\(command): args.\(key) must be true or false, "
                    + "not \(other.kindDescription) \(other.shortDescription)")
        }
    }

    mutating func optionalEventKinds(_ key: String) throws -> Set<ControlEventKind> {
        used.insert(key)
        let valid = ControlEventKind.allCases.map(\.rawValue).joined(separator: ", ")
        switch arguments[key] {
        case nil, .null?: return []
        case .array(let values)?:
            var kinds = Set<ControlEventKind>()
            for value in values {
                guard case .string(let name) = value, let kind = ControlEventKind(rawValue: name.lowercased()) else {
                    throw ControlError(
                        .invalidArgument,
                        "\(command): unknown event kind \(value.shortDescription); "
                            + "valid kinds: \(valid)")
                }
                kinds.insert(kind)
            }
            return kinds
        case let other?:
            throw ControlError(
                .invalidArgument,
                "\(command): args.\(key) must be an array of event kinds (\(valid)), "
                    + "not \(other.kindDescription)")
        }
    }

    func rejectUnusedArguments() throws {
        let unused = arguments.keys.filter { !used.contains($0) }.sorted()
        guard let first = unused.first else { return }
        let expected = used.isEmpty ? "it takes no arguments" : "expected: \(used.sorted().joined(separator: ", "))"
        let name = ControlRequestDecoder.truncated(first)
        throw ControlError(.invalidArgument, "\(command): unknown argument \"\(name)\"; \(expected)")
    }
}

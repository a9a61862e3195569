#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

/// Protocol constants.
public enum ControlProtocol {
    /// Bumped only for incompatible changes; additions (commands, fields, events) keep the version.
    public static let version = 1
    /// The default socket path, under systemd's RuntimeDirectory.
    public static let defaultSocketPath = "/run/voiced/control.sock"
    /// The environment variable `voicectl` reads for the socket path.
    public static let socketEnvironmentVariable = "VOICED_SOCKET"
}

/// The first line the server sends on every accepted connection:
/// `{"hello":"voiced","protocol_version":1,"daemon_version":"0.1.0"}`.
public struct ControlHello: Sendable, Hashable, Codable {
    public var hello: String
    public var protocolVersion: Int
    public var daemonVersion: String

    public init(daemonVersion: String, protocolVersion: Int = ControlProtocol.version) {
        self.hello = "voiced"
        self.protocolVersion = protocolVersion
        self.daemonVersion = daemonVersion
    }

    enum CodingKeys: String, CodingKey {
        case hello
        case protocolVersion = "protocol_version"
        case daemonVersion = "daemon_version"
    }
}

/// A response line as the client reads it: the id and either a result or an error.
public struct ControlResponse: Sendable, Equatable {
    public var id: ControlRequestID?
    public var reply: ControlReply

    public init(id: ControlRequestID?, reply: ControlReply) {
        self.id = id
        self.reply = reply
    }
}

/// Any line the server sends.
public enum ControlServerMessage: Sendable, Equatable {
    case hello(ControlHello)
    case response(ControlResponse)
    case event(ControlEvent)
    /// A chunk or the end of a recording this connection asked for (`record`).
    case recording(RecordingMessage)
}

/// JSON coding of every line on the control socket.
///
/// Keys are snake_case and spelt out by each type's `CodingKeys`, so no key strategy is used.
public enum ControlWire {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        // A level of -inf dBFS (digital silence) must not make a whole status unencodable.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"
        )
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"
        )
        return decoder
    }

    /// `value` as one JSON line, newline included. Encoding our own wire types does not fail; should
    /// it ever, the line becomes an `internal` error instead of a broken line.
    public static func line(_ value: some Encodable) -> Data {
        var data: Data
        do {
            data = try encoder().encode(value)
        } catch {
            data = Data("{\"error\":{\"code\":\"internal\",\"message\":\"could not encode a reply\"}}".utf8)
        }
        data.append(0x0A)
        return data
    }

    public static func helloLine(_ hello: ControlHello) -> Data { line(hello) }

    public static func responseLine(id: ControlRequestID?, reply: ControlReply) -> Data {
        line(ResponseEnvelope(id: id, reply: reply))
    }

    public static func eventLine(_ event: ControlEvent) -> Data { line(event) }

    public static func recordingLine(_ message: RecordingMessage) -> Data { line(message) }

    /// Classifies and decodes one line from the server. `command` is the request the response answers
    /// (so that its `result` decodes into the right type); nil decodes results as `.done` only when
    /// the shape allows, so pass the command whenever a response is expected.
    public static func decodeServerLine(
        _ line: Data,
        answering command: ControlCommand?
    ) throws -> ControlServerMessage {
        let decoder = decoder()
        let probe = try decoder.decode(LineProbe.self, from: line)
        if probe.hello != nil {
            return .hello(try decoder.decode(ControlHello.self, from: line))
        }
        if probe.event != nil {
            return .event(try decoder.decode(ControlEvent.self, from: line))
        }
        if probe.recording != nil {
            return .recording(try decoder.decode(RecordingMessage.self, from: line))
        }
        if let error = probe.error {
            return .response(ControlResponse(id: probe.id, reply: .failure(error)))
        }
        guard probe.hasResult else {
            throw ControlWireError("the daemon sent a line that is neither a hello, an event nor a response")
        }
        guard let command else {
            throw ControlWireError("the daemon sent a response nobody asked for")
        }
        let result = try decodeResult(for: command, from: line, decoder: decoder)
        return .response(ControlResponse(id: probe.id, reply: .success(result)))
    }

    /// Decodes the `result` member of a response to `command`.
    static func decodeResult(
        for command: ControlCommand,
        from line: Data,
        decoder: JSONDecoder
    ) throws -> ControlResult {
        func payload<T: Decodable>(_ type: T.Type) throws -> T {
            try decoder.decode(ResultEnvelope<T>.self, from: line).result
        }
        switch command {
        case .status: return .status(try payload(DaemonStatus.self))
        case .getVoice, .setVoice: return .voice(try payload(VoiceInfo.self))
        case .getVolume, .setVolume, .volumeUp, .volumeDown: return .volume(try payload(VolumeInfo.self))
        case .mute, .unmute: return .mute(try payload(MuteInfo.self))
        case .press, .release, .cancel, .say: return .state(try payload(StateInfo.self))
        case .subscribe, .unsubscribe: return .subscription(try payload(SubscriptionInfo.self))
        case .devices: return .devices(try payload(DeviceList.self))
        case .version: return .version(try payload(VersionInfo.self))
        case .doctor: return .doctor(try payload(DoctorReport.self))
        case .reconnect, .reload: return .done(try payload(DoneInfo.self))
        case .record: return .recording(try payload(RecordingInfo.self))
        }
    }
}

extension ControlWire {
    /// A decoding error in words: what was wrong and where, without the decoder's internals.
    public static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? "" : " (at \(keys))"
        }
        switch decoding {
        case .dataCorrupted(let context): return context.debugDescription + path(context)
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\"" + path(context)
        case .typeMismatch(let type, let context): return "expected \(type)" + path(context)
        case .valueNotFound(let type, let context): return "expected \(type), found null" + path(context)
        @unknown default: return "\(error)"
        }
    }
}

/// A line from the daemon that does not follow the protocol.
public struct ControlWireError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

private struct LineProbe: Decodable {
    var hello: String?
    var event: String?
    var recording: String?
    var id: ControlRequestID?
    var error: ControlError?
    var hasResult: Bool

    enum CodingKeys: String, CodingKey { case hello, event, recording, id, error, result }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hello = try container.decodeIfPresent(String.self, forKey: .hello)
        event = try container.decodeIfPresent(String.self, forKey: .event)
        recording = try container.decodeIfPresent(String.self, forKey: .recording)
        id = try container.decodeIfPresent(ControlRequestID.self, forKey: .id)
        error = try container.decodeIfPresent(ControlError.self, forKey: .error)
        hasResult = container.contains(.result)
    }
}

private struct ResultEnvelope<T: Decodable>: Decodable {
    var result: T
}

private struct ResponseEnvelope: Encodable {
    var id: ControlRequestID?
    var reply: ControlReply

    enum CodingKeys: String, CodingKey { case id, result, error }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        // The id is always present (null when the request had none or could not be read).
        if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
        switch reply {
        case .success(let result):
            try result.encodePayload(to: container.superEncoder(forKey: .result))
        case .failure(let error):
            try container.encode(error, forKey: .error)
        }
    }
}

extension ControlWire {
    /// The `result` object alone, as JSON text (what `voicectl --json` prints).
    public static func resultJSON(_ result: ControlResult, pretty: Bool = true) -> String {
        json(ResultPayload(result: result), pretty: pretty)
    }

    /// Any wire value as JSON text, keys sorted.
    public static func json(_ value: some Encodable, pretty: Bool = true) -> String {
        let encoder = encoder()
        encoder.outputFormatting.insert(.sortedKeys)
        if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

private struct ResultPayload: Encodable {
    var result: ControlResult
    func encode(to encoder: any Encoder) throws { try result.encodePayload(to: encoder) }
}

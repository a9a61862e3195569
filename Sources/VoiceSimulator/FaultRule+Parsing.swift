import VoiceProtocol

extension FaultRule {
    /// Parses the command-line form of a fault, `KIND[:VALUE][@TRIGGER][#CONNECTIONS]`:
    ///
    /// - kinds: `refuse:STATUS`, `drop`, `close:CODE`, `malformed`, `unknown`, `oversized:BYTES`, `stall`,
    ///   `error:TYPE` (e.g. `error:max_duration`), `trickle:MILLISECONDS`, `expire:SECONDS`,
    ///   `duplicate-speech-started`, `duplicate-function-calls`;
    /// - triggers (one-shot kinds; default `mid:2`): `connect`, `ready` (after `session.updated`),
    ///   `mid:N` (after N audio deltas of the first reply);
    /// - connections (default all): `first:N`, `after:N`, or a list `1,3`.
    ///
    /// Example: `close:1011@mid:3#first:2` closes the first two connections with 1011 mid-reply.
    public init(parsing text: String) throws(FaultParseError) {
        var rest = Substring(text)
        var connections = ConnectionSelector.all
        if let hash = rest.firstIndex(of: "#") {
            connections = try Self.parseConnections(rest[rest.index(after: hash)...], in: text)
            rest = rest[..<hash]
        }
        var trigger = FaultTrigger.midResponse(afterAudioChunks: 2)
        if let at = rest.firstIndex(of: "@") {
            trigger = try Self.parseTrigger(rest[rest.index(after: at)...], in: text)
            rest = rest[..<at]
        }
        let parts = rest.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.first ?? ""
        let value = parts.count > 1 ? parts[1] : nil
        func number(_ what: String) throws(FaultParseError) -> Int {
            guard let value, let number = Int(value), number >= 0 else {
                throw FaultParseError(text: text, reason: "\(kind) needs a \(what), e.g. \(kind):\(Self.example(kind))")
            }
            return number
        }
        let fault: Fault
        switch kind {
        case "refuse": fault = .refuseUpgrade(status: try number("HTTP status"))
        case "drop": fault = .drop(trigger)
        case "close":
            let code = try number("close code")
            guard code <= Int(UInt16.max) else { throw FaultParseError(text: text, reason: "close code too large") }
            fault = .close(code: UInt16(code), trigger)
        case "malformed": fault = .malformedJSON(trigger)
        case "unknown": fault = .unknownEvent(trigger)
        case "oversized": fault = .oversizedFrame(bytes: try number("size in bytes"), trigger)
        case "stall": fault = .stall(trigger)
        case "error":
            guard let value, !value.isEmpty else {
                throw FaultParseError(text: text, reason: "error needs a type, e.g. error:max_duration")
            }
            fault = .error(ServerErrorType(rawValue: value), trigger)
        case "trickle": fault = .slowTrickle(interval: .milliseconds(try number("interval in milliseconds")))
        case "expire": fault = .sessionExpiry(after: .seconds(try number("duration in seconds")))
        case "duplicate-speech-started": fault = .duplicateSpeechStarted
        case "duplicate-function-calls": fault = .duplicateFunctionCallItems
        default:
            throw FaultParseError(
                text: text,
                reason: "unknown fault \"\(kind)\"; use refuse, drop, close, malformed, unknown, oversized, stall, "
                    + "error, trickle, expire, duplicate-speech-started or duplicate-function-calls")
        }
        self.init(fault, connections: connections)
    }

    private static func example(_ kind: String) -> String {
        switch kind {
        case "refuse": "503"
        case "close": "1011"
        case "oversized": "2000000"
        case "trickle": "500"
        case "expire": "30"
        default: "1"
        }
    }

    private static func parseTrigger(_ text: Substring, in whole: String) throws(FaultParseError) -> FaultTrigger {
        switch text {
        case "connect": return .onConnect
        case "ready": return .afterSessionUpdated
        default:
            if text.hasPrefix("mid:"), let count = Int(text.dropFirst(4)), count >= 0 {
                return .midResponse(afterAudioChunks: count)
            }
            throw FaultParseError(text: whole, reason: "unknown trigger \"\(text)\"; use connect, ready or mid:N")
        }
    }

    private static func parseConnections(
        _ text: Substring, in whole: String
    ) throws(FaultParseError) -> ConnectionSelector {
        if text.hasPrefix("first:"), let count = Int(text.dropFirst(6)) { return .first(count) }
        if text.hasPrefix("after:"), let count = Int(text.dropFirst(6)) { return .after(count) }
        let numbers = text.split(separator: ",").compactMap { Int($0) }
        guard !numbers.isEmpty, numbers.count == text.split(separator: ",").count else {
            throw FaultParseError(
                text: whole, reason: "unknown connection selection \"\(text)\"; use first:N, after:N or 1,3")
        }
        return .numbers(Set(numbers))
    }
}

/// A `--fault` value that did not parse; the description says what to write instead.
public struct FaultParseError: Error, CustomStringConvertible, Equatable {
    public var text: String
    public var reason: String
    public var description: String { "invalid fault \"\(text)\": \(reason)" }
}

import Foundation
import NIOHTTP1

/// Whether an upgrade request gets its WebSocket, and if not, the HTTP answer (reference §1: 401 with no
/// credential; a wrong key got 400 from the live service, 401 here by default).
enum Admission: Equatable {
    /// Upgrade; echo this subprotocol when the client authenticated with one.
    case accept(subprotocol: String?)
    case refuse(status: HTTPResponseStatus, body: String)

    static let path = "/v1/realtime"
    static let subprotocolPrefix = "xai-client-secret."

    static func decide(
        head: HTTPRequestHead, connection: Int, configuration: SimulatorConfiguration
    ) -> Admission {
        for fault in configuration.faults(forConnection: connection) {
            if case .refuseUpgrade(let status) = fault {
                let status = HTTPResponseStatus(statusCode: status)
                return .refuse(status: status, body: body(for: status))
            }
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == Self.path else {
            return .refuse(
                status: .notFound,
                body: #"{"code":"Not found","error":"No such endpoint; the realtime API is at /v1/realtime."}"#)
        }
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
        let secretProtocol = offered.first { $0.hasPrefix(subprotocolPrefix) }
        let bearer = head.headers.first(name: "Authorization").flatMap { value -> String? in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return "" }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        if let secretProtocol {
            if String(secretProtocol.dropFirst(subprotocolPrefix.count)) == configuration.apiKey {
                return .accept(subprotocol: secretProtocol)
            }
            return wrongKey(configuration)
        }
        guard let bearer else {
            return .refuse(status: .unauthorized, body: body(for: .unauthorized))
        }
        return bearer == configuration.apiKey ? .accept(subprotocol: nil) : wrongKey(configuration)
    }

    /// The same decision from plain values (tests).
    static func decide(
        uri: String, headers: [(String, String)], connection: Int, configuration: SimulatorConfiguration
    ) -> Admission {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers))
        return decide(head: head, connection: connection, configuration: configuration)
    }

    /// The HTTP status of a refusal, nil when accepted.
    var refusalStatus: Int? {
        if case .refuse(let status, _) = self { return Int(status.code) }
        return nil
    }

    /// The model named in the URL's query, if any.
    static func model(in uri: String) -> String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "model", !parts[1].isEmpty {
                return parts[1].removingPercentEncoding ?? String(parts[1])
            }
        }
        return nil
    }

    private static func wrongKey(_ configuration: SimulatorConfiguration) -> Admission {
        // Never echo the key back: it would end up in the client's logs.
        .refuse(
            status: HTTPResponseStatus(statusCode: configuration.wrongKeyStatus),
            body: #"{"code":"Client specified an invalid argument","error":"Incorrect API key provided. "#
                + #"You can obtain an API key from https://console.x.ai."}"#)
    }

    static func body(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 401: #"{"code":"Unauthenticated","error":"No API key provided. Send it as Authorization: Bearer <key>."}"#
        case 403: #"{"code":"Forbidden","error":"The API key does not have access to the realtime API."}"#
        case 429: #"{"code":"Too many requests","error":"Too many concurrent sessions."}"#
        case 500: #"{"code":"Internal error","error":"The server had an error while processing the request."}"#
        case 503: #"{"code":"Unavailable","error":"The service is temporarily unavailable. Retry later."}"#
        default: #"{"code":"\#(status.reasonPhrase)","error":"The upgrade was refused."}"#
        }
    }
}

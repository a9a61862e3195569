/// How one WebSocket connection (attempt) ended, as the transport saw it.
enum ConnectionEnd: Sendable, Equatable {
    /// The HTTP upgrade was answered with `status` instead of 101 (`body`: the first bytes of the reply).
    case refused(status: Int, body: String)
    /// The WebSocket closed; `code` is nil when no close frame arrived (1006, "abnormal closure").
    case closed(code: Int?, reason: String?)
    /// The connection failed below or inside the WebSocket (DNS, TCP, TLS, protocol error, frame too large).
    case failed(String)
    /// We ended it ourselves (rotation, idle, dead-connection or handshake timeout, shutdown).
    case aborted

    /// Whether the next attempt should wait the long "bad credentials" delay.
    var isAuthenticationFailure: Bool {
        switch self {
        case .refused(let status, let body):
            // 401/403; the service answers a bad key with 400 "Incorrect API key provided" (reference §1).
            if status == 401 || status == 403 { return true }
            let lowered = body.lowercased()
            return status == 400
                && (lowered.contains("api key") || lowered.contains("incorrect") || lowered.contains("unauthor"))
        case .closed(let code, _):
            // Not documented; 4001/4003 mirror 401/403 by the common 4000 + HTTP status convention.
            return code == 4001 || code == 4003
        case .failed, .aborted:
            return false
        }
    }

    /// One line for status and logs (callers redact credentials before showing it).
    var summary: String {
        switch self {
        case .refused(let status, let body):
            let detail = body.isEmpty ? "" : ": \(body.prefix(200))"
            if isAuthenticationFailure {
                return "API key rejected (HTTP \(status)\(detail)); check the key and restart or run voicectl reconnect"
            }
            return "the realtime service refused the connection with HTTP \(status)\(detail)"
        case .closed(let code?, let reason):
            let detail = reason.map { $0.isEmpty ? "" : " (\($0))" } ?? ""
            if isAuthenticationFailure { return "API key rejected: the service closed with code \(code)\(detail)" }
            return "the realtime service closed the connection with code \(code)\(detail)"
        case .closed(nil, _):
            return "the connection to the realtime service dropped without a close frame (1006)"
        case .failed(let description):
            return "realtime connection failed: \(description)"
        case .aborted:
            return "connection closed by voiced"
        }
    }
}

/// Replaces every occurrence of the secrets in `text` with `[redacted]`.
///
/// Secrets shorter than 8 characters are ignored: replacing them would mangle ordinary words, and no real
/// credential is that short.
func redact(_ text: String, secrets: [String]) -> String {
    var result = text
    for secret in secrets where secret.count >= 8 {
        result = result.replacing(secret, with: "[redacted]")
    }
    return result
}

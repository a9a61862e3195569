import CSystemd

/// Tells systemd how the daemon is doing, over the `sd_notify` protocol (`Type=notify` units).
///
/// Outside systemd (`NOTIFY_SOCKET` unset) every call is a harmless no-op that reports
/// ``Delivery/notUnderSystemd``, so the daemon never has to ask where it runs.
///
/// libsystemd reads `NOTIFY_SOCKET` on every send. The watchdog interval is read once, at `init`:
/// `sd_watchdog_enabled` also checks `WATCHDOG_PID` against our pid, so create the notifier in the
/// daemon process itself.
public struct SystemdNotifier: Sendable {
    /// What happened to a notification.
    public enum Delivery: Sendable, Equatable {
        /// systemd received the datagram.
        case sent
        /// `NOTIFY_SOCKET` is not set: the daemon is not running under a `Type=notify` unit.
        case notUnderSystemd
        /// Sending failed; `errno` is the positive error number libsystemd returned.
        case failed(errno: Int32)
    }

    /// How often systemd expects `WATCHDOG=1` (`WatchdogSec=`), or nil when the watchdog is off.
    ///
    /// Ping at half this interval; ``WatchdogService`` does that.
    public let watchdogInterval: Duration?

    public init() {
        var microseconds: UInt64 = 0
        // The corresponding C function is `sd_watchdog_enabled`: > 0 means enabled for this pid.
        if sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 {
            watchdogInterval = .microseconds(Int64(clamping: microseconds))
        } else {
            watchdogInterval = nil
        }
    }

    /// `READY=1` with a status line: start-up is complete (audio and the control socket are up).
    @discardableResult
    public func ready(status: String) -> Delivery {
        send(["READY=1", "STATUS=" + Self.statusLine(status)])
    }

    /// `STATUS=`: one line shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Delivery {
        send(["STATUS=" + Self.statusLine(text)])
    }

    /// `WATCHDOG=1`: the daemon is alive and making progress.
    @discardableResult
    public func watchdog() -> Delivery {
        send(["WATCHDOG=1"])
    }

    /// `STOPPING=1` (with an optional status line): graceful shutdown has begun.
    @discardableResult
    public func stopping(status: String? = nil) -> Delivery {
        var assignments = ["STOPPING=1"]
        if let status { assignments.append("STATUS=" + Self.statusLine(status)) }
        return send(assignments)
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for more time to start or stop (a slow sound card, a long drain).
    @discardableResult
    public func extendTimeout(by extra: Duration) -> Delivery {
        let (seconds, attoseconds) = extra.components
        let microseconds = max(0, seconds) * 1_000_000 + max(0, attoseconds) / 1_000_000_000_000
        return send(["EXTEND_TIMEOUT_USEC=\(microseconds)"])
    }

    /// Sends `KEY=value` assignments as one datagram.
    ///
    /// The corresponding C function is `sd_notify`.
    @discardableResult
    public func send(_ assignments: [String]) -> Delivery {
        let message = assignments.joined(separator: "\n")
        let result = sd_notify(0, message)
        if result > 0 { return .sent }
        if result == 0 { return .notUnderSystemd }
        return .failed(errno: -result)
    }

    /// The protocol is line-based: a newline inside a status would start a bogus assignment, and
    /// systemd shows only a short line anyway.
    static func statusLine(_ text: String) -> String {
        var line = String(text.map { $0.isNewline ? " " : $0 })
        let limit = 200
        if line.count > limit { line = String(line.prefix(limit - 1)) + "…" }
        return line
    }
}

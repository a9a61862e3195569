#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A syslog priority as journald stores it, and the `<N>` line prefix that sets it.
///
/// With the unit's default `SyslogLevelPrefix=yes`, journald reads a leading `<N>` on each line
/// written to stdout/stderr as that line's priority and strips it, so `journalctl -p warning` and
/// the colours in `journalctl` work without linking the journal API. The log handler prints
/// `"\(priority.linePrefix)\(message)"` when ``JournalPriority/isJournalStream`` says stderr goes
/// to the journal.
public enum JournalPriority: Int, Sendable, CaseIterable {
    case emergency = 0
    case alert = 1
    case critical = 2
    case error = 3
    case warning = 4
    case notice = 5
    case info = 6
    case debug = 7

    /// `<3>` and so on: the sd-daemon prefix for this priority.
    public var linePrefix: String { "<\(rawValue)>" }

    /// The priority for a swift-log level name (`Logger.Level.rawValue`): trace and debug → debug,
    /// info → info, notice → notice, warning → warning, error → error, critical → critical.
    /// Unknown names map to info.
    public init(logLevel name: String) {
        switch name.lowercased() {
        case "trace", "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "critical": self = .critical
        default: self = .info
        }
    }

    /// True when systemd connected this process's stderr to the journal: `JOURNAL_STREAM` holds
    /// `device:inode` of that stream (systemd.exec(5)), compared here with stderr's own. A terminal
    /// run, or stderr redirected elsewhere by a child, gets plain lines.
    public static func stderrIsJournal() -> Bool {
        guard let variable = getenv("JOURNAL_STREAM") else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return matchesJournalStream(String(cString: variable), device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Whether a `JOURNAL_STREAM` value (`device:inode`, both decimal) names this device and inode.
    public static func matchesJournalStream(_ value: String, device: UInt64, inode: UInt64) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1]) else {
            return false
        }
        return streamDevice == device && streamInode == inode
    }
}

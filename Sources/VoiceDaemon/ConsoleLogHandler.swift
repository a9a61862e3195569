#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization
import VoiceSystemd

/// Writes log lines to stderr: with `<N>` priority prefixes when stderr is the journal (so
/// `journalctl -p warning` works), with a timestamp otherwise. Secrets registered with
/// `redact(_:)` never reach the output, whatever a message contains.
public struct ConsoleLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let journal: Bool
    private let secrets: SecretList

    /// Strings that must never be printed (the API key).
    public final class SecretList: Sendable {
        private let values = Mutex<[String]>([])
        public init() {}
        public func redact(_ secret: String) {
            guard secret.count >= 4 else { return }
            values.withLock { $0.append(secret) }
        }
        func scrub(_ text: String) -> String {
            values.withLock { secrets in
                secrets.reduce(text) { $0.replacing($1, with: "[redacted]") }
            }
        }
    }

    public static let secrets = SecretList()

    public init(
        label: String, level: Logger.Level, journal: Bool = JournalPriority.stderrIsJournal(),
        secrets: SecretList = Self.secrets
    ) {
        self.label = label
        self.logLevel = level
        self.journal = journal
        self.secrets = secrets
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = "\(label): \(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        text = secrets.scrub(text)
        let line: String
        if journal {
            line = JournalPriority(logLevel: event.level.rawValue).linePrefix + text + "\n"
        } else {
            let stamp = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
            line = "\(stamp) \(event.level.rawValue.uppercased()) \(text)\n"
        }
        StandardError.write(line)
    }
}

/// Writes straight to file descriptor 2 (no buffering, no Foundation), retrying short writes.
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { writeToStandardError($0) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}

/// At file scope, where `write` is the C library's and not ``StandardError/write(_:)``.
private func writeToStandardError(_ buffer: UnsafeRawBufferPointer) -> Int {
    write(2, buffer.baseAddress, buffer.count)
}

import Logging
import Synchronization

/// A `LogHandler` that keeps every record in memory, so a test can search what was logged (for a secret
/// that must never appear, an expected warning...). Never bootstrap it globally: make a `Logger` with
/// ``makeLogger(label:)`` and hand it to the code under test.
public final class LogCapture: Sendable {
    /// One captured record, with metadata flattened to text.
    public struct Record: Sendable, CustomStringConvertible {
        public var level: Logger.Level
        public var label: String
        public var message: String
        public var metadata: [String: String]
        public var description: String {
            let fields = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            return "\(level) \(label): \(message)" + (fields.isEmpty ? "" : " \(fields)")
        }
    }

    private let storage = Mutex<[Record]>([])

    public init() {}

    /// Everything logged so far.
    public var records: [Record] { storage.withLock { $0 } }

    /// Every record as one line of text, for substring searches.
    public var text: String { records.map(\.description).joined(separator: "\n") }

    /// A logger that writes here, at `level` and above.
    public func makeLogger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ record: Record) {
        storage.withLock { $0.append(record) }
    }
}

/// The handler behind ``LogCapture/makeLogger(label:level:)``.
public struct CapturingLogHandler: LogHandler {
    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let capture: LogCapture

    public init(label: String, capture: LogCapture) {
        self.label = label
        self.capture = capture
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        capture.append(
            LogCapture.Record(
                level: event.level,
                label: label,
                message: "\(event.message)",
                metadata: merged.mapValues { "\($0)" }
            )
        )
    }
}

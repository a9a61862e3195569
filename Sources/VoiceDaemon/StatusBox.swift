import Synchronization
import VoiceCore

/// The status snapshot, shared between the coordinator (the only writer) and readers such as the
/// control server and the systemd notifier.
public final class StatusBox: Sendable {
    private let value: Mutex<DaemonStatus>

    public init(_ initial: DaemonStatus = .init()) { value = Mutex(initial) }

    public func snapshot() -> DaemonStatus { value.withLock { $0 } }

    public func update(_ body: (inout DaemonStatus) -> Void) { value.withLock { body(&$0) } }
}

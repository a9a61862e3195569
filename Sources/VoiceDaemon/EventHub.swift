import Synchronization
import VoiceCore

/// Fans events out to any number of subscribers without ever blocking the publisher: each
/// subscriber has a bounded buffer, and one that falls behind loses its oldest events.
public final class EventHub<Element: Sendable>: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Element>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)
    private let bufferLimit: Int

    public init(bufferLimit: Int = 256) { self.bufferLimit = bufferLimit }

    public func subscribe() -> AsyncStream<Element> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(_ element: Element) {
        let current = subscribers.withLock { Array($0.values) }
        for continuation in current { continuation.yield(element) }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    public func finish() {
        let current = subscribers.withLock { all in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for continuation in current { continuation.finish() }
    }
}

import Synchronization
import VoiceCore

/// Fans events out to any number of subscribers without ever blocking the publisher: each
/// subscriber has a bounded buffer, and one that falls behind loses its oldest events.
///
/// A subscription ends when its consumer stops iterating (or its task is cancelled, as the control
/// server's tasks are when it stops) or when the hub is finished. Once finished, the hub hands out
/// only streams that are already over, so a late subscriber can never wait forever.
public final class EventHub<Element: Sendable>: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<Element>.Continuation] = [:]
        var nextID = 0
        var isFinished = false
    }

    private let state = Mutex(State())
    private let bufferLimit: Int

    public init(bufferLimit: Int = 256) { self.bufferLimit = bufferLimit }

    public func subscribe() -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        let isOpen = state.withLock { state in
            guard !state.isFinished else { return false }
            state.subscribers[id] = continuation
            return true
        }
        if !isOpen { continuation.finish() }
        return stream
    }

    public func publish(_ element: Element) {
        let current = state.withLock { Array($0.subscribers.values) }
        for continuation in current { continuation.yield(element) }
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Ends every subscription, and every later one at once.
    public func finish() {
        let current = state.withLock { state in
            state.isFinished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in current { continuation.finish() }
    }
}

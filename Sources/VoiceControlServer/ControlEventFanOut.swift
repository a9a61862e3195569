#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import Synchronization
import VoiceControl

/// Delivers each daemon event to every subscribed connection without ever waiting on one.
///
/// Each subscriber has a bounded queue (an `AsyncStream` buffering the oldest `queueLimit` lines) that
/// its connection's writer drains. An event that does not fit means the subscriber has stopped
/// reading: its subscription is ended, and the writer sends a `subscriber_dropped` notice once the
/// client reads again. Events are encoded once, whatever the number of subscribers.
final class ControlEventFanOut: Sendable {
    private struct Subscriber {
        var kinds: Set<ControlEventKind>
        var continuation: AsyncStream<ByteBuffer>.Continuation
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        /// Per connection, its subscriptions that were dropped and whose notice its writer has not yet sent.
        var dropped: [Int: Int] = [:]
        /// Subscriptions changed since `onChange` was last given them.
        var changeUnreported = false
        /// Some thread is calling `onChange` (and calls it again for changes made meanwhile).
        var reporting = false
    }

    private let state = Mutex(State())
    private let queueLimit: Int
    private let onChange: (@Sendable (Set<ControlEventKind>) -> Void)?

    init(queueLimit: Int, onChange: (@Sendable (Set<ControlEventKind>) -> Void)? = nil) {
        self.queueLimit = max(1, queueLimit)
        self.onChange = onChange
    }

    /// Tells `onChange` the kinds some subscriber wants now.
    ///
    /// Connections change their subscriptions from their own tasks, at once: each used to report the set it
    /// computed, and an older set could be reported after a newer one (levels stayed off for a client that
    /// wanted them). One thread at a time reports, and it reports again while changes were made meanwhile, so
    /// the last report is always the current set; a change made while a report is under way leaves it to that
    /// reporter rather than wait.
    private func reportChange() {
        guard let onChange else { return }
        let reports = state.withLock { state -> Bool in
            state.changeUnreported = true
            guard !state.reporting else { return false }
            state.reporting = true
            return true
        }
        guard reports else { return }
        while let wanted = state.withLock({ state -> Set<ControlEventKind>? in
            guard state.changeUnreported else {
                state.reporting = false
                return nil
            }
            state.changeUnreported = false
            return state.subscribers.values.reduce(into: Set()) { $0.formUnion($1.kinds) }
        }) {
            onChange(wanted)
        }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Connections whose subscription was dropped and that have not read since (each owes a notice).
    var droppedCount: Int { state.withLock { $0.dropped.count } }

    /// Subscribes connection `id` to `kinds` (every kind when empty). Returns the stream of encoded
    /// event lines when this starts a subscription; nil when it only changed the kinds of one running.
    func subscribe(connection id: Int, kinds: Set<ControlEventKind>) -> AsyncStream<ByteBuffer>? {
        let wanted = kinds.isEmpty ? Set(ControlEventKind.allCases) : kinds
        defer { reportChange() }
        return state.withLock { state in
            if state.subscribers[id] != nil {
                state.subscribers[id]!.kinds = wanted
                return nil
            }
            let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(
                bufferingPolicy: .bufferingOldest(queueLimit)
            )
            state.subscribers[id] = Subscriber(kinds: wanted, continuation: continuation)
            return stream
        }
    }

    /// Ends connection `id`'s subscription, if any (its stream finishes after the queued lines).
    func unsubscribe(connection id: Int) {
        let continuation = state.withLock { $0.subscribers.removeValue(forKey: id)?.continuation }
        continuation?.finish()
        if continuation != nil { reportChange() }
    }

    /// Forgets connection `id` when it closes: its subscription, and the notice it was owed if it had
    /// been dropped and never read again (a daemon that runs for months must not keep one per client).
    func connectionClosed(_ id: Int) {
        state.withLock { _ = $0.dropped.removeValue(forKey: id) }
        unsubscribe(connection: id)
    }

    /// True (once per dropped subscription) when one of connection `id`'s subscriptions was ended because
    /// it fell behind. The connection's writer asks after draining each subscription's queue, so a client
    /// that subscribed again meanwhile still learns that the earlier subscription lost events.
    func takeDropped(connection id: Int) -> Bool {
        state.withLock { state in
            guard let owed = state.dropped[id] else { return false }
            state.dropped[id] = owed > 1 ? owed - 1 : nil
            return true
        }
    }

    /// Sends `event` to every subscriber that wants it; never blocks.
    func publish(_ event: ControlEvent) {
        let line = ByteBuffer(bytes: ControlWire.eventLine(event))
        var overflowed: [AsyncStream<ByteBuffer>.Continuation] = []
        state.withLock { state in
            for (id, subscriber) in state.subscribers {
                if let kind = event.kind, !subscriber.kinds.contains(kind) { continue }
                if case .dropped = subscriber.continuation.yield(line) {
                    state.subscribers.removeValue(forKey: id)
                    state.dropped[id, default: 0] += 1
                    overflowed.append(subscriber.continuation)
                }
            }
        }
        for continuation in overflowed { continuation.finish() }
        if !overflowed.isEmpty { reportChange() }
    }

    /// Ends every subscription (shutdown).
    func finishAll() {
        let continuations = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish() }
    }
}

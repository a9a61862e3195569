import Synchronization

extension RealtimeSession {
    /// The session loop's inputs: any task queues, the loop alone awaits, in order.
    ///
    /// It does what an `AsyncStream<LoopInput>` did (unbounded buffer, `finish()`, and the waiting loop gets nil
    /// when its task is cancelled), but it is concrete: the standard library's stream runs unspecialised generic
    /// code for every element (metadata and witness-table lookups, value-witness copies of the enum, a generic
    /// `removeFirst` of the waiting continuation), which cost about as much as framing the audio itself on each
    /// 100 ms mic chunk, ten times a second, on a cold cache.
    final class Inbox: Sendable {
        private struct State {
            var buffer: [LoopInput] = []
            /// Index of the oldest unread input in `buffer`.
            var head = 0
            var waiter: UnsafeContinuation<LoopInput?, Never>?
            /// Finished, or the reading task was cancelled: nothing more is queued.
            var ended = false

            mutating func popFirst() -> LoopInput? {
                guard head < buffer.count else { return nil }
                let input = buffer[head]
                head += 1
                if head == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= 32, head * 2 >= buffer.count {
                    // A loop that never quite catches up must not grow the buffer without bound.
                    buffer.removeFirst(head)
                    head = 0
                }
                return input
            }

            /// Accepts no more inputs; what is queued is still read. Returns the waiting reader (there is none
            /// when something is queued).
            mutating func end() -> UnsafeContinuation<LoopInput?, Never>? {
                ended = true
                defer { waiter = nil }
                return waiter
            }
        }

        private let state = Mutex(State())

        /// Queues `input` for the loop, or hands it straight to the loop if it is waiting. Dropped once ended.
        func yield(_ input: LoopInput) {
            let waiter = state.withLock { state -> UnsafeContinuation<LoopInput?, Never>? in
                guard !state.ended else { return nil }
                if let waiter = state.waiter {
                    state.waiter = nil
                    return waiter
                }
                state.buffer.append(input)
                return nil
            }
            waiter?.resume(returning: input)
        }

        /// Ends the inbox: later inputs are dropped, and `next()` returns nil once what was queued is read.
        func finish() {
            state.withLock { $0.end() }?.resume(returning: nil)
        }

        /// Whether the reader is waiting for an input (for tests).
        var readerIsWaiting: Bool { state.withLock { $0.waiter != nil } }

        /// The oldest queued input, waiting for one if there is none; nil once the inbox has ended and is empty,
        /// or when the calling task is cancelled while it waits (which ends the inbox, like a stream's
        /// cancellation). One caller at a time (the session loop).
        func next() async -> LoopInput? {
            if let ready = state.withLock({ $0.popFirst() }) { return ready }
            return await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: UnsafeContinuation<LoopInput?, Never>) in
                    let immediate = state.withLock { state -> LoopInput?? in
                        if let input = state.popFirst() { return .some(input) }
                        if state.ended { return .some(nil) }
                        precondition(state.waiter == nil, "the session inbox has one reader")
                        state.waiter = continuation
                        return .none
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                state.withLock { $0.end() }?.resume(returning: nil)
            }
        }
    }
}

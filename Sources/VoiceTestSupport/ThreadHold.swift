import Foundation
import Synchronization

/// Holds one call of a fake on its thread until the test lets it go (30 s at most): for driving code under test
/// into the moment a slow write or callback is under way. The call that finds the hold armed blocks; the test
/// awaits `arrived()`, does what must happen meanwhile, then `release()`s it. Block only threads of their own
/// (`blockingCall`, `BlockableTaskExecutor`), never the cooperative pool.
public final class ThreadHold: Sendable {
    private let armed: Atomic<Bool>
    private let released = DispatchSemaphore(value: 0)
    private let arrivals: AsyncStream<Void>
    private let arrival: AsyncStream<Void>.Continuation

    /// `armed`: whether the first call is held without an `arm()`.
    public init(armed: Bool = false) {
        self.armed = Atomic(armed)
        (arrivals, arrival) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(1))
    }

    /// The next call to `holdIfArmed()` is held.
    public func arm() { armed.store(true, ordering: .relaxed) }

    /// Called by the fake: blocks this thread if the hold is armed (once per arming).
    public func holdIfArmed() {
        guard armed.exchange(false, ordering: .relaxed) else { return }
        arrival.yield()
        _ = released.wait(timeout: .now() + 30)
    }

    /// Returns once a call is held.
    public func arrived() async throws {
        var iterator = arrivals.makeAsyncIterator()
        guard await iterator.next() != nil else { throw CancellationError() }
    }

    public func release() { released.signal() }
}

import Synchronization

/// A clock that moves only when the test says so, for the hardware services' timers (watchdog
/// cadence, button gesture deadlines, LED animation).
///
/// `sleep(until:)` returns at once for a deadline already reached, otherwise it suspends until
/// ``advance(by:)`` reaches the deadline or the sleeping task is cancelled. ``sleeperCount`` and
/// ``waitForSleepers(_:timeout:)`` let a test wait until the code under test is parked on the clock
/// before moving it, without sleeping in real time.
public final class StepClock: Clock, Sendable {
    public struct Instant: InstantProtocol, Sendable {
        /// Time since the clock's origin.
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
        var cancelledBeforeRegistration: Set<Int> = []
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// Tasks currently suspended in `sleep`.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone sleeps until, if any.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.cancelledBeforeRegistration.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelledBeforeRegistration.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline is reached, earliest first.
    public func advance(by duration: Duration) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Moves time to the earliest pending deadline (if any) and wakes its sleepers.
    public func advanceToNextDeadline() {
        guard let deadline = nextDeadline else { return }
        advance(by: now.duration(to: deadline))
    }

    /// Waits (bounded by `timeout` of real time) until at least `count` tasks sleep on the clock.
    /// Returns false on timeout.
    @discardableResult
    public func waitForSleepers(_ count: Int = 1, timeout: Duration = .seconds(60)) async -> Bool {
        await waitUntil(timeout: timeout) { self.sleeperCount >= count }
    }

    /// Waits (bounded by `timeout` of real time) until someone sleeps until exactly `offset` after
    /// the clock's origin: the code under test has armed that timer. Returns false on timeout.
    @discardableResult
    public func waitForDeadline(at offset: Duration, timeout: Duration = .seconds(60)) async -> Bool {
        await waitUntil(timeout: timeout) {
            self.state.withLock { $0.sleepers.contains { $0.deadline.offset == offset } }
        }
    }

    /// Waits (bounded by `timeout` of real time) until `condition` holds. Returns false on timeout.
    @discardableResult
    public func waitUntil(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
        let realClock = ContinuousClock()
        let giveUp = realClock.now.advanced(by: timeout)
        while !condition() {
            if realClock.now >= giveUp { return false }
            // Poll the condition gently; the bound above, not this pause, decides the outcome.
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}

import Synchronization

/// A `Clock` that moves only when a test says so.
///
/// Code under test sleeps on it exactly as on `ContinuousClock`; the test calls `advance(by:)` and every
/// sleeper whose deadline has been reached resumes. A sleep whose deadline is already past returns at once,
/// so a test may advance before or after the code under test starts sleeping: deadlines are absolute.
///
/// ```swift
/// let clock = ManualClock()
/// async let woke: Void = clock.sleep(for: .seconds(2))
/// try await clock.waitForSleepers(count: 1)
/// clock.advance(by: .seconds(2))
/// try await woke
/// ```
public final class ManualClock: Clock, Sendable {
    /// A point on the manual time line: the time elapsed since the clock was created.
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "t+\(offset)" }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Every deadline ever slept on, in order: tests read it to check a schedule.
        var sleepLog: [Instant] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// How many tasks are sleeping on this clock right now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone is sleeping until, if anyone is.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// Every deadline passed to `sleep(until:)` so far (including ones already past), oldest first.
    public var sleepLog: [Instant] { state.withLock { $0.sleepLog } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.sleepLog.append(deadline)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline is now reached.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a manual clock only moves forward")
        let woken = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Moves time to `instant` (if it is in the future) and wakes the sleepers that are due.
    public func advance(to instant: Instant) {
        let delta = now.duration(to: instant)
        advance(by: max(delta, .zero))
    }

    /// Moves time to the earliest pending deadline, if any, and returns it.
    @discardableResult
    public func advanceToNextDeadline() -> Instant? {
        guard let deadline = nextDeadline else { return nil }
        advance(to: deadline)
        return deadline
    }

    /// Waits (in real time, bounded) until at least `count` tasks sleep on this clock.
    ///
    /// - Throws: `ManualClockTimeout` when that does not happen within `timeout` of real time.
    public func waitForSleepers(count: Int = 1, timeout: Duration = mustHappenWithin) async throws {
        try await waitUntil(timeout: timeout, "\(count) sleeper(s) on the manual clock") { self.sleeperCount >= count }
    }
}

/// Thrown by the bounded waits in this module when the awaited condition never became true.
public struct ManualClockTimeout: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` (every few milliseconds of real time) until it holds or `timeout` passes.
///
/// For tests only: a bounded wait on a condition, in place of a sleep standing in for synchronisation.
public func waitUntil(
    timeout: Duration = mustHappenWithin,
    _ what: String = "condition",
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while try await !condition() {
        guard clock.now < deadline else { throw ManualClockTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(2))
    }
}

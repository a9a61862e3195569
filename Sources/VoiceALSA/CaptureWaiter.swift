import CVoiceALSAShim
import Glibc
import Synchronization
import VoiceDSP

/// A wake-up one thread sends another without allocating or taking a lock: an eventfd. The
/// real-time threads may signal it; only ordinary threads wait on it.
final class EventSignal: Sendable {
    /// The eventfd; a `CaptureWakeDriver` watches a duplicate of it.
    let descriptor: Int32
    /// Signals sent so far (tests count the wake-ups a waiter costs).
    let signalsSent = Atomic<Int>(0)

    init() {
        descriptor = voiced_eventfd()
        precondition(descriptor >= 0, "eventfd failed (errno \(errno)); the audio engine cannot wake its waiters")
    }

    deinit { Glibc.close(descriptor) }

    /// Async-signal-safe: one `write` to the eventfd.
    func signal() {
        signalsSent.wrappingAdd(1, ordering: .relaxed)
        var one: UInt64 = 1
        _ = Glibc.write(descriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// Waits until signalled or `timeoutNanoseconds` pass (negative: no timeout); consumes the signal.
    /// - Returns: true when signalled.
    @discardableResult
    func wait(timeoutNanoseconds: Int64) -> Bool {
        var watched = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = timeoutNanoseconds < 0
            ? -1 : Int32(min((timeoutNanoseconds + 999_999) / 1_000_000, Int64(Int32.max)))
        guard poll(&watched, 1, milliseconds) > 0 else { return false }
        var value: UInt64 = 0
        _ = Glibc.read(descriptor, &value, MemoryLayout<UInt64>.size)
        return true
    }
}

/// Lets async code sleep until the capture ring holds enough audio, instead of polling it on a timer.
///
/// The capture thread only compares the ring's fill with an armed threshold and, when it is reached,
/// disarms it and signals an eventfd: no allocation, no lock. A small ordinary thread waits on the
/// eventfd (with the waiter's deadline as its timeout) and resumes the waiting task. So the daemon's
/// audio work runs once per chunk of audio, right when the chunk is complete. Arming the next wait
/// costs no signal when the thread already sleeps no later than its deadline (the usual case: the
/// thread keeps sleeping for the last wait's timeout), so a chunk costs the thread one wake-up.
///
/// With a `CaptureWakeDriver` (`drive(by:)`), an event loop watches the eventfd and keeps the deadline
/// instead of that thread: the daemon's audio loop runs on the same event loop, so its wait ends on the
/// thread that will run it, with no hand-off between threads (issue 9).
final class CaptureWaiter: Sendable {
    private let ring: AudioRingBuffer
    let signal = EventSignal()
    /// Samples the capture thread waits for before signalling; 0 = disarmed.
    private let threshold = Atomic<Int>(0)

    private struct State {
        var continuation: CheckedContinuation<Void, Never>?
        var deadline: Int64 = 0
        var minimum = 0
        /// Set by `nudge()`: the next (or current) wait ends at once.
        var nudged = false
        var running = false
        /// When the waiter thread's current `poll` times out at the latest (`Int64.min`: it is not in `poll`
        /// and reads the state again before it sleeps). A new wait whose deadline is no earlier needs no
        /// signal to re-arm the thread: it wakes by then anyway and sleeps on to the new deadline.
        var threadSleepsUntil: Int64 = .min
        /// After resuming a waiter, the thread sleeps as long as that wait's timeout even before the next
        /// wait arrives: the next one (the audio loop asks again at once) usually has the same timeout.
        var expectedNextDeadline: Int64 = .min
        var lastTimeout: Int64 = 0
        /// When the driver's pending timer fires (`Int64.max`: none). A wait whose deadline is no earlier
        /// schedules none: that timer re-arms for it when it fires. So a chunk's wait costs the event loop no
        /// timer set-up and cancellation, only the eventfd's wake-up.
        var timerDueAt: Int64 = .max
    }

    private let state = Mutex(State())
    private let thread = Mutex<AudioThread?>(nil)
    /// Set while an event loop, not the waiter thread, serves the waits.
    private let driver = Mutex<(any CaptureWakeDriver)?>(nil)

    init(ring: AudioRingBuffer) { self.ring = ring }

    // MARK: - The capture thread

    /// Called by the capture thread after each write into the ring. Real-time safe.
    @inline(__always)
    func captureDelivered() {
        let minimum = threshold.load(ordering: .relaxed)
        guard minimum > 0, ring.availableToRead >= minimum else { return }
        if threshold.compareExchange(expected: minimum, desired: 0, ordering: .relaxed).exchanged { signal.signal() }
    }

    /// Periods of `periodSamples` the waiter still misses; nil while nobody waits (disarmed).
    @inline(__always)
    func periodsWanted(periodSamples: Int) -> Int? {
        let minimum = threshold.load(ordering: .relaxed)
        guard minimum > 0, periodSamples > 0 else { return nil }
        let missing = minimum - ring.availableToRead
        return missing <= 0 ? 1 : (missing + periodSamples - 1) / periodSamples
    }

    // MARK: - Async side

    /// Returns once the capture ring holds at least `minimum` samples (0: do not wait for audio),
    /// `timeout` has passed, or `nudge()` was called. One waiter at a time.
    func wait(minimum: Int, timeout: Duration) async {
        if minimum > 0, ring.availableToRead >= minimum { return }
        let (seconds, attoseconds) = timeout.components
        let deadline = monotonicNanoseconds() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        let running = state.withLock { $0.running }
        guard running else {
            // No waiter thread (the engine is stopped): a plain sleep keeps callers from spinning.
            try? await Task.sleep(for: timeout)
            return
        }
        let timeoutNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let arming = state.withLock { state -> Arming in
                if state.nudged || !state.running {
                    state.nudged = false
                    return .resumeNow
                }
                state.continuation = continuation
                state.deadline = deadline
                state.minimum = minimum
                state.lastTimeout = timeoutNanoseconds
                if let driver = activeDriver {
                    guard deadline < state.timerDueAt else { return .driven(driver, timerAfter: nil) }
                    state.timerDueAt = deadline
                    return .driven(driver, timerAfter: timeoutNanoseconds)
                }
                return deadline < state.threadSleepsUntil ? .wakeThread : .armOnly
            }
            switch arming {
            case .resumeNow:
                continuation.resume()
            case .driven(let driver, let timerAfter):
                if let timerAfter { driver.scheduleTimeout(afterNanoseconds: timerAfter) { [weak self] in self?.timerFired() } }
                threshold.store(minimum, ordering: .relaxed)
                captureDelivered()
            case .wakeThread:
                threshold.store(minimum, ordering: .relaxed)
                // The waiter thread re-reads the deadline (and sees audio that arrived before the arming).
                signal.signal()
            case .armOnly:
                threshold.store(minimum, ordering: .relaxed)
                // Audio that arrived before the arming found the threshold disarmed: signal for it now,
                // exactly as the capture thread would have.
                captureDelivered()
            }
        }
    }

    private enum Arming {
        case resumeNow
        case wakeThread
        case armOnly
        case driven(any CaptureWakeDriver, timerAfter: Int64?)
    }

    /// The driver serving the waits while the waiter runs (read under `state`'s lock by `wait`).
    private var activeDriver: (any CaptureWakeDriver)? { driver.withLock { $0 } }

    /// Ends the current wait now, or the next one at once (the daemon's state changed).
    func nudge() {
        state.withLock { $0.nudged = true }
        signal.signal()
    }

    // MARK: - Lifecycle

    /// Serves the waits from now on by `driver` (an event loop) instead of a thread of its own; restarts the
    /// waiter if it runs. When the driver cannot watch the eventfd, the waiter keeps its thread.
    func drive(by driver: any CaptureWakeDriver) {
        let wasRunning = state.withLock { $0.running }
        stop()
        self.driver.withLock { $0 = driver }
        if wasRunning { start() }
    }

    func start() {
        thread.withLock { thread in
            guard thread == nil, !state.withLock({ $0.running }) else { return }
            if let driver = driver.withLock({ $0 }) {
                do {
                    try driver.watch(descriptor: signal.descriptor) { [weak self] in self?.eventfdReadable() }
                    state.withLock {
                        $0.running = true
                        $0.timerDueAt = .max
                    }
                    return
                } catch {
                    // Keep waking through a thread of our own.
                    self.driver.withLock { $0 = nil }
                }
            }
            state.withLock { $0.running = true }
            thread = AudioThread.start(name: "voiced-wake", body: run)
            if thread == nil { state.withLock { $0.running = false } }
        }
    }

    func stop() {
        thread.withLock { thread in
            if let current = thread.take() {
                state.withLock { $0.running = false }
                signal.signal()
                current.join()
            } else if let driver = driver.withLock({ $0 }), state.withLock({ $0.running }) {
                state.withLock { $0.running = false }
                driver.cancelTimeout()
                driver.stopWatching()
            }
        }
        let pending = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        pending?.resume()
    }

    /// The driver's side: the eventfd became readable (the driver has read it). Ends the current wait if its
    /// audio is there, it is due, or it was nudged.
    private func eventfdReadable() {
        let ready = state.withLock { state in takeIfReady(&state, now: monotonicNanoseconds()) }
        ready?.resume()
    }

    /// The driver's timer fired: ends the current wait if due, else re-arms for its deadline.
    private func timerFired() {
        let (ready, rearmAfter) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Int64?) in
            state.timerDueAt = .max
            let now = monotonicNanoseconds()
            if let ready = takeIfReady(&state, now: now) { return (ready, nil) }
            guard state.continuation != nil, state.running else { return (nil, nil) }
            state.timerDueAt = state.deadline
            return (nil, state.deadline - now)
        }
        if let rearmAfter {
            activeDriver?.scheduleTimeout(afterNanoseconds: rearmAfter) { [weak self] in self?.timerFired() }
        }
        ready?.resume()
    }

    private func takeIfReady(_ state: inout State, now: Int64) -> CheckedContinuation<Void, Never>? {
        guard let continuation = state.continuation else { return nil }
        let due = now >= state.deadline
        let enough = state.minimum > 0 && ring.availableToRead >= state.minimum
        guard due || enough || state.nudged || !state.running else { return nil }
        state.continuation = nil
        state.nudged = false
        threshold.store(0, ordering: .relaxed)
        return continuation
    }

    private func run() {
        while true {
            let (sleepUntil, running) = state.withLock { state -> (Int64, Bool) in
                let until: Int64
                if state.continuation != nil {
                    until = state.deadline
                } else if state.expectedNextDeadline > monotonicNanoseconds() {
                    until = state.expectedNextDeadline
                } else {
                    until = .max
                }
                state.threadSleepsUntil = until
                return (until, state.running)
            }
            guard running else { return }
            if sleepUntil == .max {
                signal.wait(timeoutNanoseconds: -1)
            } else {
                let remaining = sleepUntil - monotonicNanoseconds()
                if remaining > 0 { signal.wait(timeoutNanoseconds: remaining) }
            }
            let ready = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.threadSleepsUntil = .min
                guard let continuation = state.continuation else { return nil }
                let now = monotonicNanoseconds()
                let due = now >= state.deadline
                let enough = state.minimum > 0 && ring.availableToRead >= state.minimum
                guard due || enough || state.nudged || !state.running else { return nil }
                state.continuation = nil
                state.nudged = false
                state.expectedNextDeadline = now + state.lastTimeout
                // Disarmed before the waiter can run again and arm its next wait.
                threshold.store(0, ordering: .relaxed)
                return continuation
            }
            ready?.resume()
        }
    }
}

/// Serves a `CaptureWaiter`'s waits on an event loop, in place of the waiter's own thread.
public protocol CaptureWakeDriver: Sendable {
    /// Calls `handler` on the loop each time `descriptor` (a non-blocking eventfd) becomes readable, after
    /// reading it, until `stopWatching()`. The caller keeps `descriptor` open and closes it: a driver that
    /// needs a descriptor of its own watches a duplicate.
    func watch(descriptor: Int32, handler: @escaping @Sendable () -> Void) throws
    /// Calls `handler` on the loop once, `afterNanoseconds` from now, unless cancelled or replaced by
    /// the next call.
    func scheduleTimeout(afterNanoseconds: Int64, handler: @escaping @Sendable () -> Void)
    /// Cancels the pending timeout, if any.
    func cancelTimeout()
    /// Stops watching the descriptor (and releases what `watch` opened).
    func stopWatching()
}

import CVoiceALSAShim
import Glibc
import Synchronization
import VoiceDSP

/// A wake-up one thread sends another without allocating or taking a lock: an eventfd. The
/// real-time threads may signal it; only ordinary threads wait on it.
final class EventSignal: Sendable {
    private let descriptor: Int32
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
        let milliseconds =
            timeoutNanoseconds < 0
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
final class CaptureWaiter: Sendable {
    private let ring: AudioRingBuffer
    let signal = EventSignal()
    /// Samples the capture thread waits for before signalling; 0 = disarmed.
    private let threshold = Atomic<Int>(0)

    private struct State {
        var continuation: UnsafeContinuation<Void, Never>?
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
    }

    private let state = Mutex(State())
    private let thread = Mutex<AudioThread?>(nil)

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
    /// `timeout` has passed, or `nudge()` was called. One waiter at a time. Runs in the caller's isolation.
    func wait(minimum: Int, timeout: Duration, isolation: isolated (any Actor)? = #isolation) async {
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
        await withUnsafeContinuation(isolation: isolation) { (continuation: UnsafeContinuation<Void, Never>) in
            let arming = state.withLock { state -> Arming in
                if state.nudged || !state.running {
                    state.nudged = false
                    return .resumeNow
                }
                state.continuation = continuation
                state.deadline = deadline
                state.minimum = minimum
                state.lastTimeout = timeoutNanoseconds
                return deadline < state.threadSleepsUntil ? .wakeThread : .armOnly
            }
            switch arming {
            case .resumeNow:
                continuation.resume()
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
    }

    /// Ends the current wait now, or the next one at once (the daemon's state changed).
    func nudge() {
        state.withLock { $0.nudged = true }
        signal.signal()
    }

    // MARK: - Lifecycle

    func start() {
        thread.withLock { thread in
            guard thread == nil else { return }
            state.withLock { $0.running = true }
            thread = AudioThread.start(name: "voiced-wake", body: run)
            if thread == nil { state.withLock { $0.running = false } }
        }
    }

    func stop() {
        thread.withLock { thread in
            guard let current = thread.take() else { return }
            state.withLock { $0.running = false }
            signal.signal()
            current.join()
        }
        let pending = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        pending?.resume()
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
            let ready = state.withLock { state -> UnsafeContinuation<Void, Never>? in
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

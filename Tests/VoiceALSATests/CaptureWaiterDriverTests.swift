import Glibc
import Synchronization
import Testing
import VoiceDSP

@testable import VoiceALSA

/// The capture waiter served by a driver (the daemon's event loop) instead of its own thread (issue 9): the
/// eventfd's readiness and the wait's own timeout end a wait, a late timeout of an earlier wait does not,
/// and stopping releases the driver's watch once and ends a pending wait.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CaptureWaiterDriverTests {
    /// Stands in for the event loop: the test plays the loop, firing readiness and timeouts by hand.
    private final class ManualDriver: CaptureWakeDriver {
        private struct State {
            var readable: (@Sendable () -> Void)?
            var watchedDescriptor: Int32 = -1
            var timeouts: [(nanoseconds: Int64, handler: @Sendable () -> Void)] = []
            var cancelled = 0
            var stopped = 0
        }
        private let state = Mutex(State())

        func watch(descriptor: Int32, handler: @escaping @Sendable () -> Void) throws {
            state.withLock {
                $0.readable = handler
                $0.watchedDescriptor = descriptor
            }
        }

        func scheduleTimeout(afterNanoseconds: Int64, handler: @escaping @Sendable () -> Void) {
            state.withLock { $0.timeouts.append((afterNanoseconds, handler)) }
        }

        func cancelTimeout() { state.withLock { $0.cancelled += 1 } }
        func stopWatching() { state.withLock { $0.stopped += 1 } }

        var timeoutCount: Int { state.withLock { $0.timeouts.count } }
        var stopCount: Int { state.withLock { $0.stopped } }
        var isWatching: Bool { state.withLock { $0.readable != nil } }

        /// What the loop does when the eventfd is readable: read it (if it holds a signal), call the handler.
        /// - Returns: whether the eventfd held a signal.
        @discardableResult
        func fireReadable() -> Bool {
            let (descriptor, handler) = state.withLock { ($0.watchedDescriptor, $0.readable) }
            var value: UInt64 = 0
            let signalled = Glibc.read(descriptor, &value, MemoryLayout<UInt64>.size) == MemoryLayout<UInt64>.size
            handler?()
            return signalled
        }

        func fireTimeout(_ index: Int) {
            let handler = state.withLock { $0.timeouts[index].handler }
            handler()
        }
    }

    private final class PendingWait: Sendable {
        let finished = Atomic<Bool>(false)
        var isFinished: Bool { finished.load(ordering: .acquiring) }

        init(_ waiter: CaptureWaiter, minimum: Int, timeout: Duration) {
            Task { [self] in
                await waiter.wait(minimum: minimum, timeout: timeout)
                self.finished.store(true, ordering: .releasing)
            }
        }
    }

    private func deliver(_ samples: Int, to ring: AudioRingBuffer, waiter: CaptureWaiter) {
        let silence = [Int16](repeating: 0, count: samples)
        _ = silence.withUnsafeBufferPointer { ring.write($0) }
        waiter.captureDelivered()
    }

    private func drivenWaiter() -> (AudioRingBuffer, CaptureWaiter, ManualDriver) {
        let ring = AudioRingBuffer(minimumCapacity: 48_000)
        let waiter = CaptureWaiter(ring: ring)
        let driver = ManualDriver()
        waiter.drive(by: driver)
        waiter.start()
        return (ring, waiter, driver)
    }

    @Test func theCaptureSignalEndsTheWaitOnTheDriver() async throws {
        let (ring, waiter, driver) = drivenWaiter()
        defer { waiter.stop() }
        #expect(driver.isWatching)
        let wait = PendingWait(waiter, minimum: 2_400, timeout: .seconds(600))
        #expect(await waitUntil(timeout: 30) { driver.timeoutCount == 1 })
        deliver(1_200, to: ring, waiter: waiter)
        // Half a chunk: no signal, and a readiness the loop reports anyway does not end the wait.
        #expect(!driver.fireReadable())
        #expect(!wait.isFinished)
        deliver(1_200, to: ring, waiter: waiter)
        #expect(driver.fireReadable())
        #expect(await waitUntil(timeout: 30) { wait.isFinished })
    }

    @Test func aTimerThatFiresBeforeTheDeadlineRearmsForIt() async throws {
        let (_, waiter, driver) = drivenWaiter()
        defer { waiter.stop() }
        let wait = PendingWait(waiter, minimum: 2_400, timeout: .seconds(600))
        #expect(await waitUntil(timeout: 30) { driver.timeoutCount == 1 })
        driver.fireTimeout(0)
        #expect(!wait.isFinished)
        #expect(driver.timeoutCount == 2)
        waiter.nudge()
        driver.fireReadable()
        #expect(await waitUntil(timeout: 30) { wait.isFinished })
    }

    @Test func aDueWaitEndsOnTheTimer() async throws {
        let (_, waiter, driver) = drivenWaiter()
        defer { waiter.stop() }
        let start = ContinuousClock.now
        let wait = PendingWait(waiter, minimum: 2_400, timeout: .milliseconds(20))
        #expect(await waitUntil(timeout: 30) { driver.timeoutCount == 1 && start.duration(to: .now) > .milliseconds(25) })
        driver.fireTimeout(0)
        #expect(await waitUntil(timeout: 30) { wait.isFinished })
    }

    @Test func aLaterDeadlineReusesThePendingTimer() async throws {
        let (ring, waiter, driver) = drivenWaiter()
        defer { waiter.stop() }
        for chunk in 0..<3 {
            ring.discardAll()
            let wait = PendingWait(waiter, minimum: 2_400, timeout: .seconds(600))
            #expect(await waitUntil(timeout: 30) { driver.timeoutCount == 1 && !wait.isFinished })
            deliver(2_400, to: ring, waiter: waiter)
            driver.fireReadable()
            #expect(await waitUntil(timeout: 30) { wait.isFinished }, "chunk \(chunk) never ended")
        }
        // Only the first wait set a timer: the later ones' deadlines are no earlier than it.
        #expect(driver.timeoutCount == 1)
    }

    @Test func aNudgeEndsTheWaitThroughTheDriver() async throws {
        let (_, waiter, driver) = drivenWaiter()
        defer { waiter.stop() }
        let nudged = PendingWait(waiter, minimum: 4_000, timeout: .seconds(600))
        #expect(await waitUntil(timeout: 30) { driver.timeoutCount == 1 })
        waiter.nudge()
        #expect(driver.fireReadable())
        #expect(await waitUntil(timeout: 30) { nudged.isFinished })
    }

    @Test func stoppingEndsThePendingWaitAndReleasesTheWatchOnce() async throws {
        let (_, waiter, driver) = drivenWaiter()
        let pending = PendingWait(waiter, minimum: 4_000, timeout: .seconds(600))
        #expect(await waitUntil(timeout: 30) { driver.timeoutCount == 1 })
        waiter.stop()
        waiter.stop()
        #expect(await waitUntil(timeout: 30) { pending.isFinished })
        #expect(driver.stopCount == 1)
    }
}

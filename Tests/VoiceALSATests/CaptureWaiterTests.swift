import Synchronization
import Testing
import VoiceDSP

@testable import VoiceALSA

/// The capture waiter on its own (issue 9): a wait ends when the capture thread reports enough audio,
/// re-arming for the next chunk costs the waiter thread no extra wake-up, and a wait with an earlier
/// deadline than the thread sleeps to still ends on time.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CaptureWaiterTests {
    /// One `wait` running in a task, and whether it has returned.
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

    /// What the capture thread does per period: write into the ring, then tell the waiter.
    private func deliver(_ samples: Int, to ring: AudioRingBuffer, waiter: CaptureWaiter) {
        let silence = [Int16](repeating: 0, count: samples)
        _ = silence.withUnsafeBufferPointer { ring.write($0) }
        waiter.captureDelivered()
    }

    /// Delivers periods until `wait` returns; false if it did not within `limit` periods.
    private func deliverUntilFinished(
        _ wait: PendingWait, ring: AudioRingBuffer, waiter: CaptureWaiter, limit: Int = 5_000
    ) async throws -> Bool {
        for _ in 0..<limit {
            if wait.isFinished { return true }
            if ring.availableToRead < 2_400 { deliver(480, to: ring, waiter: waiter) }
            try await Task.sleep(for: .milliseconds(2))
        }
        return wait.isFinished
    }

    @Test func eachChunkCostsOneSignalOnceTheWaitsRepeat() async throws {
        let ring = AudioRingBuffer(minimumCapacity: 48_000)
        let waiter = CaptureWaiter(ring: ring)
        waiter.start()
        defer { waiter.stop() }
        let chunks = 8
        var signalsAfterFirst = 0
        for chunk in 0..<chunks {
            ring.discardAll()
            // A minute's timeout: only the delivery can end this wait in time.
            let wait = PendingWait(waiter, minimum: 2_400, timeout: .seconds(60))
            #expect(try await deliverUntilFinished(wait, ring: ring, waiter: waiter), "chunk \(chunk) never ended")
            #expect(ring.availableToRead >= 2_400)
            if chunk == 0 { signalsAfterFirst = waiter.signal.signalsSent.load(ordering: .relaxed) }
        }
        // From the second chunk on, the thread already sleeps past each new deadline: the capture
        // side's signal is the only one per chunk (the waiter used to signal to re-arm as well).
        let later = waiter.signal.signalsSent.load(ordering: .relaxed) - signalsAfterFirst
        // (A chunk complete before its wait began costs none.)
        #expect(later <= chunks - 1, "\(later) signals for \(chunks - 1) chunks")
        #expect(later >= 1)
    }

    @Test func anEarlierDeadlineWakesTheSleepingThread() async throws {
        let ring = AudioRingBuffer(minimumCapacity: 4_800)
        let waiter = CaptureWaiter(ring: ring)
        waiter.start()
        defer { waiter.stop() }
        // A wait with a long timeout, ended by audio: the thread then sleeps that long again.
        let first = PendingWait(waiter, minimum: 480, timeout: .seconds(600))
        #expect(try await deliverUntilFinished(first, ring: ring, waiter: waiter))
        // A wait no audio ends: only its own 20 ms deadline can, so the sleeping thread must be woken.
        ring.discardAll()
        let short = PendingWait(waiter, minimum: 4_000, timeout: .milliseconds(20))
        #expect(await waitUntil { short.isFinished })
    }

    @Test func aNudgeEndsTheWait() async throws {
        let ring = AudioRingBuffer(minimumCapacity: 4_800)
        let waiter = CaptureWaiter(ring: ring)
        waiter.start()
        defer { waiter.stop() }
        let nudged = PendingWait(waiter, minimum: 4_000, timeout: .seconds(600))
        waiter.nudge()
        #expect(await waitUntil { nudged.isFinished })
    }
}

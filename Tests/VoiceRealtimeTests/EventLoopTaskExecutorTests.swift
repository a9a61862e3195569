import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import VoiceRealtime

/// Issue 9: the event loop's own timer for the daemon's audio loop while a turn streams
/// (`EventLoopTaskExecutor.sleep`). On a testing loop whose clock only the test moves: the sleep ends when
/// the loop's clock reaches the deadline, not before, resumes the task on the loop, and a cancelled sleep
/// ends without the clock moving.
@Suite(.timeLimit(.minutes(1)))
struct EventLoopTaskExecutorTests {
    @Test func theSleepEndsWhenTheLoopsClockReachesTheDeadline() async {
        let loop = NIOAsyncTestingEventLoop()
        let executor = EventLoopTaskExecutor(eventLoop: loop)
        let ended = Atomic<Bool>(false)
        let sleeper = Task(executorPreference: executor) {
            await executor.sleep(untilUptimeNanoseconds: 100_000_000)
            ended.store(true, ordering: .releasing)
            return loop.inEventLoop
        }
        // Just short of the deadline (whether or not the timer is armed yet): it must not end.
        await loop.advanceTime(to: .uptimeNanoseconds(99_999_999))
        let endedEarly = ended.load(ordering: .acquiring)
        #expect(!endedEarly)
        // At the deadline; again until the sleeper has armed its timer (a timer armed late, with its
        // deadline already reached, fires on the next run of the loop).
        for _ in 0..<10_000 where !ended.load(ordering: .acquiring) {
            await loop.advanceTime(to: .uptimeNanoseconds(100_000_000))
            await Task.yield()
        }
        #expect(await sleeper.value, "resumed on the event loop")
        let endedAtTheDeadline = ended.load(ordering: .acquiring)
        #expect(endedAtTheDeadline)
        await loop.shutdownGracefully()
    }

    @Test func aCancelledSleepEndsWithoutTheClockMoving() async {
        let loop = NIOAsyncTestingEventLoop()
        let executor = EventLoopTaskExecutor(eventLoop: loop)
        let sleeper = Task(executorPreference: executor) {
            await executor.sleep(untilUptimeNanoseconds: 3_600_000_000_000)
        }
        sleeper.cancel()
        await sleeper.value
        // Cancelled before the sleep began too: it ends at once.
        let early = Task(executorPreference: executor) {
            withUnsafeCurrentTask { $0?.cancel() }
            await executor.sleep(untilUptimeNanoseconds: 3_600_000_000_000)
        }
        await early.value
        await loop.shutdownGracefully()
    }
}

import NIOCore
import Synchronization

/// Runs Swift tasks (and the default actors they call) on one NIO event loop: the executor preference
/// (`withTaskExecutorPreference`) of the session's loop and of the daemon's audio loop.
///
/// Why: while a turn streams, every 100 ms chunk passed from the audio loop to the session's loop and
/// then to the socket's event loop, each hand-off waking another thread (a pool worker, then the event
/// loop). On the event loop, the session's loop resumes on the thread that is already running (a job
/// enqueued from the loop itself costs no wake-up) and writes its frame without a further hop.
public final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Suspends the calling task until `deadline` (nanoseconds of `CLOCK_MONOTONIC`, NIO's uptime
    /// clock) by a timer of the event loop itself: the loop wakes once, no other thread is involved,
    /// and a task preferring this executor resumes right there. Ends early when the task is cancelled
    /// or the loop shuts down. (`Task.sleep` would wake a thread of the global executor's timer first.)
    public func sleep(untilUptimeNanoseconds deadline: UInt64) async {
        let timer = Mutex<TimerState>(.waiting)
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let scheduled = eventLoop.scheduleTask(deadline: .uptimeNanoseconds(deadline)) {}
                // Fired or cancelled (by `onCancel`, or by the loop's shutdown): resume either way.
                scheduled.futureResult.whenComplete { _ in continuation.resume() }
                let cancelled = timer.withLock { state in
                    guard case .waiting = state else { return true }
                    state = .scheduled(scheduled)
                    return false
                }
                if cancelled { scheduled.cancel() }
            }
        } onCancel: {
            let scheduled = timer.withLock { state -> Scheduled<Void>? in
                defer { state = .cancelled }
                guard case .scheduled(let scheduled) = state else { return nil }
                return scheduled
            }
            scheduled?.cancel()
        }
    }

    private enum TimerState: Sendable {
        case waiting
        case scheduled(Scheduled<Void>)
        case cancelled
    }
}

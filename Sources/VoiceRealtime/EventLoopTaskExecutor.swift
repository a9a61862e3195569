import NIOCore

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
}

/// Waits until `task` has finished, at most `timeout`; true when it finished in time.
///
/// Unlike `await task.value`, this never hangs: a task that ignores its cancellation (a server that
/// does not stop, say) makes the test fail with a message instead of blocking the whole run, and the
/// wait also ends when the waiting test itself is cancelled (for example by its `.timeLimit`). A task
/// that never finishes keeps one small watcher task parked on it; the test has failed by then.
public func waitForCompletion<Success: Sendable, Failure: Error>(
    of task: Task<Success, Failure>,
    timeout: Duration
) async -> Bool {
    let (outcomes, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingOldest(1))
    Task {
        _ = await task.result
        continuation.yield(true)
    }
    let timer = Task {
        try? await Task.sleep(for: timeout)
        continuation.yield(false)
    }
    var finished = false
    for await outcome in outcomes {
        finished = outcome
        break
    }
    timer.cancel()
    continuation.finish()
    return finished
}

/// One event for a ``runDeadlineLoop(clock:inputs:firstDeadline:handle:)`` handler.
enum DeadlineLoopEvent<Input: Sendable>: Sendable {
    case input(Input)
    /// The deadline the handler last asked for has passed (or a superseded timer fired late:
    /// handlers must treat a deadline event as "check the time", not as a promise).
    case deadline
}

/// Feeds `handle` every input and a `.deadline` event when the deadline it returned passes, until
/// `inputs` finishes or the task is cancelled. The handler returns the next deadline (nil: none).
///
/// This is how the button and LED services wait for "an edge or a timer, whichever comes first"
/// without polling: one child task forwards inputs, one sleeping task per armed deadline.
func runDeadlineLoop<C: Clock, Input: Sendable>(
    clock: C,
    inputs: AsyncStream<Input>,
    firstDeadline: C.Instant?,
    handle: (DeadlineLoopEvent<Input>) async -> C.Instant?
) async {
    let (events, sink) = AsyncStream.makeStream(of: DeadlineLoopEvent<Input>.self)
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            for await input in inputs { sink.yield(.input(input)) }
            sink.finish()
        }
        var armed: C.Instant?
        var timer: Task<Void, Never>?
        func arm(_ deadline: C.Instant?) {
            guard deadline != armed else { return }
            timer?.cancel()
            armed = deadline
            timer = deadline.map { deadline in
                Task {
                    do {
                        try await clock.sleep(until: deadline, tolerance: nil)
                        sink.yield(.deadline)
                    } catch {
                        // Cancelled: a newer deadline replaced this one.
                    }
                }
            }
        }
        arm(firstDeadline)
        for await event in events {
            if case .deadline = event { armed = nil }
            arm(await handle(event))
        }
        timer?.cancel()
        group.cancelAll()
    }
}

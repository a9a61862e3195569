import Logging
import VoiceProtocol

/// What the dispatcher needs from the realtime session (`RealtimeSession` in the daemon, a fake in tests).
public protocol ToolCallLink: Sendable {
    /// `conversation.item.create{function_call_output}`.
    func sendToolOutput(callID: String, output: String) async
    /// The one `response.create` after every call of a response is answered.
    func requestToolFollowUp() async
}

/// One finished tool call, for the log and the daemon's event stream.
public struct ToolCallRecord: Sendable, Equatable {
    public var name: String
    public var callID: String
    public var responseID: String
    public var duration: Duration
    /// Nil when the call succeeded.
    public var failure: String?

    public init(name: String, callID: String, responseID: String, duration: Duration, failure: String?) {
        self.name = name
        self.callID = callID
        self.responseID = responseID
        self.duration = duration
        self.failure = failure
    }

    public var milliseconds: Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Runs the function calls the model makes and answers them (reference §3.3 D).
///
/// - Each `response.function_call_arguments.done` starts its call at once (calls of one response run in
///   parallel); a call ID seen before is never run again (the service may repeat function-call items).
/// - Each result goes back with `sendToolOutput` as soon as it is ready.
/// - Once the response is `done` and all its calls are answered, exactly one `requestToolFollowUp()` is
///   sent, after `waitForPlaybackIdle` (audio the model spoke before calling must finish first). None is
///   sent when the response did not complete (cancelled by a barge-in) or when a call ended the reply
///   (`stop`).
/// - After the connection is lost, calls still running are finished but their outputs are dropped: the
///   call IDs belong to the old conversation.
public actor ToolCallDispatcher {
    private struct PendingResponse {
        var calls: Set<String> = []
        var answered: Set<String> = []
        var completed: Bool?
        var endsTheReply = false
        var generation: Int
    }

    private let registry: ToolRegistry
    private let link: any ToolCallLink
    private let logger: Logger
    private let waitForPlaybackIdle: @Sendable () async -> Void
    private let onCall: @Sendable (ToolCallRecord) -> Void
    private var responses: [String: PendingResponse] = [:]
    private var seenCallIDs: Set<String> = []
    private var seenOrder: [String] = []
    /// Bumped when the connection is lost; outputs of an older generation are dropped.
    private var generation = 0
    /// The calls and follow-ups under way, by token; each removes itself when it ends (the daemon runs for
    /// months: one handle kept per call would grow without end).
    private var running: [Int: Task<Void, Never>] = [:]
    private var nextRunningToken = 0

    /// Call IDs remembered for duplicate detection.
    static let rememberedCallIDs = 512

    public init(
        registry: ToolRegistry,
        link: any ToolCallLink,
        logger: Logger,
        waitForPlaybackIdle: @escaping @Sendable () async -> Void = {},
        onCall: @escaping @Sendable (ToolCallRecord) -> Void = { _ in }
    ) {
        self.registry = registry
        self.link = link
        self.logger = logger
        self.waitForPlaybackIdle = waitForPlaybackIdle
        self.onCall = onCall
    }

    /// Feed every server event of the session here, in order. Returns without waiting for tools to run.
    public func handle(_ event: ServerEvent) async {
        switch event {
        case .responseFunctionCallArgumentsDone(let call):
            start(call)
        case .responseDone(let info):
            guard var pending = responses[info.id] else { return }
            pending.completed = info.status.rawValue == "completed"
            responses[info.id] = pending
            // Not awaited here: the follow-up waits for the reply's spoken part to play, and the daemon passes
            // this very event to its coordinator only after `handle` returns; without it the coordinator never
            // finishes the reply, and the wait ran into its time limit with every later event held back.
            let responseID = info.id
            track { await self.followUpIfAnswered(responseID) }
        default:
            break
        }
    }

    /// The connection ended: forget the open responses.
    public func connectionLost() {
        if !responses.isEmpty {
            logger.info("tool calls of \(responses.count) response(s) abandoned: the realtime connection ended")
        }
        responses.removeAll()
        generation += 1
    }

    /// Waits until every call started so far has finished (tests, and shutdown).
    public func waitForRunningCalls() async {
        while let (token, task) = running.first {
            await task.value
            running[token] = nil
        }
    }

    private func start(_ call: FunctionCallArgumentsDone) {
        guard seenCallIDs.insert(call.callID).inserted else {
            logger.debug("tool call \(call.callID) (\(call.name)) repeated by the service; not run again")
            return
        }
        seenOrder.append(call.callID)
        if seenOrder.count > Self.rememberedCallIDs { seenCallIDs.remove(seenOrder.removeFirst()) }
        responses[call.responseID, default: PendingResponse(generation: generation)].calls.insert(call.callID)
        logger.info("tool call \(call.name) (\(call.callID)) started")
        logger.debug("tool call \(call.callID) arguments: \(call.arguments)")
        let registry = registry
        let started = ContinuousClock.now
        track {
            let result = await registry.call(name: call.name, arguments: call.arguments)
            await self.finish(call, result: result, duration: ContinuousClock.now - started)
        }
    }

    /// Runs `work` in a task of its own that `waitForRunningCalls` can wait for and that forgets itself at its end.
    private func track(_ work: @escaping @Sendable () async -> Void) {
        let token = nextRunningToken
        nextRunningToken += 1
        // The task's last step needs this actor, so it runs after the handle is stored here.
        running[token] = Task {
            await work()
            self.forgetRunning(token)
        }
    }

    private func forgetRunning(_ token: Int) { running[token] = nil }

    /// How many calls and follow-ups are under way (tests).
    var runningCount: Int { running.count }

    private func finish(_ call: FunctionCallArgumentsDone, result: ToolResult, duration: Duration) async {
        let record = ToolCallRecord(
            name: call.name, callID: call.callID, responseID: call.responseID, duration: duration,
            failure: result.failure
        )
        if let failure = result.failure {
            logger.warning("tool call \(call.name) (\(call.callID)) failed in \(record.milliseconds) ms: \(failure)")
        } else {
            logger.info("tool call \(call.name) (\(call.callID)) succeeded in \(record.milliseconds) ms")
        }
        logger.debug("tool call \(call.callID) output: \(result.output)")
        onCall(record)
        guard let pending = responses[call.responseID], pending.generation == generation else {
            logger.info("tool call \(call.callID) answered after its connection ended; output dropped")
            return
        }
        await link.sendToolOutput(callID: call.callID, output: result.output)
        guard var current = responses[call.responseID], current.generation == pending.generation else { return }
        current.answered.insert(call.callID)
        current.endsTheReply = current.endsTheReply || result.endsTheReply
        responses[call.responseID] = current
        await followUpIfAnswered(call.responseID)
    }

    private func followUpIfAnswered(_ responseID: String) async {
        guard let pending = responses[responseID], let completed = pending.completed, pending.answered == pending.calls
        else { return }
        // Removed before any await, so a second path here cannot send a second response.create.
        responses[responseID] = nil
        if !completed {
            logger.info("response \(responseID) did not complete; its tool results get no follow-up reply")
            return
        }
        if pending.endsTheReply {
            logger.info("response \(responseID): a tool ended the reply; no follow-up")
            return
        }
        await waitForPlaybackIdle()
        guard generation == pending.generation else { return }
        await link.requestToolFollowUp()
    }
}

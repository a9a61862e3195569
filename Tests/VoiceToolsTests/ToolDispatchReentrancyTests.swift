import Logging
import Synchronization
import VoiceCore
import Testing
import VoiceProtocol
import VoiceTestSupport
@testable import VoiceTools

/// The dispatcher sits in the daemon's event path: every session event passes through `handle` before the
/// coordinator sees it, so `handle` must never wait for the coordinator.
@Suite(.timeLimit(.minutes(2))) struct ToolDispatchReentrancyTests {
    /// A reply that spoke before its function calls (audio, then calls answered at once, then `response.done`):
    /// the follow-up waits until the spoken part has played, and the coordinator learns that the reply is done
    /// (and so stops speaking once its audio drained) only from that very `response.done`, queued behind
    /// `handle`. When `handle` waited for the playback itself, the daemon stayed "speaking", with every later
    /// session event held back, until the wait's 30 s limit.
    @Test func responseDoneReturnsWhileTheFollowUpWaitsForPlayback() async throws {
        let link = RecordingToolLink()
        let playback = PlaybackGate()
        let dispatcher = ToolCallDispatcher(
            registry: ToolRegistry(settings: ToolSettings(), device: FakeDevice()), link: link,
            logger: Logger(label: "test"), waitForPlaybackIdle: { await playback.waitUntilIdle() })
        let mute = FunctionCallArgumentsDone(
            responseID: "r1", itemID: "i1", callID: "c1", name: "mute", arguments: "{}")
        await dispatcher.handle(.responseFunctionCallArgumentsDone(mute))
        await dispatcher.waitForRunningCalls()
        let done = Task { await dispatcher.handle(.responseDone(ResponseInfo(id: "r1", status: .completed))) }
        #expect(await waitForCompletion(of: done, timeout: mustHappenWithin), "handle waited for the playback")
        #expect(link.followUps == 0, "no follow-up while the spoken part still plays")
        playback.becomeIdle()
        await dispatcher.waitForRunningCalls()
        #expect(link.followUps == 1)
    }

    /// The daemon runs for months and the model calls tools every day: a finished call or follow-up must not leave
    /// its task handle behind (the dispatcher kept every one until `waitForRunningCalls`, which the daemon never
    /// calls while it runs).
    @Test func finishedCallsAndFollowUpsForgetTheirTasks() async throws {
        let link = RecordingToolLink()
        let dispatcher = ToolCallDispatcher(
            registry: ToolRegistry(settings: ToolSettings(), device: FakeDevice()), link: link,
            logger: Logger(label: "test"))
        for round in 1...5 {
            let call = FunctionCallArgumentsDone(
                responseID: "r\(round)", itemID: "i\(round)", callID: "c\(round)", name: "mute", arguments: "{}")
            await dispatcher.handle(.responseFunctionCallArgumentsDone(call))
            await dispatcher.handle(.responseDone(ResponseInfo(id: "r\(round)", status: .completed)))
            try await waitUntil("the follow-up of round \(round)") { link.followUps == round }
        }
        try await waitUntil("the finished tasks to be forgotten") { await dispatcher.runningCount == 0 }
        #expect(link.outputs.count == 5)
    }
}

/// The coordinator's "not speaking any more", opened by the test.
final class PlaybackGate: Sendable {
    private let state = Mutex<(idle: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                if !state.idle { state.waiters.append(continuation) }
                return state.idle
            }
            if idle { continuation.resume() }
        }
    }

    func becomeIdle() {
        let waiters = state.withLock { state in
            state.idle = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

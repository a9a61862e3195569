import Logging
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// A link whose `cancelResponse` waits until the test opens it, so the test can call the coordinator while
/// the audio tick is suspended in the middle of a barge-in's actions (actor reentrancy).
final class CancelGatedLink: RealtimeLink, Sendable {
    let recorder = LinkRecorder()
    private let gate = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    private let entered: AsyncStream<Void>
    private let enteredContinuation: AsyncStream<Void>.Continuation

    init() { (entered, enteredContinuation) = AsyncStream.makeStream() }

    /// Returns once a `cancelResponse` call is waiting at the gate.
    func waitUntilCancelIsHeld() async {
        var iterator = entered.makeAsyncIterator()
        _ = await iterator.next()
    }

    func open() {
        let waiter = gate.withLock { state -> CheckedContinuation<Void, Never>? in
            state.open = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func cancelResponse() async {
        recorder.record(.cancelResponse)
        await withCheckedContinuation { continuation in
            let isOpen = gate.withLock { state -> Bool in
                if !state.open { state.waiter = continuation }
                return state.open
            }
            enteredContinuation.yield()
            if isOpen { continuation.resume() }
        }
    }

    func appendAudio(_ samples: [Int16]) { recorder.recordAudio(samples) }
    func commitInput() async { recorder.record(.commit) }
    func clearInput() async { recorder.record(.clear) }
    func requestResponse() async { recorder.record(.createResponse) }
    func truncate(itemID: String, audioEndMilliseconds: Int) async {
        recorder.record(.truncate(itemID: itemID, milliseconds: audioEndMilliseconds))
    }
    func sendText(_ text: String) async { recorder.record(.sendText(text)) }
    func changeVoice(_ voice: String) async { recorder.record(.changeVoice(voice)) }
    func reconnect() async { recorder.record(.reconnect) }
    func connectionStatus() async -> ConnectionStatus { ConnectionStatus() }
}

@Suite(.timeLimit(.minutes(5))) struct DaemonCoordinatorReentrancyTests: SessionRateTones {
    let rate = 24_000
    let engine = MemoryAudioEngine(sessionRate: 24_000)
    let link = CancelGatedLink()
    let time = TestTime()

    func makeCoordinator() -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(),
            engine: engine,
            link: link,
            detector: ThresholdDetector(),
            status: StatusBox(),
            events: EventHub<ControlEvent>(),
            now: { [time] in time.now },
            renderEarcon: { _, rate in [Int16](repeating: 1000, count: rate / 20) },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// One 20 ms tick of the daemon's audio loop.
    func tick(_ samples: [Int16], _ coordinator: DaemonCoordinator) async {
        engine.hear(samples)
        time.advance(.milliseconds(20))
        await coordinator.audioTick()
    }

    /// A barge-in's `response.cancel` is awaited inside the frame loop; a control cancel and a press that run
    /// meanwhile empty the pending capture for the new turn. The loop used to write its stale offset back
    /// (a negative sample count), and the next tick trapped slicing the capture buffer.
    @Test func aPressWhileABargeInIsBeingSentStartsACleanTurn() async {
        let coordinator = makeCoordinator()
        await coordinator.say("tell me a story")
        await coordinator.handle(.responseCreated(responseID: "resp_1"))
        await coordinator.handle(
            .replyAudio(responseID: "resp_1", itemID: "msg_1", samples: tone(milliseconds: 3000, amplitude: 2000)))
        for _ in 0..<20 { await tick([Int16](repeating: 0, count: rate / 50), coordinator) }
        #expect(await coordinator.state == .speaking)

        // 60 ms of loud speech arrive in one tick: the first frame barges in, the others are still pending
        // when the cancel is awaited.
        let bargeIn = Task { await tick(tone(milliseconds: 60, amplitude: 12000), coordinator) }
        await link.waitUntilCancelIsHeld()
        await coordinator.cancel()
        await coordinator.press()
        #expect(await coordinator.state == .listening)
        link.open()
        await bargeIn.value

        // The new turn hears a question and a second of silence, and ends as any turn does.
        let question = tone(milliseconds: 600) + [Int16](repeating: 0, count: rate)
        for start in stride(from: 0, to: question.count, by: rate / 50) {
            await tick(Array(question[start..<min(start + rate / 50, question.count)]), coordinator)
        }
        #expect(await coordinator.state == .thinking)
        #expect(link.recorder.controlCalls.filter { $0 == .commit }.count == 1)
    }
}

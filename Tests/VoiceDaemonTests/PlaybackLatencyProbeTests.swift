import Foundation
import Logging
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// The reply-side latency probes (`receive_to_write_ms`, `prebuffer_wait_ms`, `playable_to_write_ms`,
/// `receive_to_playback_ms`) through the real coordinator: the memory engine stamps the pre-buffer
/// release and the write on the test's clock, as the ALSA engine does on the monotonic clock.
@Suite(.timeLimit(.minutes(2))) struct PlaybackLatencyProbeTests {
    let rate = 24_000
    let time = TestTime()
    let link = LinkRecorder()
    let status = StatusBox()
    /// 60 ms of pre-buffer, the default `audio.playback_prebuffer_ms`.
    var prebufferFrames: Int { rate * 60 / 1000 }

    func makeEngine() -> MemoryAudioEngine {
        MemoryAudioEngine(sessionRate: rate, prebufferFrames: prebufferFrames, watchClock: { [time] in time.now })
    }

    func makeCoordinator(engine: MemoryAudioEngine) -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(), engine: engine, link: link, detector: ThresholdDetector(), status: status,
            events: EventHub<ControlEvent>(), now: { [time] in time.now },
            renderEarcon: { _, _ in [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    func reply(milliseconds: Int) -> [Int16] { [Int16](repeating: 3000, count: rate * milliseconds / 1000) }

    /// A turn spoken and committed: the coordinator is waiting for the reply.
    func askQuestion(_ coordinator: DaemonCoordinator, engine: MemoryAudioEngine) async {
        await coordinator.holdStarted()
        engine.hear([Int16](repeating: 8000, count: rate / 2))
        await coordinator.audioTick()
        await coordinator.release()
        await coordinator.handle(.responseCreated(responseID: "resp_1"))
    }

    @Test func receivedToWrittenIsSplitAtThePrebuffer() async throws {
        let engine = makeEngine()
        let coordinator = makeCoordinator(engine: engine)
        await askQuestion(coordinator, engine: engine)
        #expect(await coordinator.state == .thinking)

        // The first delta is shorter than the pre-buffer: not playable yet.
        let firstDelta = reply(milliseconds: 40)
        #expect(firstDelta.count < prebufferFrames)
        await coordinator.handle(.replyAudio(responseID: "resp_1", itemID: "msg_1", samples: firstDelta))
        let waited = Duration.milliseconds(15)
        time.advance(waited)
        // The second fills the pre-buffer: playable now.
        await coordinator.handle(.replyAudio(responseID: "resp_1", itemID: "msg_1", samples: reply(milliseconds: 40)))
        let processing = Duration.milliseconds(6)
        time.advance(processing)
        engine.playOut(frames: rate / 50)  // the speaker's next period writes it
        await coordinator.audioTick()

        let latency = status.snapshot().latency
        let total = DaemonCoordinator.milliseconds(waited + processing)
        #expect(latency.receiveToWriteMs == total)
        #expect(latency.prebufferWaitMs == DaemonCoordinator.milliseconds(waited))
        #expect(latency.playableToWriteMs == DaemonCoordinator.milliseconds(processing))
        // Played: the memory engine has no output delay, so it is heard when written.
        #expect(latency.receiveToPlaybackMs == total)
    }

    @Test func aDeltaAsLongAsThePrebufferWaitsForNothing() async throws {
        let engine = makeEngine()
        let coordinator = makeCoordinator(engine: engine)
        await askQuestion(coordinator, engine: engine)
        await coordinator.handle(.replyAudio(responseID: "resp_1", itemID: "msg_1", samples: reply(milliseconds: 100)))
        let processing = Duration.milliseconds(11)
        time.advance(processing)
        engine.playOut(frames: rate / 50)
        await coordinator.audioTick()

        let latency = status.snapshot().latency
        #expect(latency.prebufferWaitMs == 0)
        #expect(latency.playableToWriteMs == DaemonCoordinator.milliseconds(processing))
        #expect(latency.receiveToWriteMs == DaemonCoordinator.milliseconds(processing))
    }

    @Test func aReplyFlushedBeforeItWasWrittenLeavesNoFigure() async throws {
        let engine = makeEngine()
        let coordinator = makeCoordinator(engine: engine)
        await askQuestion(coordinator, engine: engine)
        await coordinator.handle(.replyAudio(responseID: "resp_1", itemID: "msg_1", samples: reply(milliseconds: 100)))
        #expect(await coordinator.state == .speaking)
        await coordinator.cancel()  // flushes playback before the speaker took any of it
        time.advance(.milliseconds(30))
        engine.playOut(frames: rate / 50)
        await coordinator.audioTick()

        #expect(engine.flushCount >= 1)
        let latency = status.snapshot().latency
        #expect(latency.receiveToWriteMs == nil)
        #expect(latency.prebufferWaitMs == nil)
    }

    @Test func theNewFiguresAreInTheStatusJSON() throws {
        var latency = LatencyStatus()
        latency.receiveToWriteMs = 21
        latency.prebufferWaitMs = 15
        latency.playableToWriteMs = 6
        latency.receiveToPlaybackMs = 30
        let data = try JSONEncoder().encode(latency)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Double])
        #expect(object["receive_to_write_ms"] == 21)
        #expect(object["prebuffer_wait_ms"] == 15)
        #expect(object["playable_to_write_ms"] == 6)
        #expect(object["receive_to_playback_ms"] == 30)
        #expect(try JSONDecoder().decode(LatencyStatus.self, from: data) == latency)
    }
}

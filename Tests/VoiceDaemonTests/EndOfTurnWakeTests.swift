import Logging
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceDaemon

/// While a turn is spoken the audio loop looks at the microphone once per 100 ms chunk; the end of the
/// turn is looked for at the frame that would end it, and the latency probe counts from when that frame
/// was heard.
@Suite(.timeLimit(.minutes(2))) struct EndOfTurnWakeTests: CoordinatorTicking {
    let rate = 24_000
    let time = TestTime()
    let link = LinkRecorder()
    let status = StatusBox()

    func makeCoordinator(engine: MemoryAudioEngine, silentFramesToEnd: Int) -> DaemonCoordinator {
        var detector = ThresholdDetector()
        detector.silentFramesToEnd = silentFramesToEnd
        return DaemonCoordinator(
            settings: .init(), engine: engine, link: link,
            detector: detector, status: status,
            events: EventHub<ControlEvent>(), now: { [time] in time.now },
            renderEarcon: { _, _ in [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    func silence(milliseconds: Int) -> [Int16] { [Int16](repeating: 0, count: rate * milliseconds / 1000) }

    /// The reply's first audio arrives and is played `delay` later; returns the probes then.
    func playFirstReplyAudio(
        after delay: Duration, on engine: MemoryAudioEngine, through coordinator: DaemonCoordinator
    ) async -> LatencyStatus {
        await coordinator.handle(.responseCreated(responseID: "resp_1"))
        await coordinator.handle(
            .replyAudio(responseID: "resp_1", itemID: "msg_1", samples: [Int16](repeating: 3000, count: rate / 10)))
        time.advance(delay)
        engine.playOut(frames: rate / 50)
        await coordinator.audioTick()
        return status.snapshot().latency
    }

    @Test func theLoopWakesForTheFrameThatWouldEndTheTurn() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        // The turn ends on its 33rd silent frame: 330 ms after the speech, which is not a chunk boundary.
        let coordinator = makeCoordinator(engine: engine, silentFramesToEnd: 33)
        let frame = rate / 100
        let chunk = rate / 10
        await coordinator.press()
        await hear(tone(milliseconds: 200), on: engine, through: coordinator)
        #expect(await coordinator.nextWake.captureSamples == chunk, "speech: the end is further off than a chunk")
        await hear(silence(milliseconds: 200), on: engine, through: coordinator)
        #expect(await coordinator.nextWake.captureSamples == chunk, "130 ms of silence still to come")
        #expect(engine.captureLookPoint == engine.captureRing.readPosition + 13 * frame)
        await hear(silence(milliseconds: 100), on: engine, through: coordinator)
        let wake = await coordinator.nextWake
        #expect(wake.captureSamples == 3 * frame, "the turn would end 30 ms from now, before the next chunk")
        #expect(wake.state == .listening)

        // An engine that reads a chunk per wake-up is told a chunk ahead where that frame lies in the capture ring.
        #expect(engine.captureLookPoint == engine.captureRing.readPosition + 3 * frame)

        engine.hear(silence(milliseconds: 30))
        time.advance(.milliseconds(30))
        await coordinator.audioTick()
        #expect(await coordinator.state == .thinking, "the frame it woke for ended the turn")
        #expect(engine.captureLookPoint == nil)
        #expect(link.sentAudio.count == 530 * rate / 1000, "the turn's last partial chunk went up with it")
    }

    @Test func speechInTheLastFramesPutsTheWakeBackOnTheChunk() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine, silentFramesToEnd: 33)
        let chunk = rate / 10
        await coordinator.press()
        await hear(tone(milliseconds: 100) + silence(milliseconds: 300), on: engine, through: coordinator)
        #expect(await coordinator.nextWake.captureSamples == 3 * rate / 100)
        await hear(tone(milliseconds: 100), on: engine, through: coordinator)
        #expect(await coordinator.state == .listening)
        #expect(await coordinator.nextWake.captureSamples == chunk)
    }

    @Test func theEndOfSpeechProbeCountsFromWhenTheDecidingFrameWasHeard() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine, silentFramesToEnd: 30)
        await coordinator.press()
        await hear(tone(milliseconds: 200), on: engine, through: coordinator)
        // One late wake-up reads 350 ms at once: the 30th silent frame, which ends the turn, was heard
        // 50 ms before the loop looked at it.
        engine.hear(silence(milliseconds: 350))
        time.advance(.milliseconds(350))
        await coordinator.audioTick()
        #expect(await coordinator.state == .thinking)

        let latency = await playFirstReplyAudio(after: .milliseconds(10), on: engine, through: coordinator)
        #expect(latency.endOfSpeechToFirstAudioMs == 60, "50 ms until the loop looked, 10 ms until it played")
    }

    @Test func aHeldTurnIsCountedFromTheRelease() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine, silentFramesToEnd: 30)
        await coordinator.holdStarted()
        await hear(tone(milliseconds: 200), on: engine, through: coordinator)
        // The VAD hears the user stop 300 ms into this silence, but the button is still down: the turn goes on.
        await hear(silence(milliseconds: 900), on: engine, through: coordinator)
        #expect(await coordinator.state == .listening)
        await coordinator.release()
        #expect(await coordinator.state == .thinking)

        let latency = await playFirstReplyAudio(after: .milliseconds(10), on: engine, through: coordinator)
        #expect(
            latency.endOfSpeechToFirstAudioMs == 10,
            "the reply could not start before the release, 600 ms after the VAD heard the silence")
    }
}

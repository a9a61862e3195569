import Foundation
import Logging
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceDaemon

/// Remembers, per frame, the mic and reference samples the coordinator handed the detector.
final class FrameLog: Sendable {
    private let frames = Mutex<[(capture: [Int16], reference: [Int16])]>([])
    func append(_ capture: [Int16], _ reference: [Int16]) { frames.withLock { $0.append((capture, reference)) } }
    var references: [[Int16]] { frames.withLock { $0.map(\.reference) } }
    var captures: [[Int16]] { frames.withLock { $0.map(\.capture) } }
    var count: Int { frames.withLock { $0.count } }
}

/// `ThresholdDetector`, logging what it was given.
struct LoggingDetector: SpeechDetecting {
    let log: FrameLog
    var inner = ThresholdDetector()

    mutating func process(frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?) -> FrameDecision {
        log.append(Array(frame), reference.map { Array($0) } ?? [])
        return inner.process(frame: frame, reference: reference)
    }

    mutating func resetTurn() { inner.resetTurn() }
}

/// Issue 9: the idle daemon lets the engine pause the microphone and stop the speaker, runs its
/// audio loop per chunk rather than per timer tick, and keeps the echo reference aligned across the
/// gaps that leaves.
@Suite(.timeLimit(.minutes(2))) struct QuiescenceTests: CoordinatorTicking {
    let rate = 24_000
    let link = LinkRecorder()
    let status = StatusBox()
    let events = EventHub<ControlEvent>()
    let time = TestTime()

    func makeCoordinator(engine: MemoryAudioEngine, detector: any SpeechDetecting = ThresholdDetector())
        -> DaemonCoordinator
    {
        DaemonCoordinator(
            settings: .init(),
            engine: engine,
            link: link,
            detector: detector,
            status: status,
            events: events,
            now: { [time] in time.now },
            renderEarcon: { _, rate in [Int16](repeating: 1000, count: rate / 20) },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    @Test func theMicrophoneIsNeededOnlyOutsideIdle() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        #expect(engine.captureNeeded == false, "a daemon that starts idle releases the microphone")
        await coordinator.press()
        #expect(engine.captureNeeded)
        await coordinator.cancel()
        #expect(await coordinator.state == .idle)
        #expect(engine.captureNeeded == false)
        // A typed question leaves idle too: its reply can be interrupted, so the microphone is needed.
        await coordinator.say("what time is it")
        #expect(engine.captureNeeded)
        #expect(engine.captureNeededChanges == [false, true, false, true])
    }

    @Test func whatTheIdleMicrophoneHeardBeforeAPressIsNotSent() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        // Loud audio sits in the ring from before the press (a paused microphone's last period, or
        // an engine that never pauses).
        engine.hear(tone(milliseconds: 60, amplitude: 12000))
        await coordinator.press()
        await hear([Int16](repeating: 0, count: rate / 5), on: engine, through: coordinator)
        await coordinator.press()
        #expect(link.sentAudio.count >= rate / 10)
        #expect(link.sentAudio.allSatisfy { $0 == 0 }, "only audio heard after the press went up")
    }

    @Test func theWakePlanFollowsTheConversation() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        let frame = rate / 100
        let chunk = rate / 10
        let idle = await coordinator.audioTick()
        #expect(idle.captureSamples == 0, "idle needs no audio")
        #expect(idle.timeout == .seconds(1))
        await coordinator.press()
        #expect(await coordinator.nextWake.captureSamples == chunk, "a turn runs once per outgoing chunk")
        engine.hear([Int16](repeating: 0, count: 4 * frame))
        let partial = await coordinator.audioTick()
        #expect(partial.captureSamples == chunk - 4 * frame, "...the moment the rest of the chunk is captured")
        #expect(partial.state == .listening)
        engine.hear([Int16](repeating: 0, count: 6 * frame))
        await coordinator.audioTick()
        #expect(link.sentAudio.count == chunk)
        #expect(await coordinator.nextWake.captureSamples == chunk)
        // While a reply plays, every captured frame is checked for a barge-in at once.
        await coordinator.say("tell me a story")
        #expect(await coordinator.nextWake.captureSamples == frame)
        #expect(await coordinator.nextWake.state == .thinking)
    }

    /// A state changed from outside the audio loop (a press, a cancel) ends the loop's wait, which was planned for
    /// the old state: a release in the middle of a listening chunk would leave the reply's first frames unchecked
    /// for a barge-in until the rest of that chunk came. A change made by the tick itself does not: the wait the
    /// tick returns is already planned for the new state.
    @Test func aStateChangedOutsideTheAudioLoopEndsItsWait() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        await coordinator.audioTick()
        #expect(engine.captureWaitsEnded == 0)
        await coordinator.press()
        #expect(engine.captureWaitsEnded == 1)
        await coordinator.cancel()
        #expect(await coordinator.state == .idle)
        #expect(engine.captureWaitsEnded == 2)
        // The turn nobody speaks in times out inside a tick: that tick's own wait is for idle already.
        await coordinator.press()
        #expect(engine.captureWaitsEnded == 3)
        time.advance(.seconds(9))
        let wake = await coordinator.audioTick()
        #expect(wake.state == .idle)
        #expect(wake.captureSamples == 0)
        #expect(engine.captureWaitsEnded == 3)
    }

    @Test func queuedSoundWakesTheSpeaker() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        #expect(engine.playbackKicks == 0)
        await coordinator.play(.connected)
        #expect(engine.playbackKicks == 1)
        await coordinator.say("hello")
        await coordinator.handle(.responseCreated(responseID: "r"))
        await coordinator.handle(.replyAudio(responseID: "r", itemID: "i", samples: tone(milliseconds: 100)))
        #expect(engine.playbackKicks == 2)
        #expect(engine.playbackRing.availableToRead > 0)
    }

    @Test func levelEventsOnlyWhenWanted() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        let stream = events.subscribe()
        coordinator.levelEventsWanted.store(false, ordering: .relaxed)
        await coordinator.press()
        await hear(tone(milliseconds: 300), on: engine, through: coordinator)
        coordinator.levelEventsWanted.store(true, ordering: .relaxed)
        await hear(tone(milliseconds: 300), on: engine, through: coordinator)
        events.finish()
        var levels = 0
        for await event in stream { if case .level = event { levels += 1 } }
        // Only the second 300 ms published levels (at most one per 100 ms).
        #expect((1...3).contains(levels), "\(levels) level events")
        #expect(status.snapshot().audio.micLevelDBFS > -30)
    }

    @Test func theReferenceOfAPausedMicrophoneIsNotAppliedToLaterAudio() async {
        // Idle: the microphone is paused while an earcon plays; the reference ring fills with it.
        let engine = MemoryAudioEngine(sessionRate: rate, reportsTiming: true)
        let log = FrameLog()
        let coordinator = makeCoordinator(engine: engine, detector: LoggingDetector(log: log))
        await coordinator.play(.connected)
        engine.speakerPlaysAlone(frames: rate / 2)
        #expect(engine.referenceRing.availableToRead == rate / 2)
        // Then a press: the microphone hears the room while the speaker is silent.
        await coordinator.press()
        engine.playbackRing.discardAll()  // the listening earcon is not what this test is about
        await hear([Int16](repeating: 0, count: rate / 5), on: engine, through: coordinator)
        #expect(log.count == 20)
        #expect(log.references.allSatisfy { $0.allSatisfy { $0 == 0 } }, "the earcon played while nobody listened")
    }

    @Test func afterASpeakerGapTheReferenceLinesUpWithTheMicrophone() async {
        let engine = MemoryAudioEngine(sessionRate: rate, reportsTiming: true)
        let log = FrameLog()
        let coordinator = makeCoordinator(engine: engine, detector: LoggingDetector(log: log))
        await coordinator.press()
        engine.playbackRing.discardAll()
        // The speaker is stopped (nothing to play) for 300 ms of the turn: no reference at all.
        engine.speakerStopped = true
        await hear([Int16](repeating: 0, count: rate * 3 / 10), on: engine, through: coordinator)
        #expect(engine.referenceRing.availableToRead == 0)
        // Then it restarts with a tone, heard in 20 ms ticks; the reference must be the tone, frame
        // for frame, from the first frame after the gap.
        engine.speakerStopped = false
        let played = tone(milliseconds: 200, amplitude: 3000)
        _ = played.withUnsafeBufferPointer { engine.playbackRing.write($0) }
        let framesBefore = log.count
        await hear([Int16](repeating: 0, count: played.count), on: engine, through: coordinator)
        let after = log.references.dropFirst(framesBefore).flatMap { $0 }
        #expect(framesBefore == 30)
        #expect(after == played)
    }
}

import Logging
import Testing
import VoiceConfig
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// What a reload applies live (the file's voice when it changed, the listening keys) and what it names as waiting
/// for a restart (every other section that differs from the daemon's start).
@Suite struct ConfigurationReloadPlannerTests {
    @Test func anUnchangedFileAppliesNothing() {
        var planner = ConfigurationReloadPlanner(atStart: VoicedConfiguration())
        let plan = planner.plan(for: VoicedConfiguration())
        #expect(plan == .init(voice: nil, listening: nil, waitingForRestart: []))
        #expect(
            ConfigurationReloadPlanner.message(for: plan, source: "/etc/voiced/voiced.yaml")
                == "configuration reloaded from /etc/voiced/voiced.yaml; nothing to apply now")
    }

    /// The file's voice applies when the file changed it, once; the voice in use (the state file's) is not compared.
    @Test func theFilesVoiceAppliesWhenTheFileChangedIt() {
        var start = VoicedConfiguration()
        start.realtime.voice = "Ara"
        var planner = ConfigurationReloadPlanner(atStart: start)
        #expect(planner.plan(for: start).voice == nil, "same voice in the file: the user's choice stays")
        var edited = start
        edited.realtime.voice = "SAL"
        #expect(planner.plan(for: edited) == .init(voice: "sal", listening: nil, waitingForRestart: []))
        #expect(planner.plan(for: edited).voice == nil, "applied once")
    }

    @Test func listeningKeysApplyOnceAndOtherSectionsWaitForARestart() {
        var planner = ConfigurationReloadPlanner(atStart: VoicedConfiguration())
        var edited = VoicedConfiguration()
        edited.listening.endOfTurnSilenceMs = 900
        edited.audio.captureDevice = "plughw:CARD=seeed2micvoicec"
        edited.realtime.model = "another-model"
        edited.led.enabled.toggle()
        let plan = planner.plan(for: edited)
        #expect(plan.listening == edited.listening)
        #expect(plan.waitingForRestart == ["audio", "realtime", "led"])
        #expect(
            ConfigurationReloadPlanner.message(for: plan, source: nil)
                == "configuration reloaded from the built-in defaults; applied the listening settings (from the end "
                + "of any turn under way); changed but applied only at the next restart (systemctl restart voiced): "
                + "audio, realtime, led")
        let again = planner.plan(for: edited)
        #expect(again.listening == nil, "already in use")
        #expect(again.waitingForRestart == ["audio", "realtime", "led"], "still waiting: no restart since")
    }
}

/// The coordinator swaps in a detector built from reloaded listening settings only while idle.
@Suite(.timeLimit(.minutes(2))) struct DetectorReplacementTests: CoordinatorTicking {
    let rate = 24_000
    let link = LinkRecorder()
    let status = StatusBox()
    let events = EventHub<ControlEvent>()
    let time = TestTime()

    func makeCoordinator(engine: MemoryAudioEngine, detector: any SpeechDetecting) -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(), engine: engine, link: link, detector: detector, status: status, events: events,
            now: { [time] in time.now }, renderEarcon: { _, _ in [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test func aReplacementDuringATurnTakesOverWhenTheTurnEnds() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let first = FrameLog()
        let second = FrameLog()
        let coordinator = makeCoordinator(engine: engine, detector: LoggingDetector(log: first))
        await coordinator.press()
        await hear(tone(milliseconds: 100), on: engine, through: coordinator)
        await coordinator.replaceSpeechDetector(LoggingDetector(log: second))
        await hear(tone(milliseconds: 100), on: engine, through: coordinator)
        #expect(first.count == 20, "the turn keeps the detector it started with")
        #expect(second.count == 0)

        await coordinator.cancel()
        #expect(await coordinator.state == .idle)
        await coordinator.audioTick()
        await coordinator.press()
        await hear(tone(milliseconds: 100), on: engine, through: coordinator)
        #expect(first.count == 20)
        #expect(second.count == 10, "the next turn listens with the replacement")
    }

    @Test func aReplacementWhileIdleTakesOverAtOnce() async {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let first = FrameLog()
        let second = FrameLog()
        let coordinator = makeCoordinator(engine: engine, detector: LoggingDetector(log: first))
        await coordinator.replaceSpeechDetector(LoggingDetector(log: second))
        await coordinator.press()
        await hear(tone(milliseconds: 100), on: engine, through: coordinator)
        #expect(first.count == 0)
        #expect(second.count == 10)
    }
}

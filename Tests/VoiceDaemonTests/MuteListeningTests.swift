import Logging
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceDaemon

/// The daemon's mute feeds its detector digital silence. A room that comes back at the unmute is the room it was, not a
/// user who started talking: the real detector (`ListeningSpeechDetector`) behind the coordinator's mute.
@Suite(.computeBound, .timeLimit(.minutes(5))) struct MuteListeningTests: CoordinatorTicking {
    let rate = 24_000
    let engine = MemoryAudioEngine(sessionRate: 24_000)
    let link = LinkRecorder()
    let status = StatusBox()
    let time = TestTime()

    func makeCoordinator() -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(),
            engine: engine,
            link: link,
            detector: ListeningSpeechDetector(sampleRate: rate, settings: ListeningSettings()),
            status: status,
            events: EventHub<ControlEvent>(),
            now: { [time] in time.now },
            renderEarcon: { _, _ in [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    func room(seconds: Double, seed: UInt64) -> [Int16] {
        Signals.whiteNoise(levelDBFS: -55, seconds: seconds, sampleRate: rate, seed: seed)
    }

    /// A press in the room, a second of it, two seconds muted (the room goes on, the daemon feeds its detector the
    /// mute's zeros), then the unmute.
    func aTurnMutedForTwoSeconds() async -> DaemonCoordinator {
        let coordinator = makeCoordinator()
        await coordinator.press()
        await hear(room(seconds: 1, seed: 81), on: engine, through: coordinator)
        await coordinator.setMuted(true)
        await hear(room(seconds: 2, seed: 82), on: engine, through: coordinator)
        await coordinator.setMuted(false)
        return coordinator
    }

    @Test func unmutingInAQuietRoomDoesNotStartTheTurn() async {
        let coordinator = await aTurnMutedForTwoSeconds()
        // Past the 8 s no-speech timeout: a turn in which nobody spoke is cancelled, nothing is committed.
        await hear(room(seconds: 6, seed: 83), on: engine, through: coordinator)
        #expect(!link.controlCalls.contains(.commit))
        #expect(await coordinator.state == .idle)
    }

    @Test func aUserWhoSpeaksAfterTheUnmuteIsHeard() async {
        // Guards the test above: the same turn with a user talking after the unmute is committed.
        let coordinator = await aTurnMutedForTwoSeconds()
        let speech = Signals.speechLike(levelDBFS: -30, seconds: 1.5, sampleRate: rate, pitch: 140, seed: 84)
        let talking = Signals.mix(
            room(seconds: 3, seed: 83), Signals.placed(speech, at: 0.5, totalSeconds: 3, sampleRate: rate))
        await hear(talking, on: engine, through: coordinator)
        #expect(link.controlCalls.contains(.commit))
    }
}

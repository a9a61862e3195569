import Logging
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// Every control command against the daemon's real handler and coordinator, in process.
@Suite(.timeLimit(.minutes(5))) struct DaemonControlHandlerTests {
    let engine = MemoryAudioEngine(sessionRate: 24_000)
    let link = LinkRecorder()
    let status = StatusBox()
    let events = EventHub<ControlEvent>()
    let persisted = PersistedLog()

    func makeHandler(
        reload: Result<ConfigurationReload, ControlError> = .success(.init(message: "configuration reloaded"))
    ) -> DaemonControlHandler {
        let coordinator = DaemonCoordinator.forCommandTests(engine: engine, link: link, status: status, events: events)
        let persisted = persisted
        return DaemonControlHandler(
            coordinator: coordinator,
            status: status,
            events: events,
            environment: .init(
                version: "1.2.3",
                persist: { settings in persisted.values.withLock { $0.append(settings) } },
                devices: {
                    DeviceList(pcms: [.init(name: "default", description: "Default", capture: true, playback: true)])
                },
                doctor: { DoctorReport(checks: [.init(name: "audio", outcome: .ok, detail: "fine")]) },
                reload: { reload }
            )
        )
    }

    @Test func voiceIsValidatedAppliedLiveAndPersisted() async {
        let handler = makeHandler()
        #expect(await handler.handle(.setVoice("Rex")) == .success(.voice(VoiceInfo(voice: "rex"))))
        #expect(link.controlCalls == [.changeVoice("rex")])
        #expect(await handler.handle(.getVoice) == .success(.voice(VoiceInfo(voice: "rex"))))
        #expect(persisted.values.withLock { $0.last?.voice } == "rex")
        guard case .failure(let error) = await handler.handle(.setVoice("Bob")) else {
            Issue.record("an unknown voice must be refused")
            return
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("eve") && error.message.contains("leo"), "the error lists the valid voices")
    }

    @Test func volumeAndMute() async {
        let handler = makeHandler()
        #expect(await handler.handle(.setVolume(60)) == .success(.volume(VolumeInfo(volumePercent: 60))))
        #expect(engine.volumePercent == 60)
        #expect(await handler.handle(.volumeUp) == .success(.volume(VolumeInfo(volumePercent: 70))))
        #expect(await handler.handle(.volumeDown) == .success(.volume(VolumeInfo(volumePercent: 60))))
        #expect(await handler.handle(.getVolume) == .success(.volume(VolumeInfo(volumePercent: 60))))
        guard case .failure(let error) = await handler.handle(.setVolume(140)) else {
            Issue.record("a volume above 100 must be refused")
            return
        }
        #expect(error.code == .invalidArgument)
        #expect(await handler.handle(.mute) == .success(.mute(MuteInfo(muted: true))))
        #expect(status.snapshot().muted)
        #expect(await handler.handle(.unmute) == .success(.mute(MuteInfo(muted: false))))
        #expect(
            persisted.values.withLock { $0.last } == PersistedSettings(voice: "eve", volumePercent: 60, muted: false))
    }

    /// Volume steps and the button's mute toggle read and change the setting in one step on the coordinator:
    /// many at once (two clients, the button, the model's tools) each count, none is lost to a stale read.
    @Test func concurrentVolumeStepsAndMuteTogglesEachCount() async {
        let handler = makeHandler()
        _ = await handler.handle(.setVolume(0))
        await withDiscardingTaskGroup { group in
            for _ in 0..<9 { group.addTask { _ = await handler.handle(.volumeUp) } }
            for _ in 0..<5 { group.addTask { _ = await handler.toggleMute() } }
        }
        #expect(status.snapshot().volumePercent == 90)
        #expect(engine.volumePercent == 90)
        #expect(status.snapshot().muted, "five toggles from unmuted end muted")
        #expect(await handler.toggleMute() == .success(.mute(MuteInfo(muted: false))))
        #expect(
            persisted.values.withLock { $0.last } == PersistedSettings(voice: "eve", volumePercent: 90, muted: false))
    }

    @Test func pressReleaseCancelAndSay() async {
        let handler = makeHandler()
        #expect(await handler.handle(.press(hold: false)) == .success(.state(StateInfo(state: .listening))))
        #expect(await handler.handle(.cancel) == .success(.state(StateInfo(state: .idle))))
        #expect(await handler.handle(.press(hold: true)) == .success(.state(StateInfo(state: .listening))))
        #expect(await handler.handle(.release) == .success(.state(StateInfo(state: .thinking))))
        #expect(link.controlCalls.suffix(2) == [.commit, .createResponse])
        #expect(await handler.handle(.say("what time is it")) == .success(.state(StateInfo(state: .thinking))))
        #expect(link.controlCalls.contains(.sendText("what time is it")))
        guard case .failure(let error) = await handler.handle(.say("   ")) else {
            Issue.record("empty text must be refused")
            return
        }
        #expect(error.code == .invalidArgument)
    }

    @Test func statusDevicesVersionDoctorReconnectReload() async {
        let handler = makeHandler()
        guard case .success(.status(let snapshot)) = await handler.handle(.status) else {
            Issue.record("status")
            return
        }
        #expect(snapshot == status.snapshot())
        guard case .success(.devices(let devices)) = await handler.handle(.devices) else {
            Issue.record("devices")
            return
        }
        #expect(devices.pcms.map(\.name) == ["default"])
        #expect(await handler.handle(.version) == .success(.version(VersionInfo(daemonVersion: "1.2.3"))))
        guard case .success(.doctor(let report)) = await handler.handle(.doctor) else {
            Issue.record("doctor")
            return
        }
        #expect(report.isHealthy)
        guard case .success(.done) = await handler.handle(.reconnect) else {
            Issue.record("reconnect")
            return
        }
        #expect(link.controlCalls.last == .reconnect)
        #expect(await handler.handle(.reload) == .success(.done(DoneInfo(message: "configuration reloaded"))))
        let refusing = makeHandler(reload: .failure(ControlError(.unavailable, "no")))
        #expect(await refusing.handle(.reload) == .failure(ControlError(.unavailable, "no")))
    }

    /// A reload whose file names a new voice sets it and saves it, as `voicectl voice` does; one without leaves the
    /// voice (and the state file) alone.
    @Test func aReloadSetsAndSavesTheFilesNewVoiceOnly() async {
        let unchanged = makeHandler()
        _ = await unchanged.handle(.reload)
        #expect(persisted.values.withLock { $0.isEmpty })
        #expect(status.snapshot().voice == VoiceCatalog.defaultVoice)

        let handler = makeHandler(reload: .success(.init(message: "reloaded", voice: "sal")))
        #expect(await handler.handle(.reload) == .success(.done(DoneInfo(message: "reloaded"))))
        #expect(status.snapshot().voice == "sal")
        #expect(link.controlCalls.last == .changeVoice("sal"))
        #expect(persisted.values.withLock { $0.last?.voice } == "sal")
    }

    @Test func settingsChangesReachSubscribers() async {
        let handler = makeHandler()
        let stream = handler.events()
        _ = await handler.handle(.setVolume(30))
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == .settings(SettingsEvent(voice: "eve", volumePercent: 30, muted: false)))
    }
}

final class PersistedLog: Sendable {
    let values = Mutex<[PersistedSettings]>([])
}

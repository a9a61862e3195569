#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization
import VoiceControl
import VoiceCore

/// Carries out control-socket commands on the running daemon.
///
/// What needs the outside world (listing ALSA devices, the doctor's checks, re-reading the config,
/// persisting settings) comes in as closures, so tests drive the real command logic in process.
public final class DaemonControlHandler: ControlCommandHandler {
    public struct Environment: Sendable {
        public var version: String
        /// Persists voice, volume and mute (the state file).
        public var persist: @Sendable (PersistedSettings) -> Void
        public var devices: @Sendable () -> DeviceList
        public var doctor: @Sendable () async -> DoctorReport
        /// Re-reads the configuration and applies what applies live but the voice; returns what it did (and the
        /// file's voice, when that changed), or why it could not.
        public var reload: @Sendable () async -> Result<ConfigurationReload, ControlError>

        public init(
            version: String,
            persist: @escaping @Sendable (PersistedSettings) -> Void = { _ in },
            devices: @escaping @Sendable () -> DeviceList = { DeviceList() },
            doctor: @escaping @Sendable () async -> DoctorReport = { DoctorReport(checks: []) },
            reload: @escaping @Sendable () async -> Result<ConfigurationReload, ControlError> = {
                .failure(ControlError(.unavailable, "reload is not available"))
            }
        ) {
            self.version = version
            self.persist = persist
            self.devices = devices
            self.doctor = doctor
            self.reload = reload
        }
    }

    private let coordinator: DaemonCoordinator
    private let status: StatusBox
    private let hub: EventHub<ControlEvent>
    private let environment: Environment
    /// The state file's writer (`persist()`).
    private let persistence = Mutex(PersistenceQueue())

    private struct PersistenceQueue {
        /// A snapshot not written yet.
        var newest: PersistedSettings?
        /// Some request is writing the file (and writes `newest` after its own).
        var writing = false
    }

    /// Volume steps of `volume up` / `volume down`, in percent.
    static let volumeStep = 10

    public init(
        coordinator: DaemonCoordinator, status: StatusBox, events: EventHub<ControlEvent>, environment: Environment
    ) {
        self.coordinator = coordinator
        self.status = status
        self.hub = events
        self.environment = environment
    }

    public func events() -> AsyncStream<ControlEvent> { hub.subscribe() }

    public func handle(_ command: ControlCommand) async -> ControlReply {
        switch command {
        case .status:
            return .success(.status(status.snapshot()))
        case .getVoice:
            return .success(.voice(VoiceInfo(voice: status.snapshot().voice)))
        case .setVoice(let requested):
            guard let voice = VoiceCatalog.canonical(requested) else {
                let names = VoiceCatalog.all.joined(separator: ", ")
                return .failure(ControlError(.invalidArgument, "unknown voice '\(requested)'; valid voices: \(names)"))
            }
            await coordinator.setVoice(voice)
            persist()
            return .success(.voice(VoiceInfo(voice: voice)))
        case .mute, .unmute:
            await coordinator.setMuted(command == .mute)
            persist()
            return .success(.mute(MuteInfo(muted: command == .mute)))
        case .getVolume:
            return .success(.volume(VolumeInfo(volumePercent: status.snapshot().volumePercent)))
        case .setVolume(let percent):
            guard (0...100).contains(percent) else {
                return .failure(ControlError(.invalidArgument, "volume must be between 0 and 100 (got \(percent))"))
            }
            return await applyVolume(percent)
        case .volumeUp:
            return await changeVolume(by: Self.volumeStep)
        case .volumeDown:
            return await changeVolume(by: -Self.volumeStep)
        case .press(let hold):
            let refusal = hold ? await coordinator.holdStarted() : await coordinator.press()
            if let refusal { return .failure(refusal) }
            return .success(.state(StateInfo(state: await coordinator.state)))
        case .release:
            await coordinator.release()
            return .success(.state(StateInfo(state: await coordinator.state)))
        case .cancel:
            await coordinator.cancel()
            return .success(.state(StateInfo(state: await coordinator.state)))
        case .say(let text):
            let trimmed = text.trimmedWhitespace
            guard !trimmed.isEmpty else { return .failure(ControlError(.invalidArgument, "say needs some text")) }
            guard trimmed.utf8.count <= 4096 else {
                return .failure(ControlError(.invalidArgument, "say takes at most 4096 bytes of text"))
            }
            await coordinator.say(trimmed)
            return .success(.state(StateInfo(state: await coordinator.state)))
        case .subscribe, .unsubscribe, .record:
            // The server keeps subscriptions and recordings per connection; it never forwards these here.
            return .failure(ControlError(.internal, "\(command.name) is handled by the control server"))
        case .devices:
            var list = environment.devices()
            let audio = status.snapshot().audio
            list.captureDevice = audio.captureDevice
            list.playbackDevice = audio.playbackDevice
            return .success(.devices(list))
        case .reconnect:
            await coordinator.reconnect()
            return .success(.done(DoneInfo(message: "reconnecting to the realtime service")))
        case .reload:
            switch await environment.reload() {
            case .success(let reload):
                // The file's new voice is set and saved as `voicectl voice` would: the state file wins at start.
                if let voice = reload.voice {
                    await coordinator.setVoice(voice)
                    persist()
                }
                return .success(.done(DoneInfo(message: reload.message)))
            case .failure(let error): return .failure(error)
            }
        case .version:
            return .success(.version(VersionInfo(daemonVersion: environment.version)))
        case .doctor:
            return .success(.doctor(await environment.doctor()))
        }
    }

    public func startRecording(seconds: Int) async -> Result<RecordingFeed, ControlError> {
        await coordinator.startRecording(seconds: seconds)
    }

    private func applyVolume(_ percent: Int) async -> ControlReply {
        let clamped = max(0, min(100, percent))
        await coordinator.setVolume(percent: clamped)
        persist()
        return .success(.volume(VolumeInfo(volumePercent: clamped)))
    }

    /// A step from the current volume, read and set in one step on the coordinator.
    private func changeVolume(by step: Int) async -> ControlReply {
        let volume = await coordinator.changeVolume(by: step)
        persist()
        return .success(.volume(VolumeInfo(volumePercent: volume)))
    }

    /// The button's mute toggle: flips the mute as one step on the coordinator (the status it would
    /// otherwise read first may already be out of date) and saves it, as `voicectl mute` does.
    public func toggleMute() async -> ControlReply {
        let muted = await coordinator.toggleMuted()
        persist()
        return .success(.mute(MuteInfo(muted: muted)))
    }

    /// Writes the settings status now shows. Requests run at once (two control clients, the model's tools),
    /// and each used to write its own snapshot: a slow write (an SD card) let a newer snapshot land first and
    /// an older one over it. Now one writer at a time writes the newest snapshot, and a request that finds a
    /// write under way leaves its snapshot to that writer, which writes again once it is done.
    private func persist() {
        let writes = persistence.withLock { queue -> Bool in
            // Taken under the lock: every snapshot queued is at least as new as the one it replaces.
            let current = status.snapshot()
            queue.newest = PersistedSettings(
                voice: current.voice, volumePercent: current.volumePercent, muted: current.muted)
            guard !queue.writing else { return false }
            queue.writing = true
            return true
        }
        guard writes else { return }
        while let settings = persistence.withLock({ queue -> PersistedSettings? in
            defer { queue.newest = nil }
            if queue.newest == nil { queue.writing = false }
            return queue.newest
        }) {
            environment.persist(settings)
        }
    }
}

import Synchronization
import VoiceControl
import VoiceCore

/// A `ControlCommandHandler` with plausible daemon behaviour and no daemon, for control socket tests
/// and benchmarks.
///
/// It keeps a `DaemonStatus`, applies voice, volume, mute and button commands to it, records every
/// command it handled, and publishes whatever `emit` is given as events. `override` makes a command
/// answer with a fixed reply (e.g. an error) instead.
public final class FakeControlHandler: ControlCommandHandler {
    private struct State {
        var status: DaemonStatus
        var received: [ControlCommand] = []
        var overrides: [String: ControlReply] = [:]
        var deviceList = DeviceList(
            cards: [DeviceList.Card(index: 0, id: "Fake", name: "Fake Sound Card")],
            pcms: [DeviceList.PCM(name: "default", description: "Default ALSA device", capture: true, playback: true)],
            captureDevice: "default",
            playbackDevice: "default"
        )
    }

    private let state: Mutex<State>
    private let recorder = Mutex<(@Sendable (Int) -> Result<RecordingFeed, ControlError>)?>(nil)
    private let stream: AsyncStream<ControlEvent>
    private let continuation: AsyncStream<ControlEvent>.Continuation

    public init(status: DaemonStatus = FakeControlHandler.sampleStatus()) {
        state = Mutex(State(status: status))
        (stream, continuation) = AsyncStream<ControlEvent>.makeStream()
    }

    /// What `record` does: `start` gets the seconds asked for and returns the feed to stream (or a
    /// refusal). Without it, `record` is refused as by a daemon that cannot record.
    public func onRecord(_ start: @escaping @Sendable (Int) -> Result<RecordingFeed, ControlError>) {
        recorder.withLock { $0 = start }
    }

    public func startRecording(seconds: Int) async -> Result<RecordingFeed, ControlError> {
        state.withLock { $0.received.append(.record(seconds: seconds)) }
        guard let start = recorder.withLock({ $0 }) else {
            return .failure(ControlError(.unavailable, "this daemon cannot record"))
        }
        return start(seconds)
    }

    /// A status with every field set, so that round trips exercise all of them.
    public static func sampleStatus() -> DaemonStatus {
        var status = DaemonStatus()
        status.version = "0.0.0-test"
        status.connection.state = .ready
        status.connection.endpoint = "ws://127.0.0.1:1/v1/realtime"
        status.connection.model = "grok-test"
        status.connection.attempts = 1
        status.connection.lastError = "none yet"
        status.connection.nextAttemptInMilliseconds = 250
        status.connection.sessionID = "sess_1"
        status.audio.captureDevice = "default"
        status.audio.playbackDevice = "default"
        status.audio.state = "running"
        status.audio.captureRate = 48_000
        status.audio.playbackRate = 48_000
        status.audio.micLevelDBFS = -42.5
        status.audio.lastTurnMicPeakDBFS = -21.25
        status.audio.lastError = "no error"
        status.button.state = "unavailable"
        status.button.reason = "no GPIO chip gpiochip9"
        status.counters.turns = 3
        status.counters.reconnects = 1
        status.latency.endOfSpeechToFirstAudioMs = 420
        status.latency.bargeInReactionMs = 35
        status.latency.captureToSendMs = 12
        status.latency.receiveToPlaybackMs = 30
        status.latency.receiveToWriteMs = 62
        status.latency.prebufferWaitMs = 60
        status.latency.playableToWriteMs = 2
        status.lastUserTranscript = "what time is it"
        status.lastReplyTranscript = "It is noon."
        status.uptimeSeconds = 12.5
        return status
    }

    /// Every command handled so far, in order.
    public var receivedCommands: [ControlCommand] { state.withLock { $0.received } }

    public var status: DaemonStatus { state.withLock { $0.status } }

    /// Makes the command named `name` (wire name) answer `reply`; nil restores the default behaviour.
    public func override(_ name: String, with reply: ControlReply?) {
        state.withLock { $0.overrides[name] = reply }
    }

    /// Publishes an event to the server's subscribers.
    public func emit(_ event: ControlEvent) {
        continuation.yield(event)
    }

    public func events() -> AsyncStream<ControlEvent> { stream }

    public func handle(_ command: ControlCommand) async -> ControlReply {
        state.withLock { state in
            state.received.append(command)
            if let reply = state.overrides[command.name] { return reply }
            return Self.apply(command, to: &state)
        }
    }

    private static func apply(_ command: ControlCommand, to state: inout State) -> ControlReply {
        switch command {
        case .status:
            return .success(.status(state.status))
        case .getVoice:
            return .success(.voice(VoiceInfo(voice: state.status.voice)))
        case .setVoice(let name):
            state.status.voice = name
            return .success(.voice(VoiceInfo(voice: name)))
        case .mute, .unmute:
            state.status.muted = command == .mute
            return .success(.mute(MuteInfo(muted: state.status.muted)))
        case .getVolume:
            return .success(.volume(VolumeInfo(volumePercent: state.status.volumePercent)))
        case .setVolume(let percent):
            state.status.volumePercent = percent
            return .success(.volume(VolumeInfo(volumePercent: percent)))
        case .volumeUp, .volumeDown:
            let step = command == .volumeUp ? 10 : -10
            state.status.volumePercent = min(100, max(0, state.status.volumePercent + step))
            return .success(.volume(VolumeInfo(volumePercent: state.status.volumePercent)))
        case .press(let hold):
            state.status.counters.presses += 1
            state.status.state = hold || state.status.state == .idle ? .listening : .idle
            return .success(.state(StateInfo(state: state.status.state)))
        case .release:
            if state.status.state == .listening { state.status.state = .thinking }
            return .success(.state(StateInfo(state: state.status.state)))
        case .cancel:
            state.status.state = .idle
            return .success(.state(StateInfo(state: .idle)))
        case .say(let text):
            state.status.state = .thinking
            state.status.lastUserTranscript = text
            return .success(.state(StateInfo(state: .thinking)))
        case .subscribe, .unsubscribe, .record:
            return .failure(ControlError(.internal, "\(command.name) is the server's business"))
        case .devices:
            return .success(.devices(state.deviceList))
        case .reconnect:
            state.status.counters.reconnects += 1
            return .success(.done(DoneInfo(message: "reconnecting to the realtime API")))
        case .reload:
            return .success(.done(DoneInfo(message: "config reloaded; nothing changed")))
        case .version:
            return .success(.version(VersionInfo(daemonVersion: state.status.version)))
        case .doctor:
            return .success(
                .doctor(
                    DoctorReport(checks: [
                        .init(name: "api key", outcome: .ok, detail: "configured (from XAI_API_KEY)"),
                        .init(
                            name: "gpio button", outcome: .problem, detail: "gpiochip9 not found",
                            fix: "set button.chip to one listed by `gpiodetect`"),
                    ])))
        }
    }
}

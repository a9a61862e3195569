import Logging
import VoiceControl
import VoiceCore
import VoiceProtocol
import VoiceRealtime
import VoiceTools

/// Function tools in the running daemon (issue 8): feeds the session's events to a `ToolCallDispatcher`,
/// carries out the built-in device tools through the control handler (so a volume or voice the model sets is
/// persisted like one set with `voicectl`), and reports every finished call as a `tool` control event.
final class ToolDispatcher: Sendable {
    private let dispatcher: ToolCallDispatcher

    init(
        settings: ToolSettings,
        session: RealtimeSession,
        handler: any ControlCommandHandler,
        coordinator: DaemonCoordinator,
        events: EventHub<ControlEvent>,
        logger: Logger
    ) {
        let registry = ToolRegistry(settings: settings, device: HandlerDeviceControl(handler: handler))
        dispatcher = ToolCallDispatcher(
            registry: registry,
            link: SessionToolLink(session: session, coordinator: coordinator),
            logger: logger,
            waitForPlaybackIdle: { await Self.waitUntilNotSpeaking(coordinator: coordinator, events: events) },
            onCall: { record in
                events.publish(
                    .tool(
                        ToolCallEvent(
                            name: record.name, callID: record.callID, status: record.failure == nil ? .ok : .error,
                            durationMilliseconds: record.milliseconds, error: record.failure
                        )))
            }
        )
    }

    /// Every session event passes through here before the coordinator sees it; returns at once.
    func handle(_ event: RealtimeSessionEvent) async {
        switch event {
        case .server(let server): await dispatcher.handle(server)
        case .connection(let status) where status.state != .ready: await dispatcher.connectionLost()
        default: break
        }
    }

    /// The follow-up `response.create` waits for the audio the model spoke before its calls (reference §3.3 D),
    /// for at most 30 s.
    private static func waitUntilNotSpeaking(coordinator: DaemonCoordinator, events: EventHub<ControlEvent>) async {
        let states = events.subscribe()
        guard await coordinator.state == .speaking else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in states {
                    if case .state(let state) = event, state != .speaking { return }
                }
            }
            group.addTask { try? await Task.sleep(for: .seconds(30)) }
            await group.next()
            group.cancelAll()
        }
    }
}

/// The session as the dispatcher's link.
struct SessionToolLink: ToolCallLink {
    let session: RealtimeSession
    let coordinator: DaemonCoordinator
    func sendToolOutput(callID: String, output: String) async {
        session.sendFunctionOutput(callID: callID, output: output)
    }
    func requestToolFollowUp() async {
        // The turn already ended with the calls' response; the answer to them must still be heard. Requested by
        // the coordinator, in order with the user's inputs (a press right after cancels it).
        await coordinator.requestFollowUpReply()
    }
}

/// The device tools, carried out as control commands.
struct HandlerDeviceControl: DeviceControl {
    let handler: any ControlCommandHandler

    func setVolume(percent: Int) async { _ = await handler.handle(.setVolume(percent)) }
    func setMuted(_ muted: Bool) async { _ = await handler.handle(muted ? .mute : .unmute) }
    func cancelReply() async { _ = await handler.handle(.cancel) }
    func setVoice(_ voice: String) async { _ = await handler.handle(.setVoice(voice)) }

    func deviceStatus() async -> DeviceStatusSnapshot {
        guard case .success(.status(let status)) = await handler.handle(.status) else {
            return DeviceStatusSnapshot(
                volumePercent: 0, muted: false, voice: "", state: "unknown", connection: "unknown")
        }
        return DeviceStatusSnapshot(
            volumePercent: status.volumePercent, muted: status.muted, voice: status.voice,
            state: status.state.rawValue, connection: status.connection.state.rawValue
        )
    }
}

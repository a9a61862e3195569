import Logging
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// The GPIO button's gestures, through the real driver and button logic, on a line the test presses.
@Suite(.timeLimit(.minutes(2))) struct ButtonDriverTests {
    /// A board muted with its button must stay muted after a restart, as one muted with `voicectl mute` does:
    /// the button's mute toggle used to change the mute without saving it in the state file.
    @Test func theMuteToggleIsSavedLikeVoicectlMute() async throws {
        let status = StatusBox()
        let events = EventHub<ControlEvent>()
        let coordinator = DaemonCoordinator.forCommandTests(link: LinkRecorder(), status: status, events: events)
        let saved = Mutex<[PersistedSettings]>([])
        let handler = DaemonControlHandler(
            coordinator: coordinator, status: status, events: events,
            environment: .init(version: "test", persist: { settings in saved.withLock { $0.append(settings) } }))
        var settings = ButtonSettings()
        settings.actions = .init(tap: .muteToggle, hold: .none, doubleTap: .none, longHold: .none)
        let line = FakeButtonLine()
        let driver = ButtonDriver(
            line: line, settings: settings, coordinator: coordinator, control: handler, status: status)
        let running = Task { try await driver.run() }
        defer { running.cancel() }

        line.press()
        line.release()
        try await waitUntil("the mute to be saved") { saved.withLock { $0.last?.muted == true } }
        #expect(status.snapshot().muted)
        line.press()
        line.release()
        try await waitUntil("the unmute to be saved") { saved.withLock { $0.last?.muted == false } }
        #expect(!status.snapshot().muted)
    }
}

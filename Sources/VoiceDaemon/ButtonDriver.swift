import Logging
import ServiceLifecycle
import VoiceControl
import VoiceCore
import VoiceGPIO
import VoiceSystemd

/// Runs the GPIO button and turns its gestures into presses, holds and cancels.
struct ButtonDriver: Service {
    let line: any GPIOButtonLine
    let settings: ButtonSettings
    let coordinator: DaemonCoordinator
    /// Mute goes through the control commands' path, as `voicectl mute` does: saved in the state file, so a
    /// board muted with its button stays muted after a restart.
    let control: DaemonControlHandler
    let status: StatusBox

    func run() async throws {
        await cancelWhenGracefulShutdown { await runButton() }
    }

    private func runButton() async {
        let service = ButtonService(line: line, settings: settings, clock: ContinuousClock())
        await withDiscardingTaskGroup { group in
            group.addTask {
                if let reason = await service.run() {
                    status.update {
                        $0.button.state = "unavailable"
                        $0.button.reason = reason
                    }
                }
            }
            group.addTask {
                for await gesture in service.gestures {
                    for command in settings.commands(for: gesture) {
                        await perform(command)
                    }
                }
            }
        }
    }

    private func perform(_ command: ButtonCommand) async {
        switch command {
        case .press: await coordinator.press()
        case .pushToTalkStart: await coordinator.holdStarted()
        case .pushToTalkEnd: await coordinator.release()
        case .cancel: await coordinator.cancel()
        case .toggleMute: _ = await control.toggleMute()
        }
    }
}

/// The systemd watchdog as a service of the group.
struct WatchdogRunner<C: Clock>: Service where C.Duration == Duration {
    let watchdog: WatchdogService<C>
    func run() async throws { await cancelWhenGracefulShutdown { await watchdog.run() } }
}

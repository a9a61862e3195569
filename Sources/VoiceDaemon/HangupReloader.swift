import Logging
import ServiceLifecycle
import VoiceControl

/// SIGHUP reloads the configuration as `voicectl reload` does: `kill -HUP`, and `systemctl reload voiced` (the unit's
/// `ExecReload=` sends it). Without a handler the signal's default action would end the daemon.
///
/// `hangups` is the signal as a sequence (`UnixSignalsSequence(trapping: .sighup)`, created before the daemon says
/// READY so that no SIGHUP after READY can end it); tests pass a stream of their own.
struct HangupReloader<Hangups: AsyncSequence & Sendable>: Service {
    let hangups: Hangups
    let reload: @Sendable () async -> Result<String, ControlError>
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown { [hangups, reload, logger] in
            for try await _ in hangups {
                switch await reload() {
                case .success(let message): logger.notice("SIGHUP: \(message)")
                case .failure(let error): logger.error("SIGHUP: \(error.message)")
                }
            }
        }
    }
}

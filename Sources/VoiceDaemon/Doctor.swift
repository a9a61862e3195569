#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceConfig
import VoiceControl
import VoiceCore

/// `voicectl doctor`, answered by the running daemon: what it sees, and what to fix.
enum Doctor {
    static func report(configuration: VoicedConfiguration, status: DaemonStatus) async -> DoctorReport {
        var checks: [DoctorReport.Check] = []
        let audio = status.audio
        if audio.state == "running" {
            checks.append(
                .init(
                    name: "audio", outcome: .ok,
                    detail:
                        "capture \(audio.captureDevice) at \(audio.captureRate) Hz, playback \(audio.playbackDevice) at \(audio.playbackRate) Hz"
                ))
        } else {
            checks.append(
                .init(
                    name: "audio", outcome: .problem,
                    detail: "audio is \(audio.state)\(audio.lastError.map { ": \($0)" } ?? "")",
                    fix:
                        "check the device names in audio.capture_device / audio.playback_device (`voicectl devices`), and that the voiced user is in group audio"
                ))
        }
        switch status.connection.state {
        case .ready:
            checks.append(.init(name: "realtime", outcome: .ok, detail: "connected to \(status.connection.endpoint)"))
        case .authFailed:
            checks.append(
                .init(
                    name: "api key", outcome: .problem, detail: "the service rejected the API key",
                    fix:
                        "put a valid key in \(configuration.daemon.apiKeyFile) or the xai-api-key credential, then `voicectl reconnect`"
                ))
        default:
            checks.append(
                .init(
                    name: "realtime", outcome: .warning,
                    detail: "\(status.connection.state.rawValue)\(status.connection.lastError.map { ": \($0)" } ?? "")",
                    fix: "check the network and DNS; the daemon keeps retrying on its own"
                ))
        }
        switch status.button.state {
        case "ready": checks.append(.init(name: "button", outcome: .ok, detail: "GPIO button ready"))
        case "disabled":
            checks.append(
                .init(name: "button", outcome: .ok, detail: "no GPIO button configured (voicectl press works)"))
        default:
            checks.append(
                .init(
                    name: "button", outcome: .problem, detail: status.button.reason ?? status.button.state,
                    fix:
                        "check button.chip and button.line in the config (`gpioinfo`), and that the voiced user is in group gpio"
                ))
        }
        let synchronized = FileManager.default.fileExists(atPath: "/run/systemd/timesync/synchronized")
        checks.append(
            .init(
                name: "clock", outcome: synchronized ? .ok : .warning,
                detail: synchronized ? "clock synchronized" : "no sign of clock synchronization",
                fix: synchronized
                    ? "" : "enable systemd-timesyncd (TLS needs a correct clock): `timedatectl set-ntp true`"
            ))
        return DoctorReport(checks: checks)
    }
}

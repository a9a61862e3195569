import VoiceConfig
import VoiceControl
import VoiceCore
import VoiceSystemd

/// `voicectl doctor`, answered by the running daemon: what it sees, and what to fix.
///
/// The daemon's own state says whether audio runs and the service accepted the key; where something is
/// wrong, the machine checks (``DoctorChecks``: /dev/snd, GPIO chips, the key file, the clock) say why.
enum Doctor {
    static func report(
        configuration: VoicedConfiguration,
        status: DaemonStatus,
        system: any DoctorSystem = LiveDoctorSystem()
    ) -> DoctorReport {
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
            // Why it does not run: no card (overlay missing) or no permission on its nodes.
            let devices = DoctorChecks.soundDevices(system: system)
            if devices.outcome != .ok { checks.append(Self.check(devices)) }
        }
        if let microphone = Self.microphone(configuration: configuration, status: status) { checks.append(microphone) }
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
            // A certificate that failed verification is the clock's doing until shown otherwise (no RTC on a Pi).
            let certificateFailed =
                status.connection.lastError?.contains(SystemClockAssessment.certificateNotVerified) == true
            let lookupFailed = status.connection.lastError?.contains(NameLookupProblem.marker) == true
            checks.append(
                .init(
                    name: "realtime", outcome: .warning,
                    detail: "\(status.connection.state.rawValue)\(status.connection.lastError.map { ": \($0)" } ?? "")",
                    fix: certificateFailed
                        ? "check the clock (see the clock check, `timedatectl`) and the CA certificates; the daemon "
                            + "keeps retrying on its own"
                        : lookupFailed
                            ? "check the network and DNS: the nameserver in /etc/resolv.conf must answer "
                                + "(`getent hosts` with the host named above); the daemon keeps retrying on its own"
                            : "check the network; the daemon keeps retrying on its own"
                ))
        }
        // The daemon has a key (it would not run without one); what is left to say is a key file that
        // other users can read.
        let key = DoctorChecks.apiKey(keyFile: configuration.daemon.apiKeyFile, system: system)
        if key.outcome == .warning { checks.append(Self.check(key)) }
        checks.append(
            Self.check(DoctorChecks.gpioButton(settings: configuration.button, status: status.button, system: system)))
        checks.append(Self.check(DoctorChecks.clock(system: system)))
        return DoctorReport(checks: checks)
    }

    /// What the microphone delivered in the last turn: a mute, a capture switched off in the mixer (digital silence), one
    /// too quiet for any speech to count, or one that clips. Nil when there is nothing to say (no turn heard yet and not
    /// muted).
    static func microphone(configuration: VoicedConfiguration, status: DaemonStatus) -> DoctorReport.Check? {
        let device = status.audio.captureDevice.isEmpty ? configuration.audio.captureDevice : status.audio.captureDevice
        let mixer = "`alsamixer` (F6 picks the card, F4 shows its capture controls)"
        if status.muted {
            return .init(
                name: "microphone", outcome: .warning, detail: "muted: presses start no turn",
                fix: "`voicectl unmute` (or the mute button)")
        }
        guard let peak = status.audio.lastTurnMicPeakDBFS else { return nil }
        let loudest = "the loudest 10 ms of the last turn read \(Int(peak.rounded())) dBFS"
        if peak <= -120 {
            return .init(
                name: "microphone", outcome: .problem,
                detail: "the last turn heard only digital silence from \(device): every sample was zero",
                fix:
                    "the capture is switched off or at zero in the mixer: switch it on and raise it with \(mixer); "
                    + "or the microphone is not connected, or audio.capture_device names another input "
                    + "(`voicectl devices`); `voicectl record --seconds 5` lets you hear what it delivers")
        }
        let speechLevel = configuration.listening.minimumSpeechLevelDBFS
        if peak < speechLevel {
            return .init(
                name: "microphone", outcome: .warning,
                detail: "\(loudest): below \(Int(speechLevel)) dBFS, nothing in it could count as speech",
                fix:
                    "if you spoke, raise the capture volume with \(mixer) or speak closer; "
                    + "listening.minimum_speech_level_dbfs sets the level")
        }
        if peak >= -3 {
            return .init(
                name: "microphone", outcome: .warning, detail: "\(loudest): the microphone clips",
                fix: "lower the capture volume with \(mixer)")
        }
        return .init(name: "microphone", outcome: .ok, detail: "\(loudest) (\(device))")
    }

    /// The machine check's finding as the control protocol carries it (same fields).
    static func check(_ finding: DoctorFinding) -> DoctorReport.Check {
        DoctorReport.Check(
            name: finding.name, outcome: DoctorReport.Outcome(rawValue: finding.outcome.rawValue) ?? .problem,
            detail: finding.detail, fix: finding.fix)
    }
}

import Testing
import VoiceConfig
import VoiceControl
import VoiceCore
import VoiceSystemd
import VoiceSystemdTestSupport

@testable import VoiceDaemon

/// `voicectl doctor` as the daemon answers it: its own state, and the machine checks where they say why.
@Suite struct DaemonDoctorTests {
    /// A Pi that works: a card whose nodes this process may open, the button's chip, a synchronized clock.
    static func healthyMachine() -> FakeDoctorSystem {
        var system = FakeDoctorSystem()
        system.files["/dev/snd/pcmC0D0c"] = FakeDoctorSystem.device()
        system.files["/dev/snd/pcmC0D0p"] = FakeDoctorSystem.device()
        system.files["/dev/gpiochip0"] = FakeDoctorSystem.device(group: "gpio")
        system.files["/run/systemd/timesync/synchronized"] = DoctorFileInfo(
            kind: .regular, mode: 0o644, groupName: "root", size: 0)
        system.files["/etc/voiced/api-key"] = DoctorFileInfo(kind: .regular, mode: 0o600, groupName: "voiced", size: 40)
        return system
    }

    static func runningStatus() -> DaemonStatus {
        var status = DaemonStatus()
        status.audio.state = "running"
        status.audio.captureDevice = "default"
        status.audio.playbackDevice = "default"
        status.connection.state = .ready
        status.button.state = "ready"
        return status
    }

    static func buttonConfiguration() -> VoicedConfiguration {
        var configuration = VoicedConfiguration()
        configuration.button.enabled = true
        return configuration
    }

    @Test func aWorkingApplianceIsHealthy() throws {
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: Self.runningStatus(), system: Self.healthyMachine())
        #expect(report.isHealthy)
        #expect(report.checks.map(\.name) == ["audio", "realtime", "gpio button", "clock"])
        #expect(report.checks.allSatisfy { $0.outcome == .ok })
    }

    /// What the microphone delivered in the last turn: the commonest "it does not hear me" on a HAT is a capture left
    /// switched off in the mixer, which delivers exact zeros.
    @Test(arguments: [
        (-120.0, DoctorReport.Outcome.problem, "digital silence"),
        (-72.0, .warning, "-72 dBFS: below -65 dBFS"),
        (-38.4, .ok, "-38 dBFS"),
        (-1.0, .warning, "clips"),
    ])
    func theMicrophoneOfTheLastTurnIsJudged(peak: Double, outcome: DoctorReport.Outcome, detail: String) throws {
        var status = Self.runningStatus()
        status.audio.lastTurnMicPeakDBFS = peak
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: status, system: Self.healthyMachine())
        let microphone = try #require(report.checks.first { $0.name == "microphone" })
        #expect(microphone.outcome == outcome)
        #expect(microphone.detail.contains(detail), "\(microphone.detail)")
        if outcome == .problem { #expect(microphone.fix.contains("alsamixer")) }
        #expect(report.isHealthy == (outcome != .problem))
    }

    @Test func aMutedMicrophoneIsNamedAndNoTurnMeansNothingToSay() throws {
        var status = Self.runningStatus()
        #expect(
            !Doctor.report(configuration: Self.buttonConfiguration(), status: status, system: Self.healthyMachine())
                .checks.contains { $0.name == "microphone" })
        status.muted = true
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: status, system: Self.healthyMachine())
        let microphone = try #require(report.checks.first { $0.name == "microphone" })
        #expect(microphone.outcome == .warning)
        #expect(microphone.fix.contains("voicectl unmute"))
    }

    @Test func audioThatDoesNotRunIsExplainedByTheMissingCard() throws {
        var system = Self.healthyMachine()
        system.files["/dev/snd/pcmC0D0c"] = nil
        system.files["/dev/snd/pcmC0D0p"] = nil
        system.files["/dev/snd/controlC0"] = FakeDoctorSystem.device()
        var status = Self.runningStatus()
        status.audio.state = "audio device lost"
        status.audio.lastError = "snd_pcm_open(default): No such file or directory"
        let report = Doctor.report(configuration: Self.buttonConfiguration(), status: status, system: system)
        #expect(!report.isHealthy)
        let devices = try #require(report.checks.first { $0.name == "sound devices" })
        #expect(devices.outcome == .problem)
        #expect(devices.detail == "no capture or playback device in /dev/snd")
        #expect(devices.fix.contains("dtoverlay"))
    }

    @Test func audioThatDoesNotRunIsExplainedByPermissions() throws {
        var system = Self.healthyMachine()
        system.unreadable.insert("/dev/snd/pcmC0D0c")
        var status = Self.runningStatus()
        status.audio.state = "stopped"
        let report = Doctor.report(configuration: Self.buttonConfiguration(), status: status, system: system)
        let devices = try #require(report.checks.first { $0.name == "sound devices" })
        #expect(devices.detail == "no permission to open /dev/snd/pcmC0D0c")
        #expect(devices.fix.contains("group audio"))
    }

    @Test func runningAudioSkipsTheDeviceCheck() {
        // The demo's simulated card runs without /dev/snd: no finding about hardware it does not use.
        var system = Self.healthyMachine()
        system.files["/dev/snd/pcmC0D0c"] = nil
        system.files["/dev/snd/pcmC0D0p"] = nil
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: Self.runningStatus(), system: system)
        #expect(!report.checks.contains { $0.name == "sound devices" })
        #expect(report.isHealthy)
    }

    @Test func anUnavailableButtonSaysWhichChipsExist() throws {
        var system = Self.healthyMachine()
        system.files["/dev/gpiochip0"] = nil
        system.files["/dev/gpiochip4"] = FakeDoctorSystem.device(group: "gpio")
        var configuration = Self.buttonConfiguration()
        configuration.button.chip = "gpiochip0"
        var status = Self.runningStatus()
        status.button.state = "unavailable"
        status.button.reason = "cannot open gpiochip0"
        let report = Doctor.report(configuration: configuration, status: status, system: system)
        let button = try #require(report.checks.first { $0.name == "gpio button" })
        #expect(button.outcome == .problem)
        #expect(button.detail.contains("gpiochip4"))
    }

    @Test func aKeyFileOthersCanReadIsAWarning() throws {
        var system = Self.healthyMachine()
        system.files["/etc/voiced/api-key"] = DoctorFileInfo(
            kind: .regular, mode: 0o644, groupName: "voiced", size: 40)
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: Self.runningStatus(), system: system)
        let key = try #require(report.checks.first { $0.name == "api key" })
        #expect(key.outcome == .warning)
        #expect(key.fix == "sudo chmod 600 /etc/voiced/api-key")
        #expect(report.isHealthy, "a warning is not a problem")
    }

    @Test func aClockNotYetSynchronizedIsAWarningAndTheCertificateFailurePointsToIt() throws {
        // A Pi after weeks unplugged: timesyncd has not reached a server, and TLS rejected the API's certificate.
        var system = Self.healthyMachine()
        system.files[SystemClockPaths.timesyncdSynchronized] = nil
        system.files[SystemClockPaths.timesyncdRuntimeDirectory] = DoctorFileInfo(
            kind: .directory, mode: 0o755, groupName: "systemd-timesync", size: 0)
        var status = Self.runningStatus()
        status.connection.state = .backingOff
        status.connection.lastError =
            "realtime connection failed: TLS failed: the server's certificate could not be verified "
            + "(certificate verify failed). The system clock reads 2025-01-03 10:00 UTC and has not been synchronized"
        let report = Doctor.report(configuration: Self.buttonConfiguration(), status: status, system: system)
        let clock = try #require(report.checks.first { $0.name == "clock" })
        #expect(clock.outcome == .warning)
        #expect(clock.fix.contains("sudo timedatectl set-ntp true"))
        let realtime = try #require(report.checks.first { $0.name == "realtime" })
        #expect(realtime.detail.contains("certificate could not be verified"))
        #expect(realtime.fix.contains("check the clock"))
        #expect(report.isHealthy, "warnings: voiced retries by itself once NTP sets the time")
    }

    @Test(arguments: [
        "realtime connection failed: DNS lookup of api.x.ai failed: Name or service not known",
        "realtime connection failed: timed out after 10 s: no answer to the DNS lookup of api.x.ai",
    ])
    func aFailedLookupPointsToTheDNSServer(lastError: String) throws {
        var status = Self.runningStatus()
        status.connection.state = .backingOff
        status.connection.lastError = lastError
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: status, system: Self.healthyMachine())
        let realtime = try #require(report.checks.first { $0.name == "realtime" })
        #expect(realtime.detail.hasSuffix(lastError))
        #expect(realtime.fix.hasPrefix("check the network and DNS: the nameserver in /etc/resolv.conf must answer"))
    }

    @Test func otherConnectionFailuresStillPointToTheNetwork() throws {
        var status = Self.runningStatus()
        status.connection.state = .backingOff
        status.connection.lastError = "realtime connection failed: timed out after 10 s connecting"
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: status, system: Self.healthyMachine())
        let realtime = try #require(report.checks.first { $0.name == "realtime" })
        #expect(realtime.fix == "check the network; the daemon keeps retrying on its own")
    }

    @Test func aClockBeforeThisBuildIsAProblem() throws {
        var system = Self.healthyMachine()
        system.now = 1_600_000_000
        let report = Doctor.report(
            configuration: Self.buttonConfiguration(), status: Self.runningStatus(), system: system)
        let clock = try #require(report.checks.first { $0.name == "clock" })
        #expect(clock.outcome == .problem)
        #expect(clock.fix.contains("timedatectl"))
    }
}

import Testing
import VoiceCore
import VoiceSystemdTestSupport

@testable import VoiceSystemd

@Suite struct DoctorChecksTests {
    @Test func soundDevicesNeedCaptureAndPlayback() {
        var system = FakeDoctorSystem()
        system.files["/dev/snd/controlC0"] = FakeDoctorSystem.device()
        system.files["/dev/snd/pcmC0D0p"] = FakeDoctorSystem.device()
        let missing = DoctorChecks.soundDevices(system: system)
        #expect(missing.outcome == .problem)
        #expect(missing.detail == "no capture device in /dev/snd")
        #expect(missing.fix.contains("dtoverlay"))
        #expect(DoctorChecks.soundDevices(hardwareExpected: false, system: system).outcome == .ok)

        system.files["/dev/snd/pcmC0D0c"] = FakeDoctorSystem.device()
        let present = DoctorChecks.soundDevices(system: system)
        #expect(present.outcome == .ok)
        #expect(present.detail.contains("pcmC0D0c, pcmC0D0p"))

        system.unreadable = ["/dev/snd/pcmC0D0c"]
        let blocked = DoctorChecks.soundDevices(system: system)
        #expect(blocked.outcome == .problem)
        #expect(blocked.fix.contains("group audio"))
    }

    @Test func aDisabledButtonIsFine() {
        let finding = DoctorChecks.gpioButton(settings: ButtonSettings(), status: nil, system: FakeDoctorSystem())
        #expect(finding.outcome == .ok)
    }

    @Test func theButtonNeedsAChipItMayOpen() {
        var settings = ButtonSettings()
        settings.enabled = true
        var system = FakeDoctorSystem()
        #expect(
            DoctorChecks.gpioButton(settings: settings, status: nil, system: system).detail == "no GPIO chips in /dev")

        system.files["/dev/gpiochip4"] = FakeDoctorSystem.device(group: "gpio")
        let wrongChip = DoctorChecks.gpioButton(settings: settings, status: nil, system: system)
        #expect(wrongChip.outcome == .problem)
        #expect(wrongChip.detail.contains("gpiochip0 not found (present: gpiochip4)"))

        settings.chip = ""
        settings.line = .name("GPIO17")
        #expect(DoctorChecks.gpioButton(settings: settings, status: nil, system: system).outcome == .ok)

        system.unreadable = ["/dev/gpiochip4"]
        let blocked = DoctorChecks.gpioButton(settings: settings, status: nil, system: system)
        #expect(blocked.outcome == .problem)
        #expect(blocked.fix.contains("group gpio"))
    }

    @Test func theDaemonsButtonStatusIsTrusted() {
        var settings = ButtonSettings()
        settings.enabled = true
        var system = FakeDoctorSystem()
        system.files["/dev/gpiochip0"] = FakeDoctorSystem.device(group: "gpio")
        var status = ButtonStatus()
        status.state = "unavailable"
        status.reason = "button unavailable: line 17 on gpiochip0 is in use by \"gpio-keys\""
        let busy = DoctorChecks.gpioButton(settings: settings, status: status, system: system)
        #expect(busy.outcome == .problem)
        #expect(busy.detail == status.reason)
        status.state = "ready"
        #expect(DoctorChecks.gpioButton(settings: settings, status: status, system: FakeDoctorSystem()).outcome == .ok)
    }

    @Test func theKeyIsFoundWithoutBeingShown() {
        var system = FakeDoctorSystem()
        let none = DoctorChecks.apiKey(keyFile: "/etc/voiced/api-key", system: system)
        #expect(none.outcome == .problem)
        #expect(none.fix.contains("/etc/voiced/api-key"))

        // The empty file the package creates does not count.
        system.files["/etc/voiced/api-key"] = DoctorFileInfo(kind: .regular, mode: 0o600, groupName: "root", size: 0)
        #expect(DoctorChecks.apiKey(keyFile: "/etc/voiced/api-key", system: system).outcome == .problem)

        system.variables["CREDENTIALS_DIRECTORY"] = "/run/credentials/voiced.service"
        system.files["/run/credentials/voiced.service/xai-api-key"] = .init(
            kind: .regular, mode: 0o400, groupName: "voiced", size: 64)
        let credential = DoctorChecks.apiKey(keyFile: "/etc/voiced/api-key", system: system)
        #expect(credential.outcome == .ok)
        #expect(credential.detail.contains("credential"))

        var loose = FakeDoctorSystem()
        loose.files["/home/pi/key"] = DoctorFileInfo(kind: .regular, mode: 0o644, groupName: "pi", size: 64)
        let warning = DoctorChecks.apiKey(keyFile: "/home/pi/key", system: loose)
        #expect(warning.outcome == .warning)
        #expect(warning.fix == "sudo chmod 600 /home/pi/key")
    }

    @Test func theSocketMustBeASocketAndNotWorldWritable() {
        var system = FakeDoctorSystem()
        let path = "/run/voiced/control.sock"
        #expect(DoctorChecks.controlSocket(path: path, system: system).outcome == .problem)
        system.files[path] = DoctorFileInfo(kind: .regular, mode: 0o660, groupName: "voiced", size: 0)
        #expect(DoctorChecks.controlSocket(path: path, system: system).detail.contains("not a socket"))
        system.files[path] = DoctorFileInfo(kind: .socket, mode: 0o666, groupName: "voiced", size: 0)
        #expect(DoctorChecks.controlSocket(path: path, system: system).outcome == .warning)
        system.files[path] = DoctorFileInfo(kind: .socket, mode: 0o660, groupName: "voiced", size: 0)
        let good = DoctorChecks.controlSocket(path: path, system: system)
        #expect(good.outcome == .ok)
        #expect(good.detail == "/run/voiced/control.sock, mode 660, group voiced")
    }

    static let flag = DoctorFileInfo(kind: .regular, mode: 0o644, groupName: "root", size: 0)
    static let directory = DoctorFileInfo(kind: .directory, mode: 0o755, groupName: "root", size: 0)

    @Test func aClockSynchronizedByTimesyncdOrAnNTPClientIsOK() {
        var system = FakeDoctorSystem()
        system.files[SystemClockPaths.systemdBooted] = Self.directory
        system.kernelSynchronized = true
        let byKernel = DoctorChecks.clock(system: system)
        #expect(byKernel.outcome == .ok)
        #expect(byKernel.detail.hasPrefix("synchronized (an NTP client, per the kernel); reads "))
        system.kernelSynchronized = nil
        system.files[SystemClockPaths.timesyncdRuntimeDirectory] = Self.directory
        system.files[SystemClockPaths.timesyncdSynchronized] = Self.flag
        #expect(DoctorChecks.clock(system: system).detail.hasPrefix("synchronized (systemd-timesyncd); reads "))
    }

    @Test func aClockNotYetSynchronizedIsAWarningWithWhatToDo() {
        // A Pi after boot: timesyncd runs, has not reached a server; the sandbox hides the kernel's state.
        var system = FakeDoctorSystem()
        system.files[SystemClockPaths.systemdBooted] = Self.directory
        system.files[SystemClockPaths.timesyncdRuntimeDirectory] = Self.directory
        let finding = DoctorChecks.clock(system: system)
        #expect(finding.outcome == .warning)
        #expect(finding.detail.contains("no /run/systemd/timesync/synchronized"))
        #expect(finding.fix.contains("sudo timedatectl set-ntp true"))
        #expect(finding.fix.contains("NTP server"))
        // timesyncd stopped, and the kernel flags the clock unsynchronized.
        system.files[SystemClockPaths.timesyncdRuntimeDirectory] = nil
        system.kernelSynchronized = false
        #expect(DoctorChecks.clock(system: system).outcome == .warning)
    }

    @Test func aContainerIsUnknownNotAFailure() {
        // This CI VM: no systemd as init, the kernel's flag reads unsynchronized with a correct clock.
        var system = FakeDoctorSystem()
        system.kernelSynchronized = false
        let finding = DoctorChecks.clock(system: system)
        #expect(finding.outcome == .ok)
        #expect(finding.detail.hasPrefix("unknown ("))
        #expect(finding.fix.isEmpty)
    }

    @Test func aClockBeforeThisBuildIsAProblemEvenIfSynchronized() {
        var system = FakeDoctorSystem()
        system.files[SystemClockPaths.timesyncdSynchronized] = Self.flag
        system.now = 1_735_898_400  // 2025-01-03 10:00 UTC
        let floor = 1_735_948_800  // 2025-01-04
        let finding = DoctorChecks.clock(system: system, earliestPlausibleSecondsSinceEpoch: floor)
        #expect(finding.outcome == .problem)
        #expect(
            finding.detail.hasPrefix(
                "the clock reads 2025-01-03 10:00 UTC, before this build of voiced was made (2025-01-04)"))
        #expect(finding.fix.contains("timedatectl set-ntp true"))
        system.now = floor
        #expect(DoctorChecks.clock(system: system, earliestPlausibleSecondsSinceEpoch: floor).outcome == .ok)
    }

    @Test func theLiveSystemAnswersWithoutCrashing() {
        let system = LiveDoctorSystem()
        #expect(system.entries(of: "/dev") != nil)
        #expect(system.info(of: "/dev/null")?.kind == .characterDevice)
        #expect(system.info(of: "/nonexistent-voiced-path") == nil)
        #expect(system.secondsSinceEpoch() > 1_704_067_200)
        #expect(system.pathExists("/dev/null"))
        #expect(!system.pathExists("/nonexistent-voiced-path"))
        _ = system.kernelClockSynchronized()
        _ = DoctorChecks.soundDevices(system: system)
        _ = DoctorChecks.clock(system: system)
    }
}

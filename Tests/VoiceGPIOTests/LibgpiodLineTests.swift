import Testing
import VoiceCore

@testable import VoiceGPIO

#if canImport(Glibc)
import Glibc
#endif

/// These run against the real libgpiod this build linked (v1 on bookworm, v2 in the CI v2 job).
/// CI machines have no GPIO chip, so they exercise the failure paths a person would meet.
@Suite struct LibgpiodLineTests {
    private static var machineHasGPIOChips: Bool { access("/dev/gpiochip0", F_OK) == 0 }

    @Test func theBuildKnowsItsAPIGeneration() {
        #expect([1, 2].contains(Libgpiod.apiVersion))
        #expect(Libgpiod.libraryVersion.hasPrefix("\(Libgpiod.apiVersion)."))
        // scripts/ci-gpiod-v2.sh sets this, so that a build that silently picked up v1 fails.
        if let expected = getenv("VOICED_EXPECT_GPIOD_API").flatMap({ Int(String(cString: $0)) }) {
            #expect(Libgpiod.apiVersion == expected)
        }
    }

    @Test func aMissingChipPathSaysWhichAndWhatToDo() throws {
        var settings = ButtonSettings()
        settings.chip = "/dev/gpiochip-voiced-test-missing"
        let error = try #require(throws: GPIOError.self) { try LibgpiodButtonLine.open(settings) }
        #expect(error.kind == .chipNotFound)
        #expect(error.description.hasPrefix("button unavailable"))
        #expect(error.description.contains("/dev/gpiochip-voiced-test-missing"))
        #expect(error.description.contains("button.chip"))
        #expect(error.description.contains("voicectl press"))
    }

    @Test func aDeviceThatIsNotAGPIOChipIsRejected() throws {
        var settings = ButtonSettings()
        settings.chip = "/dev/null"
        let error = try #require(throws: GPIOError.self) { try LibgpiodButtonLine.open(settings) }
        #expect(error.kind == .chipNotFound)
        #expect(error.description.contains("chip \"/dev/null\" is not a GPIO chip"))
    }

    @Test(.enabled(if: !machineHasGPIOChips, "needs a machine without GPIO chips"))
    func withoutAnyChipTheMessageSaysSo() throws {
        for chip in ["pinctrl-voiced-test", ""] {
            var settings = ButtonSettings()
            settings.chip = chip
            settings.line = .name("GPIO17")
            let error = try #require(throws: GPIOError.self) { try LibgpiodButtonLine.open(settings) }
            #expect(error.kind == .chipNotFound)
            #expect(error.description.contains("no GPIO chips in /dev"))
        }
    }

    @Test func anLEDOnAMissingChipNamesTheLEDSection() throws {
        var settings = LEDSettings()
        settings.chip = "gpiochip977"
        let error = try #require(throws: GPIOError.self) { try LibgpiodOutputLine.open(settings) }
        #expect(error.description.hasPrefix("LED unavailable"))
        #expect(error.description.contains("led.chip"))
        #expect(error.description.contains("gpiochip977"))
    }

    @Test func theProviderThrowsTheSameErrors() {
        var settings = ButtonSettings()
        settings.chip = "/dev/gpiochip-voiced-test-missing"
        #expect(throws: GPIOError.self) { try LibgpiodLineProvider().openButton(settings, consumer: "voiced-test") }
    }
}

@Suite struct GPIOErrorMessageTests {
    @Test func aBusyLineNamesItsHolder() {
        let failure = GPIORequestFailure(
            kind: .lineBusy, errorNumber: EBUSY, chip: "gpiochip0", chipLabel: "pinctrl-bcm2835", consumer: "gpio-keys"
        )
        let error = failure.error(role: "button", section: "button", chipSpec: "gpiochip0", line: .offset(17))
        #expect(error.kind == .lineBusy)
        #expect(
            error.description.contains("line 17 on gpiochip0 [pinctrl-bcm2835] is in use by \"gpio-keys\"")
        )
        #expect(error.description.contains("dtoverlay"))
        let anonymous = GPIORequestFailure(kind: .lineBusy, chip: "gpiochip0")
            .error(role: "button", section: "button", chipSpec: "gpiochip0", line: .offset(17))
        #expect(anonymous.description.contains("another program or a kernel driver"))
    }

    @Test func aMissingLineSaysHowToFindNames() {
        let byName = GPIORequestFailure(kind: .lineNotFound, chip: "gpiochip0", chipLabel: "pinctrl-rp1")
            .error(role: "button", section: "button", chipSpec: "gpiochip0", line: .name("GPIO99"))
        #expect(byName.description.contains("no line named \"GPIO99\" on gpiochip0 [pinctrl-rp1]"))
        #expect(byName.description.contains("gpioinfo"))
        let byOffset = GPIORequestFailure(kind: .lineNotFound, chip: "gpiochip0", chipLines: 54)
            .error(role: "LED", section: "led", chipSpec: "gpiochip0", line: .offset(60))
        #expect(byOffset.description.contains("gpiochip0 has no line 60 (it has 54 lines)"))
        #expect(byOffset.description.contains("led.line"))
    }

    @Test func permissionProblemsPointAtTheGroupAndTheUnit() {
        let error = GPIORequestFailure(kind: .permissionDenied, errorNumber: EACCES, chip: "gpiochip0")
            .error(role: "button", section: "button", chipSpec: "gpiochip0", line: .offset(17))
        #expect(error.description.contains("Permission denied"))
        #expect(error.description.contains("SupplementaryGroups=gpio"))
        #expect(error.description.contains("DeviceAllow=/dev/gpiochip*"))
    }

    @Test func otherFailuresNameTheCall() {
        let error = GPIORequestFailure(
            kind: .failed, errorNumber: EINVAL, chip: "gpiochip0", function: "gpiod_chip_request_lines"
        )
        .error(role: "button", section: "button", chipSpec: "gpiochip0", line: .offset(17))
        #expect(
            error.description.contains("gpiod_chip_request_lines failed for line 17 on gpiochip0: Invalid argument"))
    }

    @Test func listedChipsAreShownWhenTheConfiguredOneIsMissing() {
        let error = GPIORequestFailure(kind: .chipNotFound, chip: "gpiochip4", available: "gpiochip0 [pinctrl-rp1]")
            .error(role: "button", section: "button", chipSpec: "gpiochip4", line: .offset(17))
        #expect(error.description.contains("chip \"gpiochip4\" not found (available: gpiochip0 [pinctrl-rp1])"))
    }
}

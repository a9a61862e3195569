import CVoiceGPIOShim
import VoiceCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A GPIO line could not be requested or used. The description is for a person: which chip and
/// line, what is wrong, and what to do. The daemon shows it as the button's unavailable reason.
public struct GPIOError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        case chipNotFound
        case lineNotFound
        case lineBusy
        case permissionDenied
        case failed
    }

    public let kind: Kind
    public let description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }
}

/// What the C shim reported about a failed request, in Swift terms.
struct GPIORequestFailure: Sendable, Equatable {
    var kind: GPIOError.Kind
    var errorNumber: Int32
    /// The chip tried or resolved ("gpiochip0"), or the configured spec when none was resolved.
    var chip: String
    var chipLabel: String
    var chipLines: Int
    var consumer: String
    var function: String
    /// "gpiochip0 [pinctrl-bcm2835], gpiochip1 [raspberrypi-exp-gpio]", or empty.
    var available: String

    init(
        kind: GPIOError.Kind, errorNumber: Int32 = 0, chip: String = "", chipLabel: String = "", chipLines: Int = 0,
        consumer: String = "", function: String = "", available: String = ""
    ) {
        self.kind = kind
        self.errorNumber = errorNumber
        self.chip = chip
        self.chipLabel = chipLabel
        self.chipLines = chipLines
        self.consumer = consumer
        self.function = function
        self.available = available
    }

    init(_ error: voiced_gpio_error) {
        var copy = error
        switch Int(copy.kind) {
        case Int(VOICED_GPIO_CHIP_NOT_FOUND.rawValue): kind = .chipNotFound
        case Int(VOICED_GPIO_LINE_NOT_FOUND.rawValue): kind = .lineNotFound
        case Int(VOICED_GPIO_LINE_BUSY.rawValue): kind = .lineBusy
        case Int(VOICED_GPIO_PERMISSION_DENIED.rawValue): kind = .permissionDenied
        default: kind = .failed
        }
        errorNumber = copy.error_number
        chip = Self.text(&copy.chip)
        chipLabel = Self.text(&copy.chip_label)
        chipLines = Int(copy.chip_lines)
        consumer = Self.text(&copy.consumer)
        function = Self.text(&copy.function)
        available = Self.text(&copy.available)
    }

    /// A fixed-size C char array (imported as a tuple) as a String.
    private static func text<T>(_ tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// The message a person reads.
    ///
    /// - Parameters:
    ///   - role: "button" or "LED"; also the config section (`button.chip`, `led.line`).
    ///   - chipSpec: the configured chip.
    ///   - line: the configured line.
    func error(role: String, section: String, chipSpec: String, line: GPIOLineReference) -> GPIOError {
        let chipName = chipLabel.isEmpty ? chip : "\(chip) [\(chipLabel)]"
        let configured = chipSpec.isEmpty ? "any chip" : "chip \"\(chipSpec)\""
        let reason = errorNumber != 0 ? String(cString: strerror(errorNumber)) : ""
        let message: String
        switch kind {
        case .chipNotFound:
            let chips =
                available.isEmpty
                ? "there are no GPIO chips in /dev (no GPIO controller, or the service's DeviceAllow= hides them)"
                : "available: \(available)"
            let what =
                function == "gpiod_chip_open"
                ? "\(configured) is not a GPIO chip (\(reason))" : "GPIO \(configured) not found"
            message =
                "\(role) unavailable: \(what) (\(chips)). "
                + "Set \(section).chip to a chip's name, label or /dev path (`gpiodetect` lists them), "
                + "or set \(section).enabled: false; `voicectl press` works meanwhile."
        case .lineNotFound:
            switch line {
            case .name(let name):
                message =
                    "\(role) unavailable: no line named \"\(name)\" on \(chipSpec.isEmpty ? "any chip" : chipName)"
                    + (available.isEmpty ? "" : " (chips: \(available))")
                    + ". `gpioinfo` lists line names; set \(section).line to an existing name or an offset."
            case .offset(let offset):
                message =
                    "\(role) unavailable: \(chipName) has no line \(offset) (it has \(chipLines) lines). "
                    + "Set \(section).line to the board's pin (see Firmware/README.md) or check \(section).chip."
            }
        case .lineBusy:
            let holder = consumer.isEmpty ? "another program or a kernel driver" : "\"\(consumer)\""
            message =
                "\(role) unavailable: \(line) on \(chipName) is in use by \(holder). "
                + "Stop that program, remove the dtoverlay that claims the pin from config.txt, "
                + "or choose another line in \(section).line."
        case .permissionDenied:
            message =
                "\(role) unavailable: permission denied opening \(chipName.isEmpty ? configured : chipName)"
                + (reason.isEmpty ? "" : " (\(reason))")
                + ". Run voiced as a member of the gpio group (the unit's SupplementaryGroups=gpio) and allow "
                + "the device (DeviceAllow=/dev/gpiochip* rw)."
        case .failed:
            let call = function.isEmpty ? "requesting the line" : function
            message =
                "\(role) unavailable: \(call) failed for \(line) on \(chipName.isEmpty ? configured : chipName)"
                + (reason.isEmpty ? "" : ": \(reason)")
                + ". Check \(section) in the config; `gpioinfo` shows the line's state."
        }
        return GPIOError(kind: kind, description: message)
    }
}

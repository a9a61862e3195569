/// The `led:` section of the config: one status LED on a GPIO line and its pattern per state.
///
/// ```yaml
/// led:
///   enabled: true
///   chip: gpiochip0
///   line: 25                # offset or line name
///   active_low: false
///   patterns:
///     idle: off
///     listening: solid
///     thinking: { mode: blink, period_ms: 300 }
///     speaking: { mode: pulse, period_ms: 1200 }
///     muted: { mode: blink, period_ms: 3000, duty: 0.05 }
///     error: { mode: blink, period_ms: 200 }
///     offline: { mode: blink, period_ms: 2000, duty: 0.2 }
/// ```
public struct LEDSettings: Sendable, Codable, Equatable {
    /// The pattern for each ``LEDState``; a missing state keeps its default.
    public struct Patterns: Sendable, Codable, Equatable {
        public var idle: LEDPattern = .off
        public var listening: LEDPattern = .solid
        public var thinking: LEDPattern = .blink(periodMilliseconds: 300, duty: 0.5)
        public var speaking: LEDPattern = .pulse(periodMilliseconds: 1200)
        public var muted: LEDPattern = .blink(periodMilliseconds: 3000, duty: 0.05)
        public var error: LEDPattern = .blink(periodMilliseconds: 200, duty: 0.5)
        public var offline: LEDPattern = .blink(periodMilliseconds: 2000, duty: 0.2)

        public init() {}

        public subscript(state: LEDState) -> LEDPattern {
            get {
                switch state {
                case .idle: idle
                case .listening: listening
                case .thinking: thinking
                case .speaking: speaking
                case .muted: muted
                case .error: error
                case .offline: offline
                }
            }
            set {
                switch state {
                case .idle: idle = newValue
                case .listening: listening = newValue
                case .thinking: thinking = newValue
                case .speaking: speaking = newValue
                case .muted: muted = newValue
                case .error: error = newValue
                case .offline: offline = newValue
                }
            }
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case idle, listening, thinking, speaking, muted, error, offline
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            for key in CodingKeys.allCases {
                guard let state = LEDState(rawValue: key.rawValue),
                    let pattern = try container.decodeIfPresent(LEDPattern.self, forKey: key)
                else { continue }
                self[state] = pattern
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            for key in CodingKeys.allCases {
                guard let state = LEDState(rawValue: key.rawValue) else { continue }
                try container.encode(self[state], forKey: key)
            }
        }
    }

    /// Off by default: most boards have no plain GPIO LED (the ReSpeaker and Voice Bonnet LEDs sit
    /// on SPI or a microcontroller).
    public var enabled: Bool = false
    /// Chip name, label, path or number, as for the button.
    public var chip: String = "gpiochip0"
    public var line: GPIOLineReference = .offset(25)
    /// True when the LED lights with the line low (LED wired from 3.3 V to the pin).
    public var activeLow: Bool = false
    public var patterns = Patterns()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled
        case chip
        case line
        case activeLow = "active_low"
        case patterns
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = LEDSettings()
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        chip = try container.decodeIfPresent(String.self, forKey: .chip) ?? defaults.chip
        line = try container.decodeIfPresent(GPIOLineReference.self, forKey: .line) ?? defaults.line
        activeLow = try container.decodeIfPresent(Bool.self, forKey: .activeLow) ?? defaults.activeLow
        patterns = try container.decodeIfPresent(Patterns.self, forKey: .patterns) ?? defaults.patterns
    }

    /// Problems a person must fix; empty when valid.
    public func problems() -> [String] {
        var problems: [String] = []
        if case .offset(let offset) = line, offset < 0 {
            problems.append("led.line must be an offset ≥ 0 or a line name; got \(offset)")
        }
        if case .name(let name) = line, name.isEmpty {
            problems.append("led.line must not be empty")
        }
        if chip.isEmpty, case .offset = line {
            problems.append("led.chip may be empty only when led.line is a line name")
        }
        return problems
    }
}

/// A GPIO line, by offset on its chip or by the name the device tree gives it (`GPIO17`).
///
/// In the config file it is a number (`17`) or a string (`"GPIO17"`); a string of digits is an
/// offset.
public enum GPIOLineReference: Sendable, Equatable, Codable, CustomStringConvertible {
    case offset(Int)
    case name(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let offset = try? container.decode(Int.self) {
            self = .offset(offset)
            return
        }
        let text = try container.decode(String.self)
        self = Self(parsing: text)
    }

    /// `"17"` → offset 17, anything else → a line name.
    public init(parsing text: String) {
        if let offset = Int(text) { self = .offset(offset) } else { self = .name(text) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .offset(let offset): try container.encode(offset)
        case .name(let name): try container.encode(name)
        }
    }

    public var description: String {
        switch self {
        case .offset(let offset): "line \(offset)"
        case .name(let name): "line \"\(name)\""
        }
    }
}

/// The pull resistor asked of an input line.
public enum GPIOBias: String, Sendable, Equatable, Codable, CaseIterable {
    /// Leave whatever the firmware (config.txt `gpio=` or an overlay) set.
    case asIs = "as_is"
    /// Buttons that short the line to ground (the usual wiring, with `active_low: true`).
    case pullUp = "pull_up"
    case pullDown = "pull_down"
    case disabled
}

/// What a button gesture does. Names as in the config file.
public enum ButtonAction: String, Sendable, Equatable, Codable, CaseIterable {
    case none
    /// Idle: start a turn that our VAD (or the next tap) ends. Listening: end the turn.
    /// Thinking or speaking: stop the reply.
    case talkOrStop = "talk_or_stop"
    /// Listen while the button is held; the release ends the turn. Only meaningful for `hold`.
    case pushToTalk = "push_to_talk"
    /// Stop whatever is happening: a turn being spoken, a reply.
    case cancel
    /// Mute or unmute the speaker.
    case muteToggle = "mute_toggle"
}

/// The `button:` section of the config: the talk button on a GPIO line and its gestures.
///
/// ```yaml
/// button:
///   enabled: true
///   chip: gpiochip0        # name, label (pinctrl-bcm2835), path (/dev/gpiochip0) or number
///   line: 17               # offset, or the line's name ("GPIO17")
///   active_low: true
///   bias: pull_up
///   debounce_ms: 20
///   hold_ms: 500
///   double_tap_ms: 300
///   long_hold_ms: 5000
///   actions: { tap: talk_or_stop, hold: push_to_talk, double_tap: cancel, long_hold: mute_toggle }
/// ```
public struct ButtonSettings: Sendable, Codable, Equatable {
    /// The gesture → action table.
    public struct Actions: Sendable, Codable, Equatable {
        public var tap: ButtonAction = .talkOrStop
        public var hold: ButtonAction = .pushToTalk
        public var doubleTap: ButtonAction = .cancel
        public var longHold: ButtonAction = .muteToggle

        public init() {}

        public init(tap: ButtonAction, hold: ButtonAction, doubleTap: ButtonAction, longHold: ButtonAction) {
            self.tap = tap
            self.hold = hold
            self.doubleTap = doubleTap
            self.longHold = longHold
        }

        enum CodingKeys: String, CodingKey {
            case tap
            case hold
            case doubleTap = "double_tap"
            case longHold = "long_hold"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Actions()
            tap = try container.decodeIfPresent(ButtonAction.self, forKey: .tap) ?? defaults.tap
            hold = try container.decodeIfPresent(ButtonAction.self, forKey: .hold) ?? defaults.hold
            doubleTap = try container.decodeIfPresent(ButtonAction.self, forKey: .doubleTap) ?? defaults.doubleTap
            longHold = try container.decodeIfPresent(ButtonAction.self, forKey: .longHold) ?? defaults.longHold
        }
    }

    /// Off by default: a board without a button must not report a GPIO problem.
    public var enabled: Bool = false
    /// The GPIO chip: a name (`gpiochip0`), a label (`pinctrl-bcm2835`, `pinctrl-rp1`), a path
    /// (`/dev/gpiochip0`) or a number. Empty: search every chip for the line by name.
    public var chip: String = "gpiochip0"
    public var line: GPIOLineReference = .offset(17)
    /// True when a press pulls the line low (a button to ground with a pull-up).
    public var activeLow: Bool = true
    public var bias: GPIOBias = .pullUp
    /// Edges closer together than this are contact bounce. The kernel filters them where the
    /// libgpiod v2 API and the driver allow, otherwise the daemon does.
    public var debounceMilliseconds: Int = 20
    /// A press held this long becomes a hold (push-to-talk starts).
    public var holdMilliseconds: Int = 500
    /// A second press starting within this long after a tap's release makes a double tap. A single
    /// tap is therefore reported this much later when double taps do something.
    public var doubleTapMilliseconds: Int = 300
    /// A hold this long becomes a long hold; a push-to-talk turn held this long is abandoned.
    public var longHoldMilliseconds: Int = 5000
    public var actions = Actions()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled
        case chip
        case line
        case activeLow = "active_low"
        case bias
        case debounceMilliseconds = "debounce_ms"
        case holdMilliseconds = "hold_ms"
        case doubleTapMilliseconds = "double_tap_ms"
        case longHoldMilliseconds = "long_hold_ms"
        case actions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ButtonSettings()
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled
        chip = try container.decodeIfPresent(String.self, forKey: .chip) ?? defaults.chip
        line = try container.decodeIfPresent(GPIOLineReference.self, forKey: .line) ?? defaults.line
        activeLow = try container.decodeIfPresent(Bool.self, forKey: .activeLow) ?? defaults.activeLow
        bias = try container.decodeIfPresent(GPIOBias.self, forKey: .bias) ?? defaults.bias
        debounceMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .debounceMilliseconds)
            ?? defaults.debounceMilliseconds
        holdMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .holdMilliseconds)
            ?? defaults.holdMilliseconds
        doubleTapMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .doubleTapMilliseconds)
            ?? defaults.doubleTapMilliseconds
        longHoldMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .longHoldMilliseconds)
            ?? defaults.longHoldMilliseconds
        actions = try container.decodeIfPresent(Actions.self, forKey: .actions) ?? defaults.actions
    }

    /// Problems a person must fix, each naming the key and the allowed values; empty when valid.
    public func problems() -> [String] {
        var problems: [String] = []
        if case .offset(let offset) = line, offset < 0 {
            problems.append("button.line must be an offset ≥ 0 or a line name; got \(offset)")
        }
        if case .name(let name) = line, name.isEmpty {
            problems.append("button.line must not be empty")
        }
        if chip.isEmpty, case .offset = line {
            problems.append("button.chip may be empty only when button.line is a line name")
        }
        if !(0...1000).contains(debounceMilliseconds) {
            problems.append("button.debounce_ms must be 0…1000; got \(debounceMilliseconds)")
        }
        if !(50...10_000).contains(holdMilliseconds) {
            problems.append("button.hold_ms must be 50…10000; got \(holdMilliseconds)")
        }
        if !(50...2000).contains(doubleTapMilliseconds) {
            problems.append("button.double_tap_ms must be 50…2000; got \(doubleTapMilliseconds)")
        }
        if longHoldMilliseconds <= holdMilliseconds || longHoldMilliseconds > 60_000 {
            problems.append(
                "button.long_hold_ms must be longer than hold_ms (\(holdMilliseconds)) and at most 60000; "
                    + "got \(longHoldMilliseconds)"
            )
        }
        for (key, action) in [("tap", actions.tap), ("double_tap", actions.doubleTap), ("long_hold", actions.longHold)]
        where action == .pushToTalk {
            problems.append("button.actions.\(key) cannot be push_to_talk (only hold can); use talk_or_stop")
        }
        return problems
    }

    /// The recognizer's thresholds. Gestures whose action is `none` are not recognized at all, so a
    /// tap is reported at release when double taps do nothing.
    ///
    /// - Parameter softwareDebounce: true when the kernel does not debounce the line.
    public func recognizerConfiguration(softwareDebounce: Bool) -> ButtonGestureRecognizer.Configuration {
        .init(
            debounce: softwareDebounce && debounceMilliseconds > 0 ? .milliseconds(debounceMilliseconds) : nil,
            holdThreshold: actions.hold == .none ? nil : .milliseconds(holdMilliseconds),
            longHoldThreshold: actions.longHold == .none ? nil : .milliseconds(longHoldMilliseconds),
            doubleTapWindow: actions.doubleTap == .none ? nil : .milliseconds(doubleTapMilliseconds)
        )
    }

    /// What the daemon does for a gesture, under this action table.
    public func commands(for gesture: ButtonGesture) -> [ButtonCommand] {
        switch gesture {
        case .tap: return Self.commands(for: actions.tap)
        case .doubleTap: return Self.commands(for: actions.doubleTap)
        case .longHold: return Self.commands(for: actions.longHold)
        case .holdStarted:
            return actions.hold == .pushToTalk ? [.pushToTalkStart] : Self.commands(for: actions.hold)
        case .holdEnded:
            return actions.hold == .pushToTalk ? [.pushToTalkEnd] : []
        case .holdCancelled:
            // The hold turned into a long hold: the push-to-talk turn was not meant as speech.
            return actions.hold == .pushToTalk ? [.cancel] : []
        }
    }

    private static func commands(for action: ButtonAction) -> [ButtonCommand] {
        switch action {
        case .none: []
        case .talkOrStop, .pushToTalk: [.press]
        case .cancel: [.cancel]
        case .muteToggle: [.toggleMute]
        }
    }
}

/// How an LED shows a state: off, on, blinking or pulsing.
///
/// In the config file a pattern is a word (`off`, `solid`, `blink`, `pulse`: default timing) or a map
/// `{mode: blink, period_ms: 400, duty: 0.25}`.
public enum LEDPattern: Sendable, Equatable, Codable, CustomStringConvertible {
    case off
    case solid
    /// On for `duty` of each period (at its start), off for the rest.
    case blink(periodMilliseconds: Int, duty: Double)
    /// A smooth rise and fall once per period. On a plain GPIO line (no PWM) it shows as a short
    /// flash in the middle of each period; see ``LEDAnimator/isOn(at:)``.
    case pulse(periodMilliseconds: Int)

    public static let defaultBlinkPeriodMilliseconds = 1000
    public static let defaultPulsePeriodMilliseconds = 2000
    /// Periods are clamped to this range so that a typo cannot make the driver spin or freeze.
    public static let periodRange = 20...60_000

    enum CodingKeys: String, CodingKey {
        case mode
        case periodMilliseconds = "period_ms"
        case duty
    }

    public init(from decoder: any Decoder) throws {
        if let word = try? decoder.singleValueContainer().decode(String.self) {
            self = try Self.pattern(mode: word, period: nil, duty: nil, codingPath: decoder.codingPath)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let mode = try container.decode(String.self, forKey: .mode)
        let period = try container.decodeIfPresent(Int.self, forKey: .periodMilliseconds)
        let duty = try container.decodeIfPresent(Double.self, forKey: .duty)
        self = try Self.pattern(mode: mode, period: period, duty: duty, codingPath: decoder.codingPath)
    }

    private static func pattern(mode: String, period: Int?, duty: Double?, codingPath: [any CodingKey]) throws -> Self {
        switch mode {
        case "off": return .off
        case "solid", "on": return .solid
        case "blink":
            return .blink(
                periodMilliseconds: period ?? defaultBlinkPeriodMilliseconds,
                duty: duty ?? 0.5
            ).clamped
        case "pulse": return LEDPattern.pulse(periodMilliseconds: period ?? defaultPulsePeriodMilliseconds).clamped
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: codingPath,
                    debugDescription: "an LED pattern is off, solid, blink or pulse; got \"\(mode)\""
                )
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .off, .solid:
            var container = encoder.singleValueContainer()
            try container.encode(self == .off ? "off" : "solid")
        case .blink(let period, let duty):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("blink", forKey: .mode)
            try container.encode(period, forKey: .periodMilliseconds)
            try container.encode(duty, forKey: .duty)
        case .pulse(let period):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("pulse", forKey: .mode)
            try container.encode(period, forKey: .periodMilliseconds)
        }
    }

    /// The pattern with its period and duty forced into a safe range.
    public var clamped: LEDPattern {
        switch self {
        case .off, .solid:
            return self
        case .blink(let period, let duty):
            let safeDuty = duty.isNaN ? 0.5 : min(max(duty, 0), 1)
            return .blink(periodMilliseconds: Self.clampPeriod(period), duty: safeDuty)
        case .pulse(let period):
            return .pulse(periodMilliseconds: Self.clampPeriod(period))
        }
    }

    private static func clampPeriod(_ period: Int) -> Int {
        min(max(period, periodRange.lowerBound), periodRange.upperBound)
    }

    public var description: String {
        switch self {
        case .off: "off"
        case .solid: "solid"
        case .blink(let period, let duty):
            // Described as given (before clamping), so never convert a NaN or huge duty to Int.
            duty.isFinite && abs(duty) <= 1000
                ? "blink \(period) ms, \(Int((duty * 100).rounded())) % on" : "blink \(period) ms, duty \(duty)"
        case .pulse(let period): "pulse \(period) ms"
        }
    }
}

/// What the LED shows: the conversation state, or a condition that matters more while idle.
public enum LEDState: String, Sendable, Equatable, Codable, CaseIterable {
    case idle
    case listening
    case thinking
    case speaking
    case muted
    case error
    case offline

    /// The state to show. A turn in progress always shows (listening, thinking, speaking); when
    /// idle, an error outranks being offline, which outranks being muted.
    public static func current(
        voiceState: VoiceState,
        muted: Bool,
        connection: ConnectionState,
        hasError: Bool
    ) -> LEDState {
        switch voiceState {
        case .listening: return .listening
        case .thinking: return .thinking
        case .speaking: return .speaking
        case .idle: break
        }
        if hasError || connection == .authFailed { return .error }
        if connection != .ready { return .offline }
        if muted { return .muted }
        return .idle
    }
}

/// Where an LED pattern is at a given moment: a level for dimmable LEDs, on/off for a GPIO line,
/// and when the on/off state next changes, so that a driver sleeps instead of polling.
///
/// Pure: time is a `Duration` since any origin, passed in.
public struct LEDAnimator: Sendable, Equatable {
    public private(set) var pattern: LEDPattern
    /// When the current pattern started; periods count from here.
    public private(set) var start: Duration

    public init(pattern: LEDPattern = .off, start: Duration = .zero) {
        self.pattern = pattern.clamped
        self.start = start
    }

    /// Switches to `pattern` at `time`. Showing the pattern already shown keeps its rhythm, so a
    /// repeated state update does not restart a blink.
    public mutating func show(_ pattern: LEDPattern, at time: Duration) {
        let safe = pattern.clamped
        guard safe != self.pattern else { return }
        self.pattern = safe
        start = time
    }

    /// Brightness 0…1 at `time`: blink is a square wave, pulse a triangle squared (closer to how
    /// the eye sees brightness than a plain triangle).
    public func level(at time: Duration) -> Double {
        switch pattern {
        case .off: return 0
        case .solid: return 1
        case .blink:
            return isOn(at: time) ? 1 : 0
        case .pulse(let period):
            let phase =
                Double(positionInPeriod(at: time, periodNanoseconds: Self.nanoseconds(period)))
                / Double(Self.nanoseconds(period))
            let triangle = 1 - abs(2 * phase - 1)
            return triangle * triangle
        }
    }

    /// On or off at `time`, for a line that can only switch. A pulse is on for the middle 30 % of
    /// its period, around its brightest point.
    public func isOn(at time: Duration) -> Bool {
        guard let window = onWindow else { return pattern == .solid }
        let position = positionInPeriod(at: time, periodNanoseconds: window.period)
        return position >= window.onFrom && position < window.onUntil
    }

    /// The first moment after `time` at which ``isOn(at:)`` changes; nil when it never does.
    public func nextChange(after time: Duration) -> Duration? {
        guard let window = onWindow, window.onFrom < window.onUntil, window.onUntil - window.onFrom < window.period
        else { return nil }
        let elapsed = max(0, Self.nanoseconds(of: time - start))
        let periodStart = elapsed - elapsed % window.period
        let edges = [window.onFrom, window.onUntil, window.period + window.onFrom]
        for edge in edges where periodStart + edge > elapsed {
            return start + .nanoseconds(periodStart + edge)
        }
        // Unreachable: the last candidate is always in the next period.
        return start + .nanoseconds(periodStart + window.period + window.onFrom)
    }

    /// The on interval within a period, in nanoseconds from the period's start.
    private var onWindow: (period: Int64, onFrom: Int64, onUntil: Int64)? {
        switch pattern {
        case .off, .solid:
            return nil
        case .blink(let periodMilliseconds, let duty):
            let period = Self.nanoseconds(periodMilliseconds)
            return (period, 0, Int64((Double(period) * duty).rounded()))
        case .pulse(let periodMilliseconds):
            let period = Self.nanoseconds(periodMilliseconds)
            return (period, period * 35 / 100, period * 65 / 100)
        }
    }

    private func positionInPeriod(at time: Duration, periodNanoseconds: Int64) -> Int64 {
        let elapsed = max(0, Self.nanoseconds(of: time - start))
        return elapsed % periodNanoseconds
    }

    private static func nanoseconds(_ milliseconds: Int) -> Int64 { Int64(milliseconds) * 1_000_000 }

    private static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue &+ attoseconds / 1_000_000_000
    }
}

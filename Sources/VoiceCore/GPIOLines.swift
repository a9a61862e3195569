/// A logical edge on an input line: `isActive` already accounts for `active_low`, so for a button
/// "active" means "pressed".
public struct GPIOEdge: Sendable, Equatable {
    public var isActive: Bool
    /// The kernel's timestamp (CLOCK_MONOTONIC, nanoseconds), or 0 when unknown. Informational: the
    /// button service times gestures by its own clock.
    public var timestampNanoseconds: UInt64

    public init(isActive: Bool, timestampNanoseconds: UInt64 = 0) {
        self.isActive = isActive
        self.timestampNanoseconds = timestampNanoseconds
    }
}

/// A requested GPIO input line delivering edge events: the talk button.
///
/// `VoiceGPIO` implements it over libgpiod (v1 or v2, chosen at compile time); tests use the fake
/// in `VoiceTestSupport`. Lives in VoiceCore, like `AudioEngine`, so that fakes and the daemon's
/// tests need no C library.
public protocol GPIOButtonLine: AnyObject, Sendable {
    /// Where the line is, for status and logs: `gpiochip0 (pinctrl-bcm2835) line 17 "GPIO17"`.
    var description: String { get }
    /// True when the kernel debounces the line, so no software debounce is needed.
    var hasKernelDebounce: Bool { get }
    /// The logical level when the line was requested (true: pressed).
    var initiallyActive: Bool { get }
    /// Edges in the order they happened. One consumer. Finishes when the line is closed or fails;
    /// after a failure ``failure`` says what happened.
    var edges: AsyncStream<GPIOEdge> { get }
    /// Why the edge stream ended on its own (device removed, read error); nil after `close()`.
    var failure: String? { get }
    /// Stops the edge thread and releases the line. Idempotent.
    func close()
}

/// A requested GPIO output line: an LED.
public protocol GPIOOutputLine: AnyObject, Sendable {
    var description: String { get }
    /// Drives the line to its logical level (true: LED on; `active_low` is already applied).
    func setActive(_ active: Bool) throws
    /// Turns the LED off and releases the line. Idempotent.
    func close()
}

/// Opens GPIO lines: libgpiod in the daemon, a fake in tests.
///
/// Errors thrown are meant for a person: they say which chip or line, what is wrong and what to do,
/// and the daemon shows them as the button's (or LED's) unavailable reason while it keeps running.
public protocol GPIOLineProvider: Sendable {
    func openButton(_ settings: ButtonSettings, consumer: String) throws -> any GPIOButtonLine
    func openOutput(_ settings: LEDSettings, consumer: String) throws -> any GPIOOutputLine
}

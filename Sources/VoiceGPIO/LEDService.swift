import VoiceCore

/// Drives a status LED on a GPIO line: ``show(_:)`` picks the pattern for a state, and ``run()``
/// switches the line at each change of the pattern, sleeping in between (no polling).
public final class LEDService<C: Clock>: Sendable where C.Duration == Duration {
    private let line: any GPIOOutputLine
    private let patterns: LEDSettings.Patterns
    private let clock: C
    private let onError: (@Sendable (String) -> Void)?
    private let states: AsyncStream<LEDState>
    private let stateSink: AsyncStream<LEDState>.Continuation

    /// - Parameters:
    ///   - line: the opened LED line; the service turns it off and closes it when `run()` ends.
    ///   - settings: the pattern for each state.
    ///   - clock: paces blinking and pulsing.
    ///   - onError: told when writing the line starts failing (once per distinct message).
    public init(
        line: any GPIOOutputLine,
        settings: LEDSettings,
        clock: C,
        onError: (@Sendable (String) -> Void)? = nil
    ) {
        self.line = line
        self.patterns = settings.patterns
        self.clock = clock
        self.onError = onError
        (states, stateSink) = AsyncStream.makeStream(of: LEDState.self, bufferingPolicy: .bufferingNewest(16))
    }

    /// Shows `state` from now on. Callable from anywhere; the latest call wins.
    public func show(_ state: LEDState) {
        stateSink.yield(state)
    }

    /// Animates until the task is cancelled, then turns the LED off and releases the line.
    public func run() async {
        let origin = clock.now
        var animator = LEDAnimator(pattern: patterns[.idle], start: .zero)
        var written: Bool?
        var lastError: String?

        func apply(at now: Duration) {
            let level = animator.isOn(at: now)
            guard level != written else { return }
            do {
                try line.setActive(level)
                written = level
                lastError = nil
            } catch {
                let message = "LED \(line.description): \(error)"
                if message != lastError { onError?(message) }
                lastError = message
            }
        }

        apply(at: .zero)
        let first = animator.nextChange(after: .zero).map { origin.advanced(by: $0) }
        await runDeadlineLoop(clock: clock, inputs: states, firstDeadline: first) { event in
            let now = origin.duration(to: clock.now)
            if case .input(let state) = event { animator.show(patterns[state], at: now) }
            apply(at: now)
            return animator.nextChange(after: now).map { origin.advanced(by: $0) }
        }
        try? line.setActive(false)
        line.close()
    }

    /// Stops accepting states; `run()` then ends once it has handled the ones already sent.
    public func finish() {
        stateSink.finish()
    }
}

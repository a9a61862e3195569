import VoiceCore

/// Turns a button line's edges into gestures, with the thresholds and action table of
/// ``ButtonSettings``; the daemon reads ``gestures`` and maps each through
/// `ButtonSettings.commands(for:)`.
///
/// Gestures are timed by the injected clock at the moment an edge arrives (kernel timestamps would
/// not share the clock's time base; delivery takes microseconds, thresholds are hundreds of
/// milliseconds). Software debounce is used only when the line has no kernel debounce.
public final class ButtonService<C: Clock>: Sendable where C.Duration == Duration {
    /// Recognized gestures, in order. One consumer. Finishes when ``run()`` returns.
    public let gestures: AsyncStream<ButtonGesture>
    private let gestureSink: AsyncStream<ButtonGesture>.Continuation
    private let line: any GPIOButtonLine
    private let configuration: ButtonGestureRecognizer.Configuration
    private let clock: C

    /// - Parameters:
    ///   - line: the opened button line; the service closes it when `run()` ends.
    ///   - settings: thresholds and which gestures are recognized at all.
    ///   - clock: times the gestures.
    public init(line: any GPIOButtonLine, settings: ButtonSettings, clock: C) {
        self.line = line
        self.configuration = settings.recognizerConfiguration(softwareDebounce: !line.hasKernelDebounce)
        self.clock = clock
        (gestures, gestureSink) = AsyncStream.makeStream(of: ButtonGesture.self)
    }

    /// Recognizes gestures until the line's edge stream ends or the task is cancelled, then closes
    /// the line and finishes ``gestures``.
    ///
    /// - Returns: why the line stopped on its own (for status `button.reason`), or nil when it was
    ///   cancelled or closed.
    @discardableResult
    public func run() async -> String? {
        let origin = clock.now
        var recognizer = ButtonGestureRecognizer(
            configuration: configuration,
            initiallyPressed: line.initiallyActive,
            now: .zero
        )
        await runDeadlineLoop(clock: clock, inputs: line.edges, firstDeadline: nil) { event in
            let now = origin.duration(to: clock.now)
            let recognized: [ButtonGesture]
            switch event {
            case .input(let edge): recognized = recognizer.edge(pressed: edge.isActive, at: now)
            case .deadline: recognized = recognizer.tick(now: now)
            }
            for gesture in recognized { gestureSink.yield(gesture) }
            return recognizer.nextDeadline.map { origin.advanced(by: $0) }
        }
        let failure = line.failure
        line.close()
        gestureSink.finish()
        return failure
    }
}

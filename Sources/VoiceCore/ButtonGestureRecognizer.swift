/// Turns a button's raw edges into gestures: tap, double tap, hold start/end, long hold.
///
/// Pure and clock-free: every input carries its time (a monotonic `Duration` since any origin).
/// Time-based gestures (a hold crossing its threshold, a tap whose double-tap window ran out) are
/// produced by ``tick(now:)``; the owner calls it at ``nextDeadline``. A late tick is harmless:
/// whatever fell due in between is reported in order, and so is everything that fell due before an
/// edge when the edge arrives first.
///
/// Debounce (when the kernel cannot do it) is leading-edge: the first edge counts at once, further
/// edges within the debounce time are bounce, and if the line then rests at another level, that
/// level counts when the debounce time ends.
public struct ButtonGestureRecognizer: Sendable {
    /// Thresholds; a nil threshold switches its gesture off.
    public struct Configuration: Sendable, Equatable {
        /// Software debounce time; nil when the kernel debounces (or the line needs none).
        public var debounce: Duration?
        /// Press length at which a press becomes a hold; nil: presses of any length are taps.
        public var holdThreshold: Duration?
        /// Press length at which a press becomes a long hold; nil: no long hold.
        public var longHoldThreshold: Duration?
        /// Longest gap from a tap's release to the next press for a double tap; nil: no double tap,
        /// and taps are reported at release.
        public var doubleTapWindow: Duration?

        public init(
            debounce: Duration? = nil,
            holdThreshold: Duration? = .milliseconds(500),
            longHoldThreshold: Duration? = .milliseconds(5000),
            doubleTapWindow: Duration? = .milliseconds(300)
        ) {
            self.debounce = debounce
            self.holdThreshold = holdThreshold
            self.longHoldThreshold = longHoldThreshold
            self.doubleTapWindow = doubleTapWindow
        }
    }

    private enum Phase: Equatable {
        case idle
        /// The button was already down at start-up (or stuck): nothing counts until it is released.
        case ignoringUntilRelease
        case pressed(since: Duration, isSecondPress: Bool)
        case holding(since: Duration)
        case longHeld
        /// A tap was released; a press before the window ends makes it a double tap.
        case awaitingSecondPress(releasedAt: Duration)
    }

    public let configuration: Configuration
    /// The debounced level: true while the button counts as pressed.
    public private(set) var isPressed: Bool
    /// The level of the last edge, bounce included.
    private var rawPressed: Bool
    /// End of the current debounce lock-out, if software debounce is on.
    private var lockoutEnd: Duration?
    private var phase: Phase
    private var latestTime: Duration

    /// - Parameters:
    ///   - initiallyPressed: the line's level when the recognizer starts; a button held at start-up
    ///     is ignored until it is released.
    ///   - now: the start time.
    public init(configuration: Configuration = .init(), initiallyPressed: Bool = false, now: Duration = .zero) {
        self.configuration = configuration
        isPressed = initiallyPressed
        rawPressed = initiallyPressed
        lockoutEnd = nil
        phase = initiallyPressed ? .ignoringUntilRelease : .idle
        latestTime = now
    }

    /// When the owner must call ``tick(now:)`` next; nil when nothing is pending.
    public var nextDeadline: Duration? {
        [phaseDeadline, settleDeadline].compactMap { $0 }.min()
    }

    /// A raw edge: the line became pressed (active) or released at `time`.
    ///
    /// An edge whose time is earlier than one already seen counts as happening at that later time.
    public mutating func edge(pressed: Bool, at time: Duration) -> [ButtonGesture] {
        let now = max(time, latestTime)
        latestTime = now
        var gestures = advance(to: now)
        rawPressed = pressed
        guard pressed != isPressed else { return gestures }
        if let lockoutEnd, now < lockoutEnd { return gestures }
        accept(pressed: pressed, at: now, into: &gestures)
        return gestures
    }

    /// Reports the gestures whose time has come.
    public mutating func tick(now time: Duration) -> [ButtonGesture] {
        let now = max(time, latestTime)
        latestTime = now
        return advance(to: now)
    }

    // MARK: - Time

    private var phaseDeadline: Duration? {
        switch phase {
        case .idle, .ignoringUntilRelease, .longHeld:
            return nil
        case .pressed(let since, _):
            if let hold = configuration.holdThreshold { return since + hold }
            return configuration.longHoldThreshold.map { since + $0 }
        case .holding(let since):
            return configuration.longHoldThreshold.map { since + $0 }
        case .awaitingSecondPress(let releasedAt):
            return configuration.doubleTapWindow.map { releasedAt + $0 }
        }
    }

    /// When a level that differs from the debounced one, held through the lock-out, takes effect.
    private var settleDeadline: Duration? {
        guard rawPressed != isPressed else { return nil }
        return lockoutEnd
    }

    /// Processes every deadline up to `time`, earliest first; a settling edge before a gesture timer
    /// due at the same moment, because the edge physically happened earlier.
    private mutating func advance(to time: Duration) -> [ButtonGesture] {
        var gestures: [ButtonGesture] = []
        while true {
            if let settle = settleDeadline, settle <= time, phaseDeadline.map({ settle <= $0 }) ?? true {
                accept(pressed: rawPressed, at: settle, into: &gestures)
            } else if let deadline = phaseDeadline, deadline <= time {
                firePhaseTimer(into: &gestures)
            } else {
                return gestures
            }
        }
    }

    private mutating func firePhaseTimer(into gestures: inout [ButtonGesture]) {
        switch phase {
        case .pressed(let since, let isSecondPress):
            // The first press of the pair was a complete tap.
            if isSecondPress { gestures.append(.tap) }
            if configuration.holdThreshold != nil {
                gestures.append(.holdStarted)
                phase = .holding(since: since)
            } else {
                gestures.append(.longHold)
                phase = .longHeld
            }
        case .holding:
            gestures += [.holdCancelled, .longHold]
            phase = .longHeld
        case .awaitingSecondPress:
            gestures.append(.tap)
            phase = .idle
        case .idle, .ignoringUntilRelease, .longHeld:
            break
        }
    }

    // MARK: - Debounced edges

    private mutating func accept(pressed: Bool, at time: Duration, into gestures: inout [ButtonGesture]) {
        isPressed = pressed
        lockoutEnd = configuration.debounce.map { time + $0 }
        if pressed { pressStarted(at: time) } else { pressEnded(at: time, into: &gestures) }
    }

    private mutating func pressStarted(at time: Duration) {
        switch phase {
        case .idle: phase = .pressed(since: time, isSecondPress: false)
        case .awaitingSecondPress: phase = .pressed(since: time, isSecondPress: true)
        case .ignoringUntilRelease, .pressed, .holding, .longHeld: break
        }
    }

    private mutating func pressEnded(at time: Duration, into gestures: inout [ButtonGesture]) {
        switch phase {
        case .pressed(_, let isSecondPress):
            if isSecondPress {
                gestures.append(.doubleTap)
                phase = .idle
            } else if configuration.doubleTapWindow != nil {
                phase = .awaitingSecondPress(releasedAt: time)
            } else {
                gestures.append(.tap)
                phase = .idle
            }
        case .holding:
            gestures.append(.holdEnded)
            phase = .idle
        case .longHeld, .ignoringUntilRelease:
            phase = .idle
        case .idle, .awaitingSecondPress:
            break
        }
    }
}

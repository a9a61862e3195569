/// A source of uniformly distributed numbers in `0..<1`, injectable so that tests get fixed values.
public protocol UnitRandomSource: Sendable {
    mutating func nextUnit() -> Double
}

/// The system random number generator, as a `UnitRandomSource`.
public struct SystemUnitRandomSource: UnitRandomSource {
    public init() {}
    public mutating func nextUnit() -> Double { Double.random(in: 0..<1) }
}

/// Replays a fixed list of values (cycling), for tests.
public struct FixedUnitRandomSource: UnitRandomSource {
    public var values: [Double]
    private var index = 0

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a fixed random source needs at least one value")
        self.values = values
    }

    public mutating func nextUnit() -> Double {
        defer { index = (index + 1) % values.count }
        return min(max(values[index], 0), 0.999_999_999)
    }
}

/// When to try the realtime connection again after a failure: capped exponential backoff with jitter.
///
/// Pure and clock-free: the caller passes the current time (any monotonic time line, as a `Duration`
/// since an arbitrary origin) with each input and sleeps for the returned delay itself.
///
/// - Transient failures (network, DNS, TLS, 5xx, abnormal closes, timeouts) back off from
///   `initialDelay`, multiplying by `multiplier` per consecutive failure up to `maximumDelay`.
/// - Fatal failures (the API key was rejected) wait a long, jittered `fatalDelay`: hammering a
///   service with a bad key helps nobody, but a key fixed on the service side is picked up eventually.
/// - A connection that became ready and then dropped within `quickFailureWindow` counts as a failure,
///   so a server that accepts and drops at once is backed off rather than looped.
/// - A connection that stayed up for `stableAfter` resets the failure count.
public struct BackoffPolicy: Sendable {
    public enum Jitter: String, Sendable, Codable, CaseIterable {
        /// The exact exponential schedule (tests, debugging).
        case none
        /// Uniform between `initialDelay` and the exponential ceiling ("full jitter", floored so a retry
        /// never fires immediately).
        case full
        /// Uniform between `initialDelay` and three times the previous delay, capped ("decorrelated jitter").
        case decorrelated
    }

    public struct Configuration: Sendable, Equatable {
        public var initialDelay: Duration = .milliseconds(500)
        public var multiplier: Double = 2
        public var maximumDelay: Duration = .seconds(30)
        public var jitter: Jitter = .full
        /// A ready connection that lasts this long resets the failure count.
        public var stableAfter: Duration = .seconds(60)
        /// A ready connection that drops sooner than this counts as a failure.
        public var quickFailureWindow: Duration = .seconds(5)
        /// The range of delays after a fatal (authentication) failure.
        public var fatalDelayMinimum: Duration = .seconds(300)
        public var fatalDelayMaximum: Duration = .seconds(600)

        public init() {}
    }

    /// Why the last attempt ended, as far as the schedule cares.
    public enum Failure: Sendable, Equatable {
        case transient
        case fatal
    }

    public let configuration: Configuration
    private var random: any UnitRandomSource
    /// Consecutive failures since the last stable connection.
    public private(set) var consecutiveFailures = 0
    private var previousDelay: Duration?
    /// When the current connection became ready, if it is up.
    private var readySince: Duration?

    public init(configuration: Configuration = .init(), random: any UnitRandomSource = SystemUnitRandomSource()) {
        self.configuration = configuration
        self.random = random
    }

    /// The connection became ready (configured, usable) at `now`.
    public mutating func connectionReady(at now: Duration) {
        readySince = now
    }

    /// Lets a long-lived connection reset the schedule without waiting for it to drop.
    public mutating func tick(at now: Duration) {
        if let readySince, now - readySince >= configuration.stableAfter {
            consecutiveFailures = 0
            previousDelay = nil
        }
    }

    /// The connection attempt or the connection ended with `failure` at `now`.
    ///
    /// - Returns: how long to wait before the next attempt.
    public mutating func delayAfter(_ failure: Failure, at now: Duration) -> Duration {
        tick(at: now)
        readySince = nil
        consecutiveFailures += 1
        switch failure {
        case .fatal:
            previousDelay = nil
            return uniform(configuration.fatalDelayMinimum, configuration.fatalDelayMaximum)
        case .transient:
            let delay = transientDelay()
            previousDelay = delay
            return delay
        }
    }

    /// A ready connection closed at `now` for a reason that is not itself a failure (a server-initiated
    /// normal close, a rotation). Returns nil when the next attempt may start at once, or a delay when
    /// the connection was too short-lived to count as a success.
    public mutating func delayAfterClose(at now: Duration) -> Duration? {
        guard let readySince else { return delayAfter(.transient, at: now) }
        if now - readySince < configuration.quickFailureWindow {
            return delayAfter(.transient, at: now)
        }
        tick(at: now)
        self.readySince = nil
        return nil
    }

    /// Whether a connection that became ready at `readyAt` and ended at `now` was a quick failure.
    public func isQuickFailure(readyAt: Duration, endedAt now: Duration) -> Bool {
        now - readyAt < configuration.quickFailureWindow
    }

    /// Forgets all failures (a person asked to reconnect, or the configuration changed).
    public mutating func reset() {
        consecutiveFailures = 0
        previousDelay = nil
        readySince = nil
    }

    private mutating func transientDelay() -> Duration {
        let initial = configuration.initialDelay
        let cap = max(configuration.maximumDelay, initial)
        // consecutiveFailures is already counted: the first failure waits about `initialDelay`.
        let exponent = Double(max(consecutiveFailures - 1, 0))
        let ceiling = min(scale(initial, by: pow(configuration.multiplier, exponent)), cap)
        switch configuration.jitter {
        case .none:
            return ceiling
        case .full:
            return uniform(initial, ceiling)
        case .decorrelated:
            let upper = min(scale(previousDelay ?? initial, by: 3), cap)
            return uniform(initial, max(upper, initial))
        }
    }

    private mutating func uniform(_ lower: Duration, _ upper: Duration) -> Duration {
        guard upper > lower else { return lower }
        return lower + scale(upper - lower, by: random.nextUnit())
    }
}

/// `duration * factor`, saturating instead of overflowing for huge factors.
private func scale(_ duration: Duration, by factor: Double) -> Duration {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    let scaled = seconds * factor
    guard scaled.isFinite, scaled < 1e9 else { return .seconds(1_000_000_000) }
    return .nanoseconds(Int64((max(scaled, 0) * 1e9).rounded()))
}

/// Integer-free power for the multiplier (VoiceCore does not import libm).
private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 && result < 1e12 {
        result *= base
        remaining -= 1
    }
    return result
}

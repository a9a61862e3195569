import Synchronization

/// Something that must keep moving while the daemon is healthy: a frame counter of an audio thread,
/// the heartbeat of the session task.
public struct WatchdogProbe: Sendable {
    /// Shown in ``WatchdogTick/stalledProbes`` and in the daemon's log, e.g. `audio.capture`.
    public let name: String
    /// A counter that grows while the part works; nil while it is idle by design (the audio engine
    /// stopped on purpose, a reconnect back-off), which the watchdog then does not hold against it.
    public let progress: @Sendable () -> Int?

    public init(name: String, progress: @escaping @Sendable () -> Int?) {
        self.name = name
        self.progress = progress
    }
}

/// What one watchdog check found; handed to the observer after every check.
public struct WatchdogTick: Sendable, Equatable {
    /// `WATCHDOG=1` was sent (every probe advanced or was idle by design).
    public var pinged: Bool
    /// Probes whose counter did not move since the previous check, in registration order.
    public var stalledProbes: [String]

    public init(pinged: Bool, stalledProbes: [String]) {
        self.pinged = pinged
        self.stalledProbes = stalledProbes
    }
}

/// Sends `WATCHDOG=1` at half of systemd's `WatchdogSec=`, but only while every registered probe
/// makes progress. A hung audio thread therefore stops the pings, and systemd restarts the daemon
/// (`Restart=on-failure`) instead of leaving a silent appliance running.
///
/// One missed check is tolerated by construction: systemd acts only after a whole interval, two
/// checks, without a ping.
///
/// `run()` is a plain async loop; the daemon wraps it in its `ServiceGroup`. Time comes from the
/// injected clock so that tests drive the cadence by hand.
public final class WatchdogService<C: Clock>: Sendable where C.Duration == Duration {
    private let notifier: SystemdNotifier
    private let interval: Duration?
    private let clock: C
    private let observer: (@Sendable (WatchdogTick) -> Void)?
    private let probes = Mutex<[WatchdogProbe]>([])

    /// - Parameters:
    ///   - notifier: where `WATCHDOG=1` goes.
    ///   - interval: systemd's watchdog interval; by default the notifier's (`WATCHDOG_USEC`). When it
    ///     is nil the watchdog is off and `run()` only waits for cancellation.
    ///   - clock: the clock the checks are paced by.
    ///   - observer: called after every check, on the service's task (log stalls from here).
    public init(
        notifier: SystemdNotifier,
        interval: Duration? = nil,
        clock: C,
        observer: (@Sendable (WatchdogTick) -> Void)? = nil
    ) {
        self.notifier = notifier
        self.interval = interval ?? notifier.watchdogInterval
        self.clock = clock
        self.observer = observer
    }

    /// The time between checks: half the watchdog interval, or nil when the watchdog is off.
    public var checkInterval: Duration? {
        guard let interval, interval > .zero else { return nil }
        return interval / 2
    }

    /// Adds a probe; may be called before or while `run()` runs. A probe added late is judged from
    /// the first check that has seen it once.
    public func register(_ probe: WatchdogProbe) {
        probes.withLock { $0.append(probe) }
    }

    /// Pings until the task is cancelled; returns normally on cancellation.
    public func run() async {
        guard let period = checkInterval else {
            // Watchdog off: stay alive like any other service until shutdown.
            while !Task.isCancelled {
                do { try await clock.sleep(for: .seconds(3600)) } catch { return }
            }
            return
        }
        // The baseline is read before the first ping, so progress made after it counts in the first check.
        var lastSeen = readProbes()
        // Everything was just set up: one ping now gives the first check a full period of grace.
        notifier.watchdog()
        var deadline = clock.now.advanced(by: period)
        while !Task.isCancelled {
            do { try await clock.sleep(until: deadline, tolerance: nil) } catch { return }
            let tick = check(lastSeen: &lastSeen)
            if tick.pinged { notifier.watchdog() }
            observer?(tick)
            deadline = deadline.advanced(by: period)
            // After a long suspension (a stopped process, a slow clock step) do not burst catch-up pings.
            let now = clock.now
            if deadline < now { deadline = now.advanced(by: period) }
        }
    }

    private func readProbes() -> [String: Int?] {
        let current = probes.withLock { $0 }
        var values: [String: Int?] = [:]
        for probe in current { values[probe.name] = probe.progress() }
        return values
    }

    /// Compares every probe with its previous value and remembers the new values.
    private func check(lastSeen: inout [String: Int?]) -> WatchdogTick {
        let current = probes.withLock { $0 }
        var stalled: [String] = []
        for probe in current {
            let value = probe.progress()
            if let value, case .some(.some(let previous)) = lastSeen[probe.name], previous == value {
                stalled.append(probe.name)
            }
            lastSeen[probe.name] = .some(value)
        }
        return WatchdogTick(pinged: stalled.isEmpty, stalledProbes: stalled)
    }
}

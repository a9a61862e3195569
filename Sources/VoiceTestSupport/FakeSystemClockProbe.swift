import VoiceCore

/// A machine's clock as the probes would find it: a wall-clock reading, the paths that exist, the kernel's
/// NTP state. The presets are the cases voiced tells apart.
public struct FakeSystemClockProbe: SystemClockProbe {
    public var now: Int
    public var existingPaths: Set<String>
    public var kernelSynchronized: Bool?

    public init(now: Int, existingPaths: Set<String> = [], kernelSynchronized: Bool? = nil) {
        self.now = now
        self.existingPaths = existingPaths
        self.kernelSynchronized = kernelSynchronized
    }

    public func secondsSinceEpoch() -> Int { now }
    public func pathExists(_ path: String) -> Bool { existingPaths.contains(path) }
    public func kernelClockSynchronized() -> Bool? { kernelSynchronized }

    /// A month after this build: a plausible time.
    public static var plausibleNow: Int { VoicedBuild.sourceDateSecondsSinceEpoch + 30 * 86_400 }

    /// systemd-timesyncd has synchronized the clock.
    public static func timesyncdSynchronized(now: Int = plausibleNow) -> FakeSystemClockProbe {
        FakeSystemClockProbe(
            now: now,
            existingPaths: [
                SystemClockPaths.systemdBooted, SystemClockPaths.timesyncdRuntimeDirectory,
                SystemClockPaths.timesyncdSynchronized,
            ])
    }

    /// A Pi after boot: timesyncd runs but has not reached a server; the kernel cannot be asked (the unit's
    /// ProtectClock=).
    public static func timesyncdWaiting(now: Int = plausibleNow) -> FakeSystemClockProbe {
        FakeSystemClockProbe(
            now: now, existingPaths: [SystemClockPaths.systemdBooted, SystemClockPaths.timesyncdRuntimeDirectory])
    }

    /// A container: not booted by systemd, no timesyncd, the kernel flag unreadable.
    public static func container(now: Int = plausibleNow) -> FakeSystemClockProbe {
        FakeSystemClockProbe(now: now)
    }
}

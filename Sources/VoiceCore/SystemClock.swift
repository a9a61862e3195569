// Whether the wall clock can be trusted. A Raspberry Pi has no real-time clock: until NTP sets the time after
// boot, the clock reads 1970 or the last shutdown (fake-hwclock, timesyncd's saved clock), and TLS cannot check
// a certificate's validity period. These types say, from a few probes, whether the clock is the likely cause.

/// Facts about this build of voiced, written in the source as the version is (`DaemonRunner.version`): no build
/// step computes them, so builds stay reproducible.
public enum VoicedBuild {
    /// A moment this source tree certainly postdates (2026-11-22 00:00 UTC): a wall clock earlier than this is
    /// wrong. Move it forward now and then (with a release), never beyond the day it is written.
    public static let sourceDateSecondsSinceEpoch = 1_795_305_600
}

/// Where systemd and systemd-timesyncd say what they know about time.
public enum SystemClockPaths {
    /// Touched by systemd-timesyncd on each successful synchronization (man systemd-timesyncd.service); it lives
    /// in timesyncd's runtime directory, so it is gone after a reboot until the next synchronization.
    public static let timesyncdSynchronized = "/run/systemd/timesync/synchronized"
    /// systemd-timesyncd's `RuntimeDirectory=`: present while the service runs.
    public static let timesyncdRuntimeDirectory = "/run/systemd/timesync"
    /// Present when systemd booted the machine (`sd_booted()`); absent in most containers.
    public static let systemdBooted = "/run/systemd/system"
    /// Made by chronyd when it starts (its pid file lives inside, out of other users' reach).
    public static let chronydRuntimeDirectory = "/run/chrony"
    /// ntpd's pid file (ntp, ntpsec) while it runs.
    public static let ntpdPIDFile = "/run/ntpd.pid"
}

/// What the checks read about the wall clock: the live machine in the daemon, a fake in tests.
public protocol SystemClockProbe: Sendable {
    /// The wall clock: seconds since 1970-01-01 00:00 UTC.
    func secondsSinceEpoch() -> Int
    /// Whether a file or directory exists.
    func pathExists(_ path: String) -> Bool
    /// The kernel's NTP state (`adjtimex`): true when an NTP client (chrony, ntpd, timesyncd) disciplines the
    /// clock, false when the kernel flags it unsynchronized, nil when it cannot be read (systemd's
    /// `ProtectClock=` refuses the call altogether, even for reading).
    func kernelClockSynchronized() -> Bool?
}

/// Whether something that keeps the time has set the wall clock.
public enum ClockSynchronization: Sendable, Equatable {
    /// `source` says who: "systemd-timesyncd", "an NTP client, per the kernel".
    case synchronized(source: String)
    /// `reason` says what is missing.
    case notSynchronized(reason: String)
    /// Nothing here can tell (a container, a sandbox that hides the kernel's state); `reason` says why.
    case unknown(reason: String)
}

/// The wall clock as voiced judges it: what it reads, whether it is synchronized, and whether it is earlier than
/// this build (then it is certainly wrong).
public struct SystemClockAssessment: Sendable, Equatable {
    public var secondsSinceEpoch: Int
    public var synchronization: ClockSynchronization
    /// The earliest time the clock could rightly read (``VoicedBuild/sourceDateSecondsSinceEpoch``).
    public var earliestPlausibleSecondsSinceEpoch: Int

    public init(
        secondsSinceEpoch: Int, synchronization: ClockSynchronization,
        earliestPlausibleSecondsSinceEpoch: Int = VoicedBuild.sourceDateSecondsSinceEpoch
    ) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.synchronization = synchronization
        self.earliestPlausibleSecondsSinceEpoch = earliestPlausibleSecondsSinceEpoch
    }

    /// Reads the probe once.
    ///
    /// Synchronized when timesyncd's flag file exists or the kernel says an NTP client disciplines the clock. Not
    /// synchronized when timesyncd runs without its flag (it has not reached a server yet), or when systemd booted
    /// the machine, timesyncd does not run and either the kernel flags the clock unsynchronized or, the kernel
    /// being out of reach, no chronyd or ntpd is there either. Otherwise unknown: in a container the kernel's
    /// flag says nothing (the host keeps the time; this VM reports `TIME_ERROR` with a correct clock), and under
    /// the unit's `ProtectClock=` (which refuses `adjtimex` even for reading) chronyd's or ntpd's state is hidden.
    public init(
        probe: some SystemClockProbe,
        earliestPlausibleSecondsSinceEpoch: Int = VoicedBuild.sourceDateSecondsSinceEpoch
    ) {
        let now = probe.secondsSinceEpoch()
        let synchronization: ClockSynchronization
        let kernel = probe.kernelClockSynchronized()
        if probe.pathExists(SystemClockPaths.timesyncdSynchronized) {
            synchronization = .synchronized(source: "systemd-timesyncd")
        } else if kernel == true {
            synchronization = .synchronized(source: "an NTP client, per the kernel")
        } else if probe.pathExists(SystemClockPaths.timesyncdRuntimeDirectory) {
            synchronization = .notSynchronized(
                reason: "systemd-timesyncd runs but has not reached an NTP server: no "
                    + SystemClockPaths.timesyncdSynchronized)
        } else if probe.pathExists(SystemClockPaths.systemdBooted) {
            let otherClient =
                probe.pathExists(SystemClockPaths.chronydRuntimeDirectory)
                || probe.pathExists(SystemClockPaths.ntpdPIDFile)
            if kernel == false {
                synchronization = .notSynchronized(
                    reason: "systemd-timesyncd does not run, and the kernel reports that no NTP client has set the "
                        + "clock")
            } else if otherClient {
                synchronization = .unknown(
                    reason: "chronyd or ntpd keeps the time, but the kernel's clock state cannot be read here")
            } else {
                synchronization = .notSynchronized(
                    reason: "no NTP client runs: systemd-timesyncd is stopped or disabled, and there is no chronyd "
                        + "or ntpd")
            }
        } else {
            synchronization =
                kernel == false
                ? .unknown(
                    reason: "the kernel reports no NTP client, but systemd did not boot this system, as in a "
                        + "container, whose host may keep the time")
                : .unknown(reason: "no systemd-timesyncd, and the kernel's clock state cannot be read here")
        }
        self.init(
            secondsSinceEpoch: now, synchronization: synchronization,
            earliestPlausibleSecondsSinceEpoch: earliestPlausibleSecondsSinceEpoch)
    }

    /// The clock reads earlier than this build was made: it is certainly wrong.
    public var isBeforeBuild: Bool { secondsSinceEpoch < earliestPlausibleSecondsSinceEpoch }

    /// "2025-01-03 10:00 UTC".
    public var reading: String { UTCTimestamp.minutes(secondsSinceEpoch) }

    /// How every certificate-failure message opens (after "TLS failed: "): what `voicectl doctor` looks for in the
    /// connection's last error.
    public static let certificateNotVerified = "the server's certificate could not be verified"

    /// What to say when a server's certificate failed verification: whether the clock is to blame, and what to do.
    ///
    /// - Parameter detail: the TLS library's reason, in words ("certificate verify failed").
    public func certificateFailureMessage(detail: String) -> String {
        let opening = "TLS failed: \(Self.certificateNotVerified) (\(detail))."
        let waiting =
            "a board without a real-time clock cannot check certificates until NTP sets the time. "
            + "Check `timedatectl`; voiced retries by itself."
        if isBeforeBuild {
            let state: String
            switch synchronization {
            case .synchronized: state = ""
            case .notSynchronized(let reason), .unknown(let reason): state = " (\(reason))"
            }
            return opening
                + " The system clock reads \(reading), before this build of voiced was made "
                + "(\(UTCTimestamp.day(earliestPlausibleSecondsSinceEpoch))), so it is wrong\(state): " + waiting
        }
        switch synchronization {
        case .notSynchronized(let reason):
            return opening + " The system clock reads \(reading) and has not been synchronized (\(reason)): "
                + waiting
        case .unknown(let reason):
            return opening
                + " The system clock reads \(reading); whether it is synchronized is unknown (\(reason)). If that "
                + "time is wrong, that is the cause: set it (`timedatectl`) and voiced retries by itself; if it is "
                + "right, this system does not trust the certificate (check the ca-certificates package, and any "
                + "proxy that intercepts TLS)."
        case .synchronized(let source):
            return opening
                + " The system clock reads \(reading) and is synchronized (\(source)), so the clock is not the "
                + "cause: this system does not trust the certificate (check the ca-certificates package, "
                + "realtime.url, and any proxy that intercepts TLS)."
        }
    }

    /// What to say without a probe: the clock may be the cause.
    public static func certificateFailureMessageWithoutProbe(detail: String) -> String {
        "TLS failed: \(certificateNotVerified) (\(detail)). If the system clock is wrong "
            + "(a board without a real-time clock, before NTP sets the time), that is the cause: check "
            + "`timedatectl`; voiced retries by itself."
    }
}

/// UTC calendar text for seconds since 1970, without Foundation.
public enum UTCTimestamp {
    /// "2025-01-03 10:00 UTC".
    public static func minutes(_ secondsSinceEpoch: Int) -> String {
        let (days, secondOfDay) = secondsSinceEpoch.floorDividedBy(86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return
            "\(dateText(year, month, day)) \(twoDigits(secondOfDay / 3600)):\(twoDigits(secondOfDay % 3600 / 60)) UTC"
    }

    /// "2025-01-03".
    public static func day(_ secondsSinceEpoch: Int) -> String {
        let (year, month, day) = civilDate(daysSinceEpoch: secondsSinceEpoch.floorDividedBy(86_400).quotient)
        return dateText(year, month, day)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        // Count from 0000-03-01, so that the leap day ends each year, in 400-year cycles of 146 097 days.
        let (cycle, dayOfCycle) = (days + 719_468).floorDividedBy(146_097)
        // Years of 365 days, with a leap day every 4th year except every 100th, except the 400th.
        let yearOfCycle = (dayOfCycle - dayOfCycle / 1460 + dayOfCycle / 36_524 - dayOfCycle / 146_096) / 365
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)
        // Months from March, of 31 30 31 30 31 31 30 31 30 31 31 28/29 days: (153 m + 2) / 5 days before month m.
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = cycle * 400 + yearOfCycle + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func dateText(_ year: Int, _ month: Int, _ day: Int) -> String {
        let yearText = String(abs(year))
        let padded = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return "\(year < 0 ? "-" : "")\(padded)-\(twoDigits(month))-\(twoDigits(day))"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension Int {
    /// Quotient rounded down and a non-negative remainder (for times before 1970).
    fileprivate func floorDividedBy(_ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = ((self % divisor) + divisor) % divisor
        return ((self - remainder) / divisor, remainder)
    }
}

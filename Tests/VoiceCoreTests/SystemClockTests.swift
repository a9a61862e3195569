import Testing
@testable import VoiceCore
import VoiceTestSupport

@Suite struct SystemClockTests {
    /// 2025-01-03 10:00:00 UTC.
    static let earlyJanuary2025 = 1_735_898_400
    static let buildFloor = VoicedBuild.sourceDateSecondsSinceEpoch

    // MARK: - Combining the probes

    @Test func timesyncdsFlagFileMeansSynchronized() {
        let assessment = SystemClockAssessment(probe: FakeSystemClockProbe.timesyncdSynchronized())
        #expect(assessment.synchronization == .synchronized(source: "systemd-timesyncd"))
    }

    @Test func theKernelsFlagMeansSynchronizedWithoutTimesyncd() {
        // chrony or ntpd: no timesyncd files, but the kernel's STA_UNSYNC is clear.
        let probe = FakeSystemClockProbe(
            now: FakeSystemClockProbe.plausibleNow, existingPaths: [SystemClockPaths.systemdBooted],
            kernelSynchronized: true)
        guard case .synchronized = SystemClockAssessment(probe: probe).synchronization else {
            Issue.record("the kernel's synchronized flag was not believed")
            return
        }
    }

    @Test func timesyncdRunningWithoutItsFlagIsNotSynchronized() {
        let assessment = SystemClockAssessment(probe: FakeSystemClockProbe.timesyncdWaiting())
        guard case .notSynchronized(let reason) = assessment.synchronization else {
            Issue.record("expected not synchronized, got \(assessment.synchronization)")
            return
        }
        #expect(reason.contains("/run/systemd/timesync/synchronized"))
    }

    @Test func aSystemdMachineWhoseKernelSaysUnsynchronizedIsNotSynchronized() {
        let probe = FakeSystemClockProbe(
            now: FakeSystemClockProbe.plausibleNow, existingPaths: [SystemClockPaths.systemdBooted],
            kernelSynchronized: false)
        guard case .notSynchronized(let reason) = SystemClockAssessment(probe: probe).synchronization else {
            Issue.record("expected not synchronized")
            return
        }
        #expect(reason.contains("systemd-timesyncd does not run"))
    }

    @Test func aContainerCannotTell() {
        // Whether the kernel's flag is readable or not: the host keeps a container's time.
        for kernel in [false, nil] as [Bool?] {
            var probe = FakeSystemClockProbe.container()
            probe.kernelSynchronized = kernel
            guard case .unknown = SystemClockAssessment(probe: probe).synchronization else {
                Issue.record("a container with kernel flag \(String(describing: kernel)) was judged")
                return
            }
        }
    }

    @Test func aSandboxedServiceWithChronyOrNtpdCannotTell() {
        // The unit's ProtectClock= refuses adjtimex, and chronyd or ntpd runs: its state is out of reach.
        for client in [SystemClockPaths.chronydRuntimeDirectory, SystemClockPaths.ntpdPIDFile] {
            let probe = FakeSystemClockProbe(
                now: FakeSystemClockProbe.plausibleNow, existingPaths: [SystemClockPaths.systemdBooted, client])
            guard case .unknown(let reason) = SystemClockAssessment(probe: probe).synchronization else {
                Issue.record("expected unknown with \(client)")
                return
            }
            #expect(reason.contains("cannot be read"))
        }
    }

    @Test func aSandboxedServiceWithNoNTPClientAtAllIsNotSynchronized() {
        // timesyncd disabled (`timedatectl set-ntp false`), nothing else: the kernel need not be asked.
        let probe = FakeSystemClockProbe(
            now: FakeSystemClockProbe.plausibleNow, existingPaths: [SystemClockPaths.systemdBooted])
        guard case .notSynchronized(let reason) = SystemClockAssessment(probe: probe).synchronization else {
            Issue.record("expected not synchronized")
            return
        }
        #expect(reason.hasPrefix("no NTP client runs"))
    }

    @Test func aClockBeforeTheBuildIsWrongWhateverTheProbesSay() {
        let probe = FakeSystemClockProbe.timesyncdWaiting(now: Self.buildFloor - 1)
        #expect(SystemClockAssessment(probe: probe).isBeforeBuild)
        #expect(!SystemClockAssessment(probe: FakeSystemClockProbe.timesyncdWaiting()).isBeforeBuild)
        let floorMoved = SystemClockAssessment(probe: probe, earliestPlausibleSecondsSinceEpoch: Self.earlyJanuary2025)
        #expect(!floorMoved.isBeforeBuild)
    }

    // MARK: - The message after a certificate failure

    @Test func anUnsynchronizedClockIsNamedWithWhatToDo() {
        let assessment = SystemClockAssessment(
            probe: FakeSystemClockProbe.timesyncdWaiting(now: Self.earlyJanuary2025),
            earliestPlausibleSecondsSinceEpoch: Self.earlyJanuary2025 - 86_400)
        let message = assessment.certificateFailureMessage(detail: "certificate verify failed")
        #expect(
            message
                == "TLS failed: the server's certificate could not be verified (certificate verify failed). "
                + "The system clock reads 2025-01-03 10:00 UTC and has not been synchronized (systemd-timesyncd "
                + "runs but has not reached an NTP server: no /run/systemd/timesync/synchronized): a board without "
                + "a real-time clock cannot check certificates until NTP sets the time. Check `timedatectl`; voiced "
                + "retries by itself.")
    }

    @Test func aClockBeforeTheBuildIsCalledWrongEvenWhenSynchronized() {
        // A flag file left from a sync, but the time is still earlier than this build: the clock wins.
        for probe in [
            FakeSystemClockProbe.timesyncdWaiting(now: Self.earlyJanuary2025),
            FakeSystemClockProbe.timesyncdSynchronized(now: Self.earlyJanuary2025),
            FakeSystemClockProbe.container(now: Self.earlyJanuary2025),
        ] {
            let message = SystemClockAssessment(probe: probe, earliestPlausibleSecondsSinceEpoch: Self.buildFloor)
                .certificateFailureMessage(detail: "certificate verify failed")
            #expect(message.contains("reads 2025-01-03 10:00 UTC, before this build of voiced was made (2026-11-22)"))
            #expect(message.contains("so it is wrong"))
            #expect(message.contains("Check `timedatectl`; voiced retries by itself."))
        }
    }

    @Test func anUnknownStateNamesTheClockAsAPossibleCause() {
        let message = SystemClockAssessment(probe: FakeSystemClockProbe.container(now: Self.buildFloor + 3600))
            .certificateFailureMessage(detail: "certificate verify failed")
        #expect(message.contains("The system clock reads 2026-11-22 01:00 UTC; whether it is synchronized is unknown"))
        #expect(message.contains("If that time is wrong, that is the cause"))
        #expect(message.contains("ca-certificates"))
    }

    @Test func aSynchronizedClockIsClearedOfBlame() {
        let message = SystemClockAssessment(probe: FakeSystemClockProbe.timesyncdSynchronized())
            .certificateFailureMessage(detail: "certificate verify failed")
        #expect(message.contains("is synchronized (systemd-timesyncd), so the clock is not the cause"))
        #expect(!message.contains("real-time clock"))
    }

    // MARK: - Calendar text

    @Test(
        arguments: [
            (0, "1970-01-01 00:00 UTC"), (Self.earlyJanuary2025, "2025-01-03 10:00 UTC"),
            (951_782_400, "2000-02-29 00:00 UTC"), (951_868_799, "2000-02-29 23:59 UTC"),
            (4_107_542_400, "2100-03-01 00:00 UTC"), (-1, "1969-12-31 23:59 UTC"),
            (1_795_305_600, "2026-11-22 00:00 UTC"), (-62_135_596_800, "0001-01-01 00:00 UTC"),
        ] as [(Int, String)])
    func timestampsAreGregorianUTC(seconds: Int, expected: String) {
        #expect(UTCTimestamp.minutes(seconds) == expected)
    }

    @Test func everyDayOfFourCenturiesFollowsTheDayBefore() {
        // Walks 1900-03-01 … 2300-02-28 day by day: each date is the day after the previous one.
        var previous = UTCTimestamp.civilDate(daysSinceEpoch: -25_508)
        #expect(previous == (1900, 3, 1))
        for days in -25_507..<(-25_508 + 146_097) {
            let date = UTCTimestamp.civilDate(daysSinceEpoch: days)
            let isLeap = previous.year % 4 == 0 && (previous.year % 100 != 0 || previous.year % 400 == 0)
            let monthLength = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][previous.month - 1]
            let expected =
                previous.day < monthLength
                ? (previous.year, previous.month, previous.day + 1)
                : previous.month < 12 ? (previous.year, previous.month + 1, 1) : (previous.year + 1, 1, 1)
            guard date == expected else {
                Issue.record("day \(days): \(date), expected \(expected)")
                return
            }
            previous = date
        }
    }
}

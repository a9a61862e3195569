import Testing
import VoiceTestSupport

@testable import VoiceSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Every test that touches `NOTIFY_SOCKET` / `WATCHDOG_*` lives under this serialized suite: the
/// environment is process-global, so these must never run concurrently with each other.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SystemdEnvironmentTests {
    static var ownWatchdogEnvironment: [String: String?] {
        ["WATCHDOG_USEC": "4000000", "WATCHDOG_PID": String(getpid())]
    }

    @Suite struct Notifier {
        @Test func readyCarriesTheStatusLine() async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            try await ProcessEnvironment.with(["NOTIFY_SOCKET": listener.path]) {
                let delivery = SystemdNotifier().ready(status: "listening for a press")
                #expect(delivery == .sent)
                let message = try #require(await listener.receive(timeout: mustHappenWithin))
                #expect(message == "READY=1\nSTATUS=listening for a press")
            }
        }

        @Test func statusUpdatesAndStoppingAreSentInOrder() async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            await ProcessEnvironment.with(["NOTIFY_SOCKET": listener.path]) {
                let notifier = SystemdNotifier()
                notifier.status("connecting to the realtime API")
                notifier.status("idle")
                notifier.stopping(status: "shutting down")
                #expect(await listener.receive(timeout: mustHappenWithin) == "STATUS=connecting to the realtime API")
                #expect(await listener.receive(timeout: mustHappenWithin) == "STATUS=idle")
                #expect(await listener.receive(timeout: mustHappenWithin) == "STOPPING=1\nSTATUS=shutting down")
            }
        }

        @Test func newlinesInAStatusCannotInjectAssignments() async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            try await ProcessEnvironment.with(["NOTIFY_SOCKET": listener.path]) {
                SystemdNotifier().status("error: device lost\nREADY=1")
                let message = try #require(await listener.receive(timeout: mustHappenWithin))
                #expect(message.split(separator: "\n").count == 1)
                #expect(message.hasPrefix("STATUS=error: device lost"))
            }
        }

        @Test func extendTimeoutIsInMicroseconds() async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            await ProcessEnvironment.with(["NOTIFY_SOCKET": listener.path]) {
                SystemdNotifier().extendTimeout(by: .milliseconds(2500))
                #expect(await listener.receive(timeout: mustHappenWithin) == "EXTEND_TIMEOUT_USEC=2500000")
            }
        }

        @Test func outsideSystemdNothingIsSentAndNothingFails() async {
            await ProcessEnvironment.with(["NOTIFY_SOCKET": nil, "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
                let notifier = SystemdNotifier()
                #expect(notifier.ready(status: "up") == .notUnderSystemd)
                #expect(notifier.watchdog() == .notUnderSystemd)
                #expect(notifier.watchdogInterval == nil)
            }
        }

        @Test func aMissingReceiverIsReportedAsAFailure() async throws {
            let listener = try NotifySocketListener()
            let path = listener.path
            listener.close()
            await ProcessEnvironment.with(["NOTIFY_SOCKET": path]) {
                let delivery = SystemdNotifier().watchdog()
                guard case .failed(let code) = delivery else {
                    Issue.record("expected a failure, got \(delivery)")
                    return
                }
                #expect(code > 0)
            }
        }

        @Test func watchdogIntervalComesFromTheEnvironmentForThisProcessOnly() async {
            await ProcessEnvironment.with(SystemdEnvironmentTests.ownWatchdogEnvironment) {
                #expect(SystemdNotifier().watchdogInterval == .seconds(4))
            }
            // A watchdog meant for another process (our parent, say) is not ours.
            await ProcessEnvironment.with(["WATCHDOG_USEC": "4000000", "WATCHDOG_PID": String(getpid() + 1)]) {
                #expect(SystemdNotifier().watchdogInterval == nil)
            }
        }
    }
}

@Suite struct StatusLineTests {
    @Test func longStatusLinesAreShortened() {
        let line = SystemdNotifier.statusLine(String(repeating: "x", count: 500))
        #expect(line.count == 200)
        #expect(line.hasSuffix("…"))
    }

    @Test func shortLinesAreKept() {
        #expect(SystemdNotifier.statusLine("speaking") == "speaking")
    }
}

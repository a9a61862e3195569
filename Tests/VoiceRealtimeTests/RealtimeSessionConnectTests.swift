import Logging
import ServiceLifecycle
import Testing
import VoiceCore
import VoiceTestSupport

@testable import VoiceRealtime

/// The session's TCP connect against a host that never answers it.
@Suite(.timeLimit(.minutes(1))) struct RealtimeSessionConnectTests {
    enum Stop: String, CaseIterable { case gracefulShutdown, taskCancelled }

    /// A host that drops the SYN: a session stopped (SIGTERM's graceful shutdown, or its task cancelled) while it
    /// connects stops at once instead of waiting out its connect timeout (ten minutes here, far past the suite's time
    /// limit).
    @Test(arguments: Stop.allCases) func aSessionStoppedWhileConnectingStopsAtOnce(stop: Stop) async throws {
        let server = try await SYNDroppingListener.start()
        defer { server.close() }
        var settings = RealtimeSettings()
        settings.url = "ws://127.0.0.1:\(server.port)/v1/realtime"
        settings.timeouts.connectSeconds = 600
        settings.timeouts.pingIntervalSeconds = 0
        let logs = LogCapture()
        let session = RealtimeSession(
            settings: settings, apiKey: RealtimeSessionHarness.apiKey, clock: ManualClock(),
            random: FixedUnitRandomSource([0]), tlsConfiguration: nil, clockProbe: nil,
            logger: logs.makeLogger(label: "voiced.realtime", level: .debug))
        let group = ServiceGroup(services: [session], logger: logs.makeLogger(label: "test", level: .debug))
        let run = Task { try await group.run() }
        try await waitUntil(timeout: mustHappenWithin, "the session to be connecting") {
            session.status().state == .connecting
        }
        switch stop {
        case .gracefulShutdown: await group.triggerGracefulShutdown()
        case .taskCancelled: run.cancel()
        }
        let outcome = await run.result
        #expect(throws: Never.self) { try outcome.get() }
        #expect(session.status().state == .disconnected)
    }
}

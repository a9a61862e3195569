import Foundation
import Logging
import Testing
import VoiceControl
import VoiceCore
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceDaemon

/// Whether the `openssl` command the simulator uses to make its certificate is installed.
private let opensslAvailable = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    .split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/openssl") }

/// The whole daemon against a `wss://` simulator whose self-signed certificate it does not trust (BoringSSL rejects
/// it as it rejects a certificate that is not valid yet by a clock NTP has not set): what `voicectl status` and
/// `status --json` show is the certificate failure with the clock named, and the daemon keeps retrying.
@Suite(.timeLimit(.minutes(3)), .enabled(if: opensslAvailable, "needs the openssl command (apt-get install openssl)"))
struct CertificateFailureStatusTests {
    @Test func statusShowsTheCertificateFailureAndNamesTheUnsynchronizedClock() async throws {
        let key = "cert-test-key"
        let rate = EndToEndTurnTests.rate
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(apiKey: key, tls: true))
        _ = try await simulator.start()
        let card = try ALSATestCard.make(
            inputSamples: [Int16](repeating: 0, count: rate), rate: rate, channels: 1, format: .s16LE)
        defer { card.remove() }
        let socketPath = card.directory.appendingPathComponent("control.sock").path
        let configPath = try EndToEndTurnTests.writeConfig(on: card)
        // 2025-01-03 10:00 UTC on a Pi whose timesyncd has not reached a server.
        let clock = FakeSystemClockProbe.timesyncdWaiting(now: 1_735_898_400)
        let (ready, readyContinuation) = AsyncStream<DaemonRunner.DaemonHandle>.makeStream()
        let options = DaemonRunner.Options(
            configPath: configPath,
            environment: EndToEndTurnTests.daemonEnvironment(simulator: simulator, key: key),
            bootstrapLogging: false,
            logger: Logger(label: "cert", factory: { _ in SwiftLogNoOpLogHandler() }),
            onReady: { handle in
                readyContinuation.yield(handle)
                readyContinuation.finish()
            },
            clockProbe: clock
        )
        let daemon = Task {
            defer { readyContinuation.finish() }
            try await DaemonRunner.run(options)
        }
        var iterator = ready.makeAsyncIterator()
        let handle = await iterator.next()
        var statusJSON = ""
        var lines: [String] = []
        var failure: (any Error)?
        if let handle {
            do {
                try await waitUntil(timeout: mustHappenWithin, "the certificate failure in the daemon's status") {
                    handle.status.snapshot().connection.lastError?.contains("certificate could not be verified") == true
                }
                let status = try await blockingControl(socketPath) { client -> DaemonStatus in
                    guard case .status(let status) = try client.send(.status) else {
                        throw StartupError("status answered with something else")
                    }
                    return status
                }
                statusJSON = ControlWire.resultJSON(.status(status))
                lines = [status.connection.lastError ?? "", status.connection.state.rawValue]
            } catch {
                failure = error
            }
        }
        daemon.cancel()
        _ = try? await daemon.value
        await simulator.stop()
        if let failure { throw failure }
        try #require(handle != nil, "the daemon stopped before it was ready")
        let lastError = lines[0]
        #expect(
            lastError.hasPrefix(
                "realtime connection failed: TLS failed: the server's certificate could not be verified"))
        // Weeks unplugged: earlier than this build, so certainly wrong, and timesyncd has not synchronized yet.
        #expect(lastError.contains("The system clock reads 2025-01-03 10:00 UTC, before this build of voiced was made"))
        #expect(lastError.contains("no /run/systemd/timesync/synchronized"))
        #expect(["backing_off", "connecting"].contains(lines[1]), "the daemon keeps retrying: \(lines[1])")
        #expect(statusJSON.contains("\"last_error\""))
        #expect(statusJSON.contains("The system clock reads 2025-01-03 10:00 UTC"))
    }
}

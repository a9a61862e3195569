import Foundation
import NIOCore
import NIOPosix
import Testing
import VoiceCore
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceRealtime

/// Whether the `openssl` command the simulator uses to make its certificate is installed.
private let opensslAvailable = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    .split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/openssl") }

/// A session whose server's certificate fails verification, as on a board whose clock NTP has not set yet: the
/// simulator serves `wss://` with a self-signed certificate the session does not trust, which BoringSSL rejects with
/// the same CERTIFICATE_VERIFY_FAILED as a certificate that is not valid yet. The status' last error and the log
/// say so, and name the clock when the (faked) probes find it unsynchronized. Other TLS failures do not.
@Suite(.timeLimit(.minutes(2)), .enabled(if: opensslAvailable, "needs the openssl command (apt-get install openssl)"))
struct RealtimeSessionCertificateTests {
    /// A Pi after boot: the clock reads 10:00 on the tenth day after this build, timesyncd has not reached a server.
    static let clockNotSynchronized = FakeSystemClockProbe.timesyncdWaiting(
        now: VoicedBuild.sourceDateSecondsSinceEpoch + 10 * 86_400 + 10 * 3600)
    static let reading = UTCTimestamp.minutes(clockNotSynchronized.now)

    /// Starts a session against a `wss://` simulator (or what `simulator` makes of it) and waits until its first
    /// connection has ended.
    private func sessionAfterFirstFailure(
        clockProbe: (any SystemClockProbe)?,
        simulator: (inout SimulatorConfiguration) -> Void = { $0.tls = true },
        settings: @escaping (inout RealtimeSettings) -> Void = { _ in }
    ) async throws -> RealtimeSessionHarness {
        let harness = try await RealtimeSessionHarness(
            simulator: simulator, settings: settings, clockProbe: clockProbe)
        do {
            try await waitUntil(timeout: mustHappenWithin, "the first connection attempt to fail") {
                harness.session.status().lastError != nil
            }
        } catch {
            await harness.stop()
            throw error
        }
        return harness
    }

    @Test func anUntrustedCertificateWithAnUnsynchronizedClockNamesTheClock() async throws {
        let harness = try await sessionAfterFirstFailure(clockProbe: Self.clockNotSynchronized)
        let status = harness.session.status()
        let logs = harness.logs.text
        await harness.stop()
        let lastError = try #require(status.lastError)
        #expect(
            lastError.hasPrefix(
                "realtime connection failed: TLS failed: the server's certificate could not be verified "
                    + "(certificate verify failed). The system clock reads \(Self.reading) and has not been "
                    + "synchronized (systemd-timesyncd runs but has not reached an NTP server: no "
                    + "/run/systemd/timesync/synchronized)"),
            "\(lastError)")
        #expect(lastError.hasSuffix("Check `timedatectl`; voiced retries by itself."))
        // Where every other connection failure goes: the backoff and retry (unchanged), the attempt count, the log.
        #expect(status.state == .backingOff)
        #expect(status.attempts == 1)
        #expect(status.nextAttemptInMilliseconds != nil)
        #expect(logs.contains("ended: \(lastError)"))
    }

    @Test func anUntrustedCertificateWithASynchronizedClockDoesNotBlameIt() async throws {
        let harness = try await sessionAfterFirstFailure(clockProbe: FakeSystemClockProbe.timesyncdSynchronized())
        let lastError = harness.session.status().lastError ?? ""
        await harness.stop()
        #expect(lastError.contains("the server's certificate could not be verified"))
        #expect(lastError.contains("is synchronized (systemd-timesyncd), so the clock is not the cause"))
    }

    @Test func withoutAProbeTheClockIsAPossibleCause() async throws {
        let harness = try await sessionAfterFirstFailure(clockProbe: nil)
        let lastError = harness.session.status().lastError ?? ""
        await harness.stop()
        #expect(lastError.contains("the server's certificate could not be verified"))
        #expect(lastError.contains("If the system clock is wrong"))
    }

    @Test func anEphemeralTokenFetchWhoseCertificateFailsNamesTheClockToo() async throws {
        // The token endpoint is HTTPS as well: on a wrong clock it is the first thing to fail.
        let harness = try await sessionAfterFirstFailure(
            clockProbe: Self.clockNotSynchronized,
            settings: { settings in
                settings.ephemeralTokens.enabled = true
                settings.ephemeralTokens.endpoint =
                    settings.url.replacing("wss://", with: "https://") + "/client_secrets"
            })
        let lastError = harness.session.status().lastError ?? ""
        await harness.stop()
        #expect(
            lastError.hasPrefix(
                "realtime connection failed: fetching an ephemeral token failed: TLS failed: the server's certificate "
                    + "could not be verified (certificate verify failed). The system clock reads \(Self.reading) and "
                    + "has not been synchronized"),
            "\(lastError)")
    }

    @Test func theSameServerIsReachedWhenItsCertificateIsTrusted() async throws {
        // What failed above is the certificate's verification alone: trusting it, the same session gets ready.
        let harness = try await RealtimeSessionHarness(
            simulator: { $0.tls = true }, trustSimulatorCertificate: true, clockProbe: Self.clockNotSynchronized)
        do {
            try await harness.waitForState(.ready, timeout: mustHappenWithin)
        } catch {
            await harness.stop()
            throw error
        }
        let status = harness.session.status()
        await harness.stop()
        #expect(status.lastError == nil)
    }

    @Test func aServerThatSpeaksNoTLSIsNotBlamedOnTheClock() async throws {
        // wss:// to the plain ws:// simulator: the handshake meets HTTP, not a certificate.
        let harness = try await sessionAfterFirstFailure(
            clockProbe: Self.clockNotSynchronized, simulator: { _ in },
            settings: { $0.url = $0.url.replacing("ws://", with: "wss://") })
        let lastError = harness.session.status().lastError ?? ""
        await harness.stop()
        #expect(lastError == "realtime connection failed: TLS failed: the handshake failed (wrong version number)")
        #expect(!lastError.contains("certificate"), "\(lastError)")
        #expect(!lastError.contains("system clock"), "\(lastError)")
    }

    @Test func aServerThatClosesDuringTheHandshakeIsNotBlamedOnTheClock() async throws {
        // A listener that accepts and closes at once: the TLS handshake ends without a certificate.
        let closer = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.close() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(closer.localAddress?.port)
        let harness: RealtimeSessionHarness
        do {
            harness = try await RealtimeSessionHarness(
                settings: { $0.url = "wss://127.0.0.1:\(port)/v1/realtime" }, clockProbe: Self.clockNotSynchronized)
        } catch {
            try await closer.close()
            throw error
        }
        do {
            try await waitUntil(timeout: mustHappenWithin, "the first connection attempt to fail") {
                harness.session.status().lastError != nil
            }
        } catch {
            await harness.stop()
            try await closer.close()
            throw error
        }
        let lastError = harness.session.status().lastError ?? ""
        await harness.stop()
        try await closer.close()
        // EOF during the handshake, or a reset if the close races the ClientHello: either way not the certificate.
        let closedOrReset = [
            "realtime connection failed: TLS failed: the handshake failed (the server closed the connection)",
            "realtime connection failed: network error: ",
        ]
        #expect(closedOrReset.contains { lastError.hasPrefix($0) }, "\(lastError)")
        #expect(!lastError.contains("certificate"), "\(lastError)")
        #expect(!lastError.contains("system clock"), "\(lastError)")
    }
}

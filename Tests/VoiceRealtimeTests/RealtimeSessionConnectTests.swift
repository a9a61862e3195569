import Dispatch
import Glibc
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing
import VoiceCore
import VoiceTestSupport

@testable import VoiceRealtime

/// The session's connect against a host, or a DNS server, that never answers it.
@Suite(.timeLimit(.minutes(1))) struct RealtimeSessionConnectTests {
    enum Stop: String, CaseIterable { case gracefulShutdown, taskCancelled }

    /// A session for `url` in a service group of its own, running; `connectSeconds` far past the suite's time limit
    /// unless said otherwise.
    struct Running {
        let session: RealtimeSession
        let group: ServiceGroup
        let run: Task<Void, any Error>

        init(url: String, connectSeconds: Double = 600, hostLookup: HostLookup = .system) {
            var settings = RealtimeSettings()
            settings.url = url
            settings.timeouts.connectSeconds = connectSeconds
            settings.timeouts.pingIntervalSeconds = 0
            let logs = LogCapture()
            let session = RealtimeSession(
                settings: settings, apiKey: RealtimeSessionHarness.apiKey, clock: ManualClock(),
                random: FixedUnitRandomSource([0]), tlsConfiguration: nil, clockProbe: nil, hostLookup: hostLookup,
                logger: logs.makeLogger(label: "voiced.realtime", level: .debug))
            let group = ServiceGroup(services: [session], logger: logs.makeLogger(label: "test", level: .debug))
            self.session = session
            self.group = group
            run = Task { try await group.run() }
        }

        /// Stops it the way `stop` says, and expects it to end cleanly, disconnected.
        func stop(_ stop: Stop) async {
            switch stop {
            case .gracefulShutdown: await group.triggerGracefulShutdown()
            case .taskCancelled: run.cancel()
            }
            let outcome = await run.result
            #expect(throws: Never.self) { try outcome.get() }
            #expect(session.status().state == .disconnected)
        }
    }

    /// A host that drops the SYN: a session stopped (SIGTERM's graceful shutdown, or its task cancelled) while it
    /// connects stops at once instead of waiting out its connect timeout.
    @Test(arguments: Stop.allCases) func aSessionStoppedWhileConnectingStopsAtOnce(stop: Stop) async throws {
        let server = try await SYNDroppingListener.start()
        defer { server.close() }
        let running = Running(url: "ws://127.0.0.1:\(server.port)/v1/realtime")
        try await waitUntil(timeout: mustHappenWithin, "the session to be connecting") {
            running.session.status().state == .connecting
        }
        await running.stop(stop)
    }

    /// A DNS server that does not answer (a router up whose upstream is down): the lookup hangs, here until the test
    /// ends. A session stopped meanwhile stops at once, not when the lookup or the connect timeout gives up.
    @Test(arguments: Stop.allCases) func aSessionStoppedWhileItsLookupHangsStopsAtOnce(stop: Stop) async throws {
        let lookup = HangingLookup()
        defer { lookup.answer() }
        let running = Running(url: "ws://voice.example:8080/v1/realtime", hostLookup: lookup.hostLookup)
        try await waitUntil(timeout: mustHappenWithin, "the session to look the host up") {
            lookup.hosts == ["voice.example"]
        }
        await running.stop(stop)
        #expect(lookup.isWaiting, "the stop did not wait for the lookup")
    }

    /// A lookup that fails says so in the words of the system's resolver, and names the host.
    @Test func aFailedLookupIsReportedWithTheResolversWords() async throws {
        let running = Running(
            url: "ws://voice.example:8080/v1/realtime", connectSeconds: 10,
            hostLookup: HostLookup { _, _ in throw HostLookupFailure(code: EAI_AGAIN) })
        try await waitUntil(timeout: mustHappenWithin, "the attempt to fail") {
            running.session.status().lastError != nil
        }
        let lastError = try #require(running.session.status().lastError)
        #expect(
            lastError.contains("DNS lookup of voice.example failed: Temporary failure in name resolution"),
            "\(lastError)")
        await running.stop(.gracefulShutdown)
    }
}

/// One lookup for both address families, and a cancellation that does not wait for it.
@Suite(.timeLimit(.minutes(1))) struct CancellableResolverTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    @Test func oneLookupAnswersBothFamilies() async throws {
        let calls = Mutex(0)
        let v4 = try SocketAddress(ipAddress: "192.0.2.7", port: 443)
        let v6 = try SocketAddress(ipAddress: "2001:db8::7", port: 443)
        let resolver = CancellableResolver(
            lookup: HostLookup { _, _ in
                calls.withLock { $0 += 1 }
                return [v6, v4]
            }, eventLoop: loop)
        let aaaa = resolver.initiateAAAAQuery(host: "voice.example", port: 443)
        let a = resolver.initiateAQuery(host: "voice.example", port: 443)
        #expect(try await aaaa.get() == [v6])
        #expect(try await a.get() == [v4])
        #expect(calls.withLock { $0 } == 1)
    }

    @Test func cancellingFailsAHangingLookupAtOnce() async throws {
        let lookup = HangingLookup()
        defer { lookup.answer() }
        let resolver = CancellableResolver(lookup: lookup.hostLookup, eventLoop: loop)
        let aaaa = resolver.initiateAAAAQuery(host: "voice.example", port: 443)
        let a = resolver.initiateAQuery(host: "voice.example", port: 443)
        try await waitUntil(timeout: mustHappenWithin, "the lookup to start") { lookup.hosts.count == 1 }
        resolver.cancel()
        await #expect(throws: CancellationError.self) { try await aaaa.get() }
        await #expect(throws: CancellationError.self) { try await a.get() }
        #expect(lookup.isWaiting)
    }

    /// The system's lookup, on an address that needs no DNS server.
    @Test func theSystemLookupReadsAnAddressLiteral() throws {
        let addresses = try HostLookup.system.addresses("127.0.0.1", 8080)
        #expect(addresses == [try SocketAddress(ipAddress: "127.0.0.1", port: 8080)])
    }
}

/// A lookup that blocks until ``answer()`` (then fails), like `getaddrinfo` against a DNS server that does not answer.
final class HangingLookup: Sendable {
    private let state = Mutex((hosts: [String](), waiting: false))
    private let released = DispatchSemaphore(value: 0)

    var hosts: [String] { state.withLock { $0.hosts } }
    var isWaiting: Bool { state.withLock { $0.waiting } }

    var hostLookup: HostLookup {
        HostLookup { [self] host, _ in
            state.withLock {
                $0.hosts.append(host)
                $0.waiting = true
            }
            released.wait()
            state.withLock { $0.waiting = false }
            throw HostLookupFailure(code: EAI_AGAIN)
        }
    }

    /// Lets a waiting lookup return (call once, at the end of the test).
    func answer() { released.signal() }
}

import Foundation
import Logging
import ServiceLifecycle
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

/// How a test stops the server.
enum ServerStop: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// The server's task is cancelled (what the test harness and a failing `ServiceGroup` do).
    case cancellation
    /// The `ServiceGroup` shuts down gracefully (SIGTERM).
    case gracefulShutdown

    var testDescription: String { rawValue }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ControlServerShutdownTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A burst of clients (half of them subscribing to events) arrives, and the server is told to stop
    /// while it is still taking them in: some are being served, some accepted but not yet handed to
    /// the accept loop. The server must stop promptly, close every one of them, and not trap (NIO
    /// traps on an accepted connection that is dropped while open).
    @Test(arguments: ServerStop.allCases)
    func connectionsArrivingWhileTheServerStopsAreAllClosed(stop: ServerStop) async throws {
        for _ in 0..<4 {
            let directory = try TemporaryDirectory(prefix: "voiced-stop")
            defer { directory.remove() }
            let path = directory.appending("control.sock")
            var settings = ControlSettings()
            settings.socketPath = path
            settings.socketGroup = ""
            settings.allowedGroups = []
            settings.maximumClients = 64
            let (listening, listeningContinuation) = AsyncStream<Void>.makeStream()
            let server = ControlServer(
                configuration: .init(
                    settings: settings, daemonVersion: "test",
                    onListening: { _ in
                        listeningContinuation.yield()
                        listeningContinuation.finish()
                    }),
                handler: FakeControlHandler(),
                logger: Self.quiet
            )
            let group = ServiceGroup(services: [server], logger: Self.quiet)
            let running = Task {
                defer { listeningContinuation.finish() }
                try await group.run()
            }
            for await _ in listening { break }

            let subscribe = ControlRequest(id: .integer(1), command: .subscribe([])).encodedLine()
            let clients = try await blockingCall {
                try (0..<48).map { index in
                    let client = try RawControlConnection(path: path)
                    if index.isMultiple(of: 2) { client.send(subscribe) }
                    return client
                }
            }
            switch stop {
            case .cancellation: running.cancel()
            case .gracefulShutdown: await group.triggerGracefulShutdown()
            }
            let stopped = await waitForCompletion(of: running, timeout: .seconds(60))
            #expect(stopped, "the server stops within a minute (\(stop))")
            #expect(access(path, F_OK) != 0, "the socket file is removed")

            let stillOpen = try await blockingCall {
                clients.filter { !$0.isClosedByPeer(within: mustHappenWithin) }.count
            }
            #expect(stillOpen == 0, "every client sees its connection closed (\(stop))")
        }
    }

    /// Subscribers that keep receiving events must not hold the daemon up on SIGTERM.
    @Test func gracefulShutdownEndsBusySubscribersPromptly() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-stop")
        defer { directory.remove() }
        let path = directory.appending("control.sock")
        var settings = ControlSettings()
        settings.socketPath = path
        settings.socketGroup = ""
        settings.allowedGroups = []
        let (listening, listeningContinuation) = AsyncStream<Void>.makeStream()
        let handler = FakeControlHandler()
        let server = ControlServer(
            configuration: .init(
                settings: settings, daemonVersion: "test",
                onListening: { _ in
                    listeningContinuation.yield()
                    listeningContinuation.finish()
                }),
            handler: handler,
            logger: Self.quiet
        )
        let group = ServiceGroup(services: [server], logger: Self.quiet)
        let running = Task {
            defer { listeningContinuation.finish() }
            try await group.run()
        }
        for await _ in listening { break }

        let clients = try await blockingCall {
            try (0..<4).map { _ in
                let client = try ControlClient(socketPath: path)
                try client.send(.subscribe([]))
                return ControlClientBox(client)
            }
        }
        let publisher = Task {
            while !Task.isCancelled {
                handler.emit(.level(micDBFS: -20))
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        defer { publisher.cancel() }
        // Every subscriber is receiving events before the shutdown starts.
        let receiving = try await blockingCall {
            clients.allSatisfy { (try? $0.client.nextEvent(timeout: mustHappenWithin)) != nil }
        }
        #expect(receiving)

        await group.triggerGracefulShutdown()
        let stopped = await waitForCompletion(of: running, timeout: .seconds(60))
        #expect(stopped, "the server stops within a minute of SIGTERM")
        let endings = try await blockingCall {
            clients.map { box -> String in
                do {
                    // Events already on their way are read first; then the end of the connection.
                    while try box.client.nextEvent(timeout: mustHappenWithin) != nil {}
                    return "still open"
                } catch {
                    return "\(error)"
                }
            }
        }
        #expect(endings.allSatisfy { $0.contains("closed the connection") }, "got \(endings)")
    }
}

/// A client socket that speaks raw bytes, for connections the server may close before its hello.
final class RawControlConnection: @unchecked Sendable {
    // Used by one thread at a time (the test hands it from one blocking call to the next).
    private let descriptor: Int32

    init(path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED
            close(descriptor)
            throw POSIXError(code)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Sends `bytes`, ignoring failures (the server may already have closed the connection).
    func send(_ bytes: Data) {
        bytes.withUnsafeBytes { raw in
            _ = Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
        }
    }

    /// Reads (and discards) until the server closes the connection; false if it is still open after
    /// `timeout`.
    func isClosedByPeer(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return false }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1_000 + 1)
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 && errno != EINTR { return false }
            guard ready > 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return true }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return true  // ECONNRESET and the like: closed too.
            }
        }
    }
}

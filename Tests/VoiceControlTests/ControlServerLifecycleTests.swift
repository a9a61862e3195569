import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

/// A log handler that keeps what was logged, for assertions.
struct RecordingLogHandler: LogHandler {
    final class Store: Sendable {
        private let entries = Mutex<[(Logger.Level, String)]>([])
        func append(_ level: Logger.Level, _ message: String) { entries.withLock { $0.append((level, message)) } }
        func messages(at level: Logger.Level) -> [String] {
            entries.withLock { $0.filter { $0.0 == level }.map(\.1) }
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append(event.level, "\(event.message)")
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ControlServerLifecycleTests {
    static func makeServer(
        in directory: TemporaryDirectory,
        allowRootAndDaemonUser: Bool = true,
        store: RecordingLogHandler.Store,
        listening: AsyncStream<Void>.Continuation
    ) -> ControlServer {
        var settings = ControlSettings()
        settings.socketPath = directory.appending("control.sock")
        settings.socketGroup = ""
        settings.allowedGroups = []
        return ControlServer(
            configuration: .init(
                settings: settings,
                daemonVersion: "test",
                allowRootAndDaemonUser: allowRootAndDaemonUser,
                onListening: { _ in
                    listening.yield()
                    listening.finish()
                }
            ),
            handler: FakeControlHandler(),
            logger: Logger(label: "test") { _ in RecordingLogHandler(store: store) }
        )
    }

    @Test func gracefulShutdownClosesClientsAndRemovesTheSocket() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = RecordingLogHandler.Store()
        let (listening, continuation) = AsyncStream<Void>.makeStream()
        let server = Self.makeServer(in: directory, store: store, listening: continuation)
        let group = ServiceGroup(services: [server], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let path = directory.appending("control.sock")
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in listening { break }
            // An idle client, connected and subscribed, must not keep the daemon from stopping.
            let client = try await blockingCall { () -> ControlClientBox in
                let client = try ControlClient(socketPath: path)
                try client.send(.subscribe([]))
                return ControlClientBox(client)
            }
            await group.triggerGracefulShutdown()
            try await tasks.next()
            // The client sees the end of the connection.
            let ending = try await blockingCall { () -> String in
                do {
                    _ = try client.client.nextEvent(timeout: mustHappenWithin)
                    return "still open"
                } catch {
                    return "\(error)"
                }
            }
            #expect(ending.contains("closed the connection"))
        }
        #expect(access(path, F_OK) != 0, "socket file removed")
        #expect(store.messages(at: .info).contains("control socket closed"))
    }

    @Test func refusalsAreLogged() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = RecordingLogHandler.Store()
        let (listening, continuation) = AsyncStream<Void>.makeStream()
        let server = Self.makeServer(
            in: directory, allowRootAndDaemonUser: false, store: store, listening: continuation)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        for await _ in listening { break }
        let path = directory.appending("control.sock")
        let refused = try await blockingCall { () -> Bool in
            do {
                _ = try ControlClient(socketPath: path)
                return false
            } catch {
                return true
            }
        }
        #expect(refused)
        #expect(try await waitUntil { !store.messages(at: .warning).isEmpty })
        let warnings = store.messages(at: .warning)
        #expect(warnings.contains { $0.contains("control connection refused") && $0.contains("may not use") })
    }
}

import Foundation
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

/// A `ControlServer` running on a socket in a temp dir, with a `FakeControlHandler`.
struct RunningServer: Sendable {
    let path: String
    let directory: TemporaryDirectory
    let handler: FakeControlHandler
    let server: ControlServer

    /// Connects a blocking client on its own thread and runs `body` with it.
    func withClient<T: Sendable>(
        timeout: Duration = mustHappenWithin,
        _ body: @escaping @Sendable (ControlClient) throws -> T
    ) async throws -> T {
        let path = path
        return try await blockingCall {
            let client = try ControlClient(socketPath: path, timeout: timeout)
            return try body(client)
        }
    }
}

struct ServerStartTimeout: Error {}

/// Starts a server (socket group and allowed groups cleared unless `configure` sets them), runs
/// `body`, then stops the server and removes the directory.
func withControlServer<T: Sendable>(
    allowRootAndDaemonUser: Bool = true,
    configure: (inout ControlSettings) -> Void = { _ in },
    beforeStart: (_ socketPath: String) throws -> Void = { _ in },
    onSubscriptionsChanged: (@Sendable (Set<ControlEventKind>) -> Void)? = nil,
    _ body: (RunningServer) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(prefix: "voiced-ctl")
    defer { directory.remove() }
    var settings = ControlSettings()
    settings.socketPath = directory.appending("control.sock")
    settings.socketGroup = ""
    settings.allowedGroups = []
    configure(&settings)
    try beforeStart(settings.socketPath)
    let handler = FakeControlHandler()
    let (listening, listeningContinuation) = AsyncStream<String>.makeStream()
    let server = ControlServer(
        configuration: .init(
            settings: settings,
            daemonVersion: "9.9.9-test",
            allowRootAndDaemonUser: allowRootAndDaemonUser,
            onListening: { path in
                listeningContinuation.yield(path)
                listeningContinuation.finish()
            },
            onSubscriptionsChanged: onSubscriptionsChanged
        ),
        handler: handler
    )
    let serverTask = Task {
        // A server that fails to start ends the stream, so the wait below stops at once.
        defer { listeningContinuation.finish() }
        try await server.run()
    }
    defer { serverTask.cancel() }
    // Wait (bounded) until the socket is listening, or the server fails first.
    try await withThrowingTaskGroup(of: Bool.self) { group in
        group.addTask {
            for await _ in listening { return true }
            return false
        }
        group.addTask {
            try await Task.sleep(for: .seconds(20))
            throw ServerStartTimeout()
        }
        let started = try await group.next() ?? false
        group.cancelAll()
        #expect(started, "the control server stopped before listening")
    }
    let running = RunningServer(path: settings.socketPath, directory: directory, handler: handler, server: server)
    let result = try await body(running)
    serverTask.cancel()
    // Bounded: a server that does not stop fails this test instead of hanging the whole run.
    let stopped = await waitForCompletion(of: serverTask, timeout: .seconds(60))
    #expect(stopped, "the control server stops within a minute of its task being cancelled")
    #expect(access(running.path, F_OK) != 0, "the socket file is removed when the server stops")
    return result
}

/// Polls `condition` every few milliseconds until it holds or `timeout` passes.
func waitUntil(timeout: Duration = mustHappenWithin, _ condition: @Sendable () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

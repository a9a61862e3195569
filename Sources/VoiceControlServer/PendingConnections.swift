import NIOCore
import Synchronization

/// Accepted connections that the accept loop has not taken over yet, kept until it does or until the
/// server stops.
///
/// NIO hands accepted connections to the accept loop through a buffer. When the loop ends (graceful
/// shutdown, or the server's task cancelled), whatever is still in that buffer or still being set up
/// is dropped by NIO, and a dropped `NIOAsyncChannel` whose channel is still open traps the process
/// ("Deinited NIOAsyncWriter without calling finish()") besides leaving its client waiting. Holding
/// every connection here from the moment it is wrapped until it is claimed lets the server close the
/// ones nobody will serve, and refuse the ones that arrive while it stops.
final class PendingConnections: Sendable {
    typealias Connection = NIOAsyncChannel<ControlInboundFrame, ByteBuffer>

    private struct State {
        var isClosed = false
        var waiting: [ObjectIdentifier: Connection] = [:]
    }

    private let state = Mutex(State())

    /// Wraps a new connection with `makeConnection` and keeps it until claimed. Returns nil, without
    /// calling `makeConnection`, once the server is stopping: the caller closes the channel.
    func admit(_ makeConnection: () throws -> Connection) throws -> Connection? {
        try state.withLock { state in
            guard !state.isClosed else { return nil }
            let connection = try makeConnection()
            state.waiting[ObjectIdentifier(connection.channel)] = connection
            return connection
        }
    }

    /// Takes `connection` over for serving. False when the server has stopped meanwhile: the
    /// connection was handed to `close()`'s caller, who closes it.
    func claim(_ connection: Connection) -> Bool {
        state.withLock { $0.waiting.removeValue(forKey: ObjectIdentifier(connection.channel)) != nil }
    }

    /// Refuses every later connection and returns the ones never claimed; the caller must close them
    /// (`executeThenClose`), which also finishes their writers.
    func close() -> [Connection] {
        state.withLock { state in
            state.isClosed = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
    }
}

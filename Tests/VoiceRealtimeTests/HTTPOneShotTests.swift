import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import VoiceTestSupport

@testable import VoiceRealtime

/// The token fetch's one HTTP request.
@Suite(.timeLimit(.minutes(2))) struct HTTPOneShotTests {
    /// The token fetch's request to `127.0.0.1:port`, with a timeout far longer than any test.
    static func request(port: Int) async throws -> (status: Int, body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "127.0.0.1")
        return try await HTTPOneShot.request(
            host: "127.0.0.1", port: port, secure: false,
            head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/client_secrets", headers: headers),
            body: "{}", timeout: .seconds(60), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    /// The error a request to `port` ends with when its task is cancelled as soon as it runs (nil, and an issue
    /// recorded, if it got a reply).
    static func errorOfCancelledRequest(port: Int) async -> (any Error)? {
        let started = AsyncStream<Void>.makeStream()
        let request = Task {
            started.continuation.yield()
            return try await Self.request(port: port)
        }
        for await _ in started.stream { break }
        request.cancel()
        let outcome = await request.result
        guard case .failure(let error) = outcome else {
            Issue.record("a server that never answers gave a reply: \(outcome)")
            return nil
        }
        return error
    }

    /// A server that accepts the connection (the kernel's backlog does) and never answers: a shutdown or
    /// `voicectl reconnect` must not wait out the request's timeout.
    @Test func aRequestWaitingForItsReplyEndsWhenItsTaskIsCancelled() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { listener.close(promise: nil) }
        let port = try #require(listener.localAddress?.port)
        let error = await Self.errorOfCancelledRequest(port: port)
        #expect(error is CancellationError, "\(String(describing: error))")
    }

    /// A server whose backlog is full: the kernel drops the SYN, so the connection itself never completes. Cancelling
    /// must end the request at once, not after the connect timeout.
    @Test func aRequestStillConnectingEndsWhenItsTaskIsCancelled() async throws {
        let server = try await SYNDroppingListener.start()
        defer { server.close() }
        let error = await Self.errorOfCancelledRequest(port: server.port)
        #expect(error is CancellationError, "\(String(describing: error))")
    }

    /// Nothing listens on the port: the request fails with the connection's error (and settles its reply's promise,
    /// which NIO checks in debug builds).
    @Test func aRefusedConnectionIsAnError() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let closed = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(closed.localAddress?.port)
        try await closed.close()
        await #expect(throws: (any Error).self) { _ = try await Self.request(port: port) }
    }
}

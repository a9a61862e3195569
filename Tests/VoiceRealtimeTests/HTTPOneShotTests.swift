import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import VoiceTestSupport

@testable import VoiceRealtime

/// The token fetch's one HTTP request.
@Suite(.timeLimit(.minutes(2))) struct HTTPOneShotTests {
    /// A server that accepts the connection (the kernel's backlog does) and never answers: a shutdown or
    /// `voicectl reconnect` must not wait out the request's timeout.
    @Test func aRequestWaitingForItsReplyEndsWhenItsTaskIsCancelled() async throws {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { listener.close(promise: nil) }
        let port = try #require(listener.localAddress?.port)
        let started = AsyncStream<Void>.makeStream()
        let request = Task {
            started.continuation.yield()
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "127.0.0.1")
            return try await HTTPOneShot.request(
                host: "127.0.0.1", port: port, secure: false,
                head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/client_secrets", headers: headers),
                body: "{}", timeout: .seconds(60), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        }
        for await _ in started.stream { break }
        request.cancel()
        let outcome = await request.result
        guard case .failure(let error) = outcome else {
            Issue.record("a server that never answers gave a reply: \(outcome)")
            return
        }
        #expect(error is CancellationError, "\(error)")
    }
}

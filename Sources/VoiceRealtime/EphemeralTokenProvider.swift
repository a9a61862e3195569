#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import VoiceCore

/// Why an ephemeral token could not be had. Never contains the API key.
struct EphemeralTokenError: Error, CustomStringConvertible {
    var status: Int?
    var message: String
    /// The transport's error, when one caused this (a TLS failure says whether the clock is to blame).
    var underlying: (any Error)?

    var isAuthenticationFailure: Bool {
        status == 401 || status == 403 || (status == 400 && message.lowercased().contains("key"))
    }
    var description: String {
        if let status { return "fetching an ephemeral token failed with HTTP \(status): \(message)" }
        return "fetching an ephemeral token failed: \(message)"
    }
}

/// Fetches (and reuses until shortly before expiry) a short-lived client secret with
/// `POST /v1/realtime/client_secrets` (reference §1), so the API key itself never travels on the WebSocket.
actor EphemeralTokenProvider {
    private let settings: RealtimeSettings.EphemeralTokenSettings
    private let eventLoopGroup: any EventLoopGroup
    private var cached: (value: String, expiresAt: Int)?

    init(settings: RealtimeSettings.EphemeralTokenSettings, eventLoopGroup: any EventLoopGroup) {
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
    }

    func token(apiKey: String) async throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        if let cached, cached.expiresAt - 30 > now { return cached.value }
        let reply = try await fetch(apiKey: apiKey)
        cached = (reply.value, reply.expiresAt ?? (now + settings.ttlSeconds))
        return reply.value
    }

    private struct Reply: Decodable {
        var value: String
        var expiresAt: Int?
        enum CodingKeys: String, CodingKey {
            case value
            case expiresAt = "expires_at"
        }
    }

    private func fetch(apiKey: String) async throws -> Reply {
        guard let url = HTTPSEndpoint(settings.endpoint) else {
            throw EphemeralTokenError(message: "realtime.ephemeral_tokens.endpoint is not an http(s) URL")
        }
        let body = #"{"expires_after":{"seconds":\#(settings.ttlSeconds)}}"#
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.host)
        headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        let (status, replyBody) = try await HTTPOneShot.request(
            host: url.host, port: url.port, secure: url.secure,
            head: HTTPRequestHead(version: .http1_1, method: .POST, uri: url.target, headers: headers),
            body: body, timeout: .seconds(15), eventLoopGroup: eventLoopGroup
        )
        guard status == 200 else {
            throw EphemeralTokenError(status: status, message: String(replyBody.prefix(200)))
        }
        do {
            return try JSONDecoder().decode(Reply.self, from: Data(replyBody.utf8))
        } catch {
            throw EphemeralTokenError(status: status, message: "the reply has no token (\"value\")")
        }
    }
}

/// One HTTP/1.1 request and its complete reply, over TCP or TLS. Small on purpose: the only HTTP the daemon
/// does besides the WebSocket upgrade is the token fetch.
enum HTTPOneShot {
    static func request(
        host: String, port: Int, secure: Bool, head: HTTPRequestHead, body: String, timeout: TimeAmount,
        eventLoopGroup: any EventLoopGroup
    ) async throws -> (status: Int, body: String) {
        let sslContext = secure ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let eventLoop = eventLoopGroup.next()
        let promise = eventLoop.makePromise(of: (Int, String).self)
        let attempts = ConnectAttempts(lookup: .system, eventLoop: eventLoop)
        let connecting = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .resolver(attempts.resolver)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard attempts.add(channel) else { throw CancellationError() }
                    if let sslContext {
                        let serverName = host.first?.isNumber == true || host.contains(":") ? nil : host
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: sslContext, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(promise: promise))
                }
            }
            .connect(host: host, port: port)
        // The connection is cancellable too: a host that drops the SYN (or a server whose backlog is full) would
        // otherwise hold a shutdown or `voicectl reconnect` for the whole connect timeout.
        let connected = eventLoop.makePromise(of: (any Channel).self)
        connecting.cascade(to: connected)
        let channel: any Channel
        do {
            channel = try await withTaskCancellationHandler {
                try await connected.futureResult.get()
            } onCancel: {
                connected.fail(CancellationError())
                attempts.cancel()
            }
        } catch {
            // No reply will come: the reply's promise is settled here, not left to the collector's channel.
            promise.fail(error)
            // Cancelled: the connect may have failed first because of it (its channel refused), whichever won.
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        let timer = eventLoop.scheduleTask(in: timeout) {
            promise.fail(EphemeralTokenError(message: "no reply within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        // Cancellable (a shutdown or `voicectl reconnect` during the fetch), not only bounded by the timeout.
        defer { channel.close(promise: nil) }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
                channel.close(promise: nil)
            }
        } catch {
            // A cancellation that came while the connect completed closed the new channel, so the collector may
            // have failed the reply first ("closed before the reply was complete"): the cause is the cancellation.
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    private final class ReplyCollector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        private let promise: EventLoopPromise<(Int, String)>
        private var status = 0
        private var body = ByteBuffer()

        init(promise: EventLoopPromise<(Int, String)>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = Int(head.status.code)
            case .body(var part):
                if body.readableBytes < 64 * 1024 { body.writeBuffer(&part) }
            case .end: promise.succeed((status, String(buffer: body)))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(EphemeralTokenError(message: "the connection closed before the reply was complete"))
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(EphemeralTokenError(message: "\(error)", underlying: error))
            context.close(promise: nil)
        }
    }
}

/// The parts of an `http://` / `https://` URL.
struct HTTPSEndpoint {
    var secure: Bool
    var host: String
    var port: Int
    var target: String

    init?(_ url: String) {
        let websocketForm =
            url.hasPrefix("https://")
            ? "wss://" + url.dropFirst(8)
            : url.hasPrefix("http://") ? "ws://" + url.dropFirst(7) : nil
        guard let websocketForm, let endpoint = Endpoint(websocketForm) else { return nil }
        secure = endpoint.secure
        host = endpoint.host
        port = endpoint.port
        target = endpoint.target
    }
}

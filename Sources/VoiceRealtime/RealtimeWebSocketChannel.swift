import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import WSClient
@_spi(WSInternal) import WSCore

/// The context handed to the connection's data handler.
struct RealtimeWebSocketContext: WebSocketContext {
    let logger: Logger
}

/// The server closed the connection in the middle of the WebSocket upgrade.
struct ConnectionClosedDuringUpgrade: Error, CustomStringConvertible {
    var description: String { "the server closed the connection during the WebSocket upgrade" }
}

/// Thrown when the server answered the WebSocket upgrade with something other than 101.
struct UpgradeRefused: Error, Sendable, Equatable {
    var status: Int
    /// The first bytes of the reply body (the service explains a bad key there).
    var body: String
}

/// The client side of one realtime WebSocket connection.
///
/// The frame handling (masking, ping/pong, close handshake, fragments) is swift-websocket's `WebSocketHandler`;
/// this type only sets up the channel, like WSClient's own, with one difference the session needs: when the
/// upgrade is refused it keeps the HTTP status and the start of the body, so a rejected key (401/403, or 400
/// "Incorrect API key") can be told from an overloaded service (500/503). WSClient reports both as
/// "upgrade failed".
struct RealtimeWebSocketChannel: ClientConnectionChannel {
    enum Upgrade: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused(EventLoopFuture<UpgradeRefused>)
    }

    typealias Value = EventLoopFuture<Upgrade>

    let host: String
    let port: Int
    /// Path and query of the upgrade request.
    let target: String
    let headers: HTTPHeaders
    let sslContext: NIOSSLContext?
    let maxFrameSize: Int
    let autoPing: AutoPingSetup
    let closeTimeout: Duration
    let handler: WebSocketDataHandler<RealtimeWebSocketContext>
    /// Called on the event loop once the upgrade succeeded, with the upgraded channel (before the handler
    /// runs): the session writes its frames to it directly.
    var upgraded: @Sendable (any Channel) -> Void = { _ in }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                maxFrameSize: maxFrameSize,
                upgradePipelineHandler: { [upgraded] channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        // A server that closes right after its 101 can be gone before the async channel's handler
                        // is added; that handler would then never see the close and the connection would hang.
                        guard channel.isActive else { throw ConnectionClosedDuringUpgrade() }
                        let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel
                        )
                        upgraded(channel)
                        return .upgraded(asyncChannel)
                    }
                }
            )
            let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: headers)
            let upgradeConfiguration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                upgradeRequestHead: request,
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let promise = channel.eventLoop.makePromise(of: UpgradeRefused.self)
                        try channel.pipeline.syncOperations.addHandler(RefusedUpgradeCollector(promise: promise))
                        return .refused(promise.futureResult)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
            pipeline.leftOverBytesStrategy = .forwardBytes
            if let sslContext {
                // SNI must not be an IP literal.
                let serverName = host.first?.isNumber == true || host.contains(":") ? nil : host
                let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: serverName)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
        }
    }

    func handle(value: Value, logger: Logger) async throws -> WebSocketCloseFrame? {
        switch try await value.get() {
        case .upgraded(let asyncChannel):
            return try await WebSocketHandler.handle(
                type: .client,
                configuration: .init(
                    extensions: [],
                    autoPing: autoPing,
                    closeTimeout: closeTimeout,
                    validateUTF8: true,
                    maxFrameSize: maxFrameSize
                ),
                asyncChannel: asyncChannel,
                context: RealtimeWebSocketContext(logger: logger),
                handler: handler
            )
        case .refused(let refusal):
            throw try await refusal.get()
        }
    }
}

/// Collects the status and the first bytes of the body of a refused upgrade, then closes the channel.
private final class RefusedUpgradeCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<UpgradeRefused>
    private var status = 0
    private var body = ByteBuffer()
    private let bodyLimit = 1024

    init(promise: EventLoopPromise<UpgradeRefused>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var part):
            let room = max(0, bodyLimit - body.readableBytes)
            if let slice = part.readSlice(length: min(room, part.readableBytes)) {
                body.writeImmutableBuffer(slice)
            }
        case .end:
            complete(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        complete(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.succeed(UpgradeRefused(status: status, body: text))
    }

    private var text: String {
        String(decoding: body.readableBytesView, as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private func complete(context: ChannelHandlerContext) {
        promise.succeed(UpgradeRefused(status: status, body: text))
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension RefusedUpgradeCollector: Sendable {}

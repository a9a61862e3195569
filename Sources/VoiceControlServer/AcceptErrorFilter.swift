import Logging
import NIOCore

/// Sits on the listening channel and keeps accept errors (out of file descriptors, out of memory) from
/// ending the server: NIO keeps the socket open after them, but its async wrapper would end the accept
/// loop on any error it sees. They are logged instead.
final class AcceptErrorFilter: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.warning("control socket: accepting a connection failed: \(error)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}

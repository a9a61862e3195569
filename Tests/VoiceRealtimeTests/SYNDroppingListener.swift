import NIOCore
import NIOPosix
import Testing

/// A loopback listener that never accepts and whose accept queue is already full: the kernel drops every new SYN, so
/// a connection to it stays "connecting" until its own timeout. Always call ``close()``.
struct SYNDroppingListener {
    let port: Int
    private let listener: any Channel
    private let queued: any Channel

    static func start() async throws -> SYNDroppingListener {
        let group = MultiThreadedEventLoopGroup.singleton
        // No reads on the listening socket (no accepts), and an accept queue of one connection.
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 0)
            .serverChannelOption(.autoRead, value: false)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        let queued = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        // The next connection hangs: shown with a short connect timeout, so a test using this is about the connect.
        await #expect(throws: ChannelError.self) {
            try await ClientBootstrap(group: group).connectTimeout(.milliseconds(300))
                .connect(host: "127.0.0.1", port: port).get()
        }
        return SYNDroppingListener(port: port, listener: listener, queued: queued)
    }

    func close() {
        queued.close(promise: nil)
        listener.close(promise: nil)
    }
}

import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// Wakes code on one NIO event loop when a descriptor (an eventfd) becomes readable, and at a deadline: the
/// daemon's audio loop runs on that loop (`EventLoopTaskExecutor`), so the capture wake-up it waits for
/// arrives on the thread that runs it, not through a thread of its own and a hand-off (issue 9).
public final class EventLoopWakeSource: Sendable {
    public let eventLoop: any EventLoop
    private let channel = Mutex<(any Channel)?>(nil)
    private let timeout = Mutex<Scheduled<Void>?>(nil)

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Watches a duplicate of `descriptor` (the caller keeps and closes its own); `handler` runs on the loop
    /// once per batch of reads. Blocks until the loop has registered it: do not call it on the loop.
    public func watch(descriptor: Int32, handler: @escaping @Sendable () -> Void) throws {
        guard let bootstrap = NIOPipeBootstrap(validatingGroup: eventLoop) else {
            throw WakeSourceError("the event loop \(eventLoop) cannot watch descriptors (not a NIOPosix loop)")
        }
        let duplicate = dup(descriptor)
        guard duplicate >= 0 else {
            throw WakeSourceError("dup of descriptor \(descriptor) failed (errno \(errno))")
        }
        let watched = try bootstrap
            // An eventfd read is 8 bytes: no larger buffer per wake-up.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 8))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReadableHandler(handler: handler))
                }
            }
            .takingOwnershipOfDescriptor(input: duplicate)
            .wait()
        let previous = channel.withLock { current in
            defer { current = watched }
            return current
        }
        previous?.close(promise: nil)
    }

    public func scheduleTimeout(afterNanoseconds: Int64, handler: @escaping @Sendable () -> Void) {
        let scheduled = eventLoop.scheduleTask(in: .nanoseconds(max(afterNanoseconds, 0))) { handler() }
        let previous = timeout.withLock { current in
            defer { current = scheduled }
            return current
        }
        previous?.cancel()
    }

    public func cancelTimeout() {
        timeout.withLock { $0.take() }?.cancel()
    }

    /// Closes the duplicate descriptor (on the loop; the caller's own stays open).
    public func stopWatching() {
        channel.withLock { $0.take() }?.close(promise: nil)
    }

    /// Reads the eventfd (the pipe channel does that) and calls the handler once the reads are done.
    private final class ReadableHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let handler: @Sendable () -> Void

        init(handler: @escaping @Sendable () -> Void) { self.handler = handler }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

        func channelReadComplete(context: ChannelHandlerContext) { handler() }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A failed read closes the channel; the waits then end at their deadlines (no crash, no spin).
            context.close(promise: nil)
        }
    }
}

/// Why the event loop could not watch the capture wake-up (the engine then keeps its own wake thread).
public struct WakeSourceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

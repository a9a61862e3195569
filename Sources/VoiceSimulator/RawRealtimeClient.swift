import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import VoiceProtocol

/// A deliberately minimal WebSocket client for testing the simulator itself (and for benchmarks): it sends
/// exactly the frames it is told to, answers nothing on its own, and reports every frame, close code and
/// refused handshake as it is. The daemon's real client is `RealtimeSession` (VoiceRealtime).
public final class RawRealtimeClient: Sendable {
    /// One frame from the server.
    public enum Frame: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// A close frame, with its code when it had one.
        case close(code: UInt16?)
        /// The TCP connection ended (after a close frame, or without one: a 1006 drop).
        case disconnected
    }

    /// Why ``connect(port:host:path:headers:maximumFrameBytes:)`` could not open the WebSocket.
    public struct HandshakeRefused: Error, Equatable, CustomStringConvertible {
        /// The HTTP status instead of 101.
        public var status: Int
        /// The full HTTP response text (head and body).
        public var response: String
        public var description: String { "the upgrade was refused with HTTP \(status)" }
    }

    private let inbox: FrameInbox
    private let commands: AsyncStream<WebSocketFrame>.Continuation
    private let task: Task<Void, Never>

    private init(inbox: FrameInbox, commands: AsyncStream<WebSocketFrame>.Continuation, task: Task<Void, Never>) {
        self.inbox = inbox
        self.commands = commands
        self.task = task
    }

    /// Opens a WebSocket to `ws://host:port/path` (or `wss://` when `certificatePEM` is given) with `headers` on
    /// the upgrade request.
    /// - Throws: ``HandshakeRefused`` when the server answers with an HTTP status instead of 101.
    public static func connect(
        port: Int,
        host: String = "127.0.0.1",
        path: String = "/v1/realtime?model=grok-voice-think-fast-2.0",
        headers: [(String, String)] = [],
        maximumFrameBytes: Int = 1 << 24,
        trustingCertificatePEM certificatePEM: String? = nil
    ) async throws -> RawRealtimeClient {
        enum Upgrade: Sendable {
            case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
            case refused
        }
        let recorder = ResponseRecorder()
        // wss:// when a certificate to trust is given (the simulator's self-signed one).
        let tlsContext = try certificatePEM.map { pem in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            return try NIOSSLContext(configuration: tls)
        }
        let upgrade: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        // No SNI for an IP address: the certificate is checked against 127.0.0.1.
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(recorder)
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                        maxFrameSize: maximumFrameBytes,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                Upgrade.websocket(
                                    try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                                        wrappingChannelSynchronously: channel))
                            }
                        })
                    var requestHeaders = HTTPHeaders([("Host", "\(host):\(port)"), ("Content-Length", "0")])
                    for (name, value) in headers { requestHeaders.add(name: name, value: value) }
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: requestHeaders)
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(
                        upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration(
                            upgradeRequestHead: head, upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in
                                channel.eventLoop.makeSucceededFuture(Upgrade.refused)
                            }))
                    // The server writes session.created right after the 101; when both arrive in one read, the
                    // bytes after the HTTP response are the first frames and must not be dropped (NIO's default).
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: pipeline)
                }
            }
        let websocket: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
        do {
            switch try await upgrade.get() {
            case .websocket(let channel): websocket = channel
            case .refused: throw await recorder.refusal()
            }
        } catch let error as HandshakeRefused {
            throw error
        } catch {
            // A non-101 answer can also surface as an upgrader error; the recorded status says what happened.
            if let refusal = await recorder.refusalIfAny() { throw refusal }
            throw error
        }
        let inbox = FrameInbox()
        let (commandStream, commands) = AsyncStream.makeStream(of: WebSocketFrame.self)
        let task = Task {
            do {
                try await websocket.executeThenClose { inbound, outbound in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await frame in inbound { await inbox.deliver(Frame(frame)) }
                        }
                        group.addTask {
                            for await frame in commandStream { try await outbound.write(frame) }
                        }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                // The connection failing is what some tests are about: it shows up as `.disconnected`.
            }
            await inbox.deliver(.disconnected)
            await inbox.finish()
        }
        return RawRealtimeClient(inbox: inbox, commands: commands, task: task)
    }

    /// Sends one client event.
    public func send(_ event: ClientEvent, eventID: String? = nil) {
        sendText(RealtimeCoding.encode(event, eventID: eventID))
    }

    /// Sends a text frame as it is (malformed events included).
    public func sendText(_ text: String) {
        commands.yield(Self.frame(.text, ByteBuffer(string: text)))
    }

    /// Sends a binary frame.
    public func sendBinary(_ bytes: [UInt8]) {
        commands.yield(Self.frame(.binary, ByteBuffer(bytes: bytes)))
    }

    /// Sends a WebSocket ping.
    public func sendPing(_ bytes: [UInt8] = [1, 2, 3]) {
        commands.yield(Self.frame(.ping, ByteBuffer(bytes: bytes)))
    }

    /// Sends a close frame with `code`.
    public func sendClose(code: UInt16 = 1000) {
        var data = ByteBuffer()
        data.writeInteger(code)
        commands.yield(Self.frame(.connectionClose, data))
    }

    /// How long the reads below wait for a frame by default. Generous: the callers are tests that run all at once
    /// on a small machine, and a read ends as soon as a frame arrives. Pass a short timeout to check for silence.
    public static let defaultTimeout: Duration = .seconds(60)

    /// The next frame, or nil when none arrives within `timeout` or the connection is gone.
    public func nextFrame(timeout: Duration = RawRealtimeClient.defaultTimeout) async -> Frame? {
        await inbox.next(timeout: timeout)
    }

    /// The next server event (skipping other frames), or nil on timeout or disconnect.
    /// Text that does not decode is returned as `.unknown(type: "<undecodable>")`.
    public func nextEvent(timeout: Duration = RawRealtimeClient.defaultTimeout) async -> ServerEvent? {
        while let frame = await nextFrame(timeout: timeout) {
            switch frame {
            case .text(let text):
                return (try? RealtimeCoding.decodeServerEvent(text)) ?? .unknown(type: "<undecodable>")
            case .disconnected:
                return nil
            case .binary, .ping, .pong, .close:
                continue
            }
        }
        return nil
    }

    /// Server events up to and including the first one for which `isLast` holds; stops early on timeout or
    /// disconnect (check the last element).
    public func events(
        timeout: Duration = RawRealtimeClient.defaultTimeout, until isLast: (ServerEvent) -> Bool
    ) async -> [ServerEvent] {
        var events: [ServerEvent] = []
        while let event = await nextEvent(timeout: timeout) {
            events.append(event)
            if isLast(event) { break }
        }
        return events
    }

    /// Frames up to and including the first one for which `isLast` holds (or until timeout / disconnect).
    public func frames(timeout: Duration = RawRealtimeClient.defaultTimeout, until isLast: (Frame) -> Bool) async
        -> [Frame]
    {
        var frames: [Frame] = []
        while let frame = await nextFrame(timeout: timeout) {
            frames.append(frame)
            if isLast(frame) { break }
        }
        return frames
    }

    /// Closes the connection without a close handshake and waits until it is down.
    public func disconnect() async {
        commands.finish()
        task.cancel()
        await task.value
    }

    private static func frame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }
}

extension RawRealtimeClient.Frame {
    init(_ frame: WebSocketFrame) {
        let data = frame.unmaskedData
        switch frame.opcode {
        case .text: self = .text(String(buffer: data))
        case .binary: self = .binary(Array(data.readableBytesView))
        case .ping: self = .ping(Array(data.readableBytesView))
        case .pong: self = .pong(Array(data.readableBytesView))
        case .connectionClose:
            var data = data
            self = .close(code: data.readInteger(as: UInt16.self))
        default: self = .binary(Array(data.readableBytesView))
        }
    }
}

/// Frames waiting to be read, with timed waits that never lose a frame.
private actor FrameInbox {
    private var frames: [RawRealtimeClient.Frame] = []
    private var waiter: (id: Int, continuation: CheckedContinuation<RawRealtimeClient.Frame?, Never>)?
    private var nextWaiterID = 0
    private var finished = false

    func deliver(_ frame: RawRealtimeClient.Frame) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: frame)
        } else {
            frames.append(frame)
        }
    }

    func finish() {
        finished = true
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: nil)
        }
    }

    func next(timeout: Duration) async -> RawRealtimeClient.Frame? {
        if !frames.isEmpty { return frames.removeFirst() }
        if finished { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            waiter = (id, continuation)
        }
    }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

/// Keeps the raw bytes of the HTTP response (up to 64 KiB) so a refused upgrade can report its status and body.
private final class ResponseRecorder: ChannelInboundHandler, @unchecked Sendable {
    // Touched only on the channel's event loop, and read after the channel closed.
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var bytes: [UInt8] = []
    private var closed: EventLoopPromise<Void>?
    private var closeFuture: EventLoopFuture<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        closeFuture = context.channel.closeFuture
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if bytes.count < 65_536 { bytes += buffer.readableBytesView.prefix(65_536 - bytes.count) }
        context.fireChannelRead(data)
    }

    /// Waits for the server to close (it sends `Connection: close`), then describes the refusal.
    func refusal() async -> RawRealtimeClient.HandshakeRefused {
        try? await closeFuture?.get()
        return makeRefusal() ?? RawRealtimeClient.HandshakeRefused(status: 0, response: "")
    }

    func refusalIfAny() async -> RawRealtimeClient.HandshakeRefused? {
        try? await closeFuture?.get()
        return makeRefusal()
    }

    private func makeRefusal() -> RawRealtimeClient.HandshakeRefused? {
        let text = String(decoding: bytes, as: UTF8.self)
        let statusLine = text.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]), status != 101 else { return nil }
        return RawRealtimeClient.HandshakeRefused(status: status, response: text)
    }
}

import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Synchronization
import VoiceProtocol

/// Something the simulator saw or did, for tests that wait on a condition.
public enum SimulatorObservation: Sendable, Equatable {
    /// A TCP connection was accepted (numbered from 1).
    case connected(connection: Int)
    /// The upgrade was answered with this HTTP status instead of 101.
    case upgradeRefused(connection: Int, status: Int)
    /// The WebSocket is up.
    case upgraded(connection: Int)
    /// A client event decoded and was handled.
    case received(connection: Int, event: ClientEvent)
    /// A client frame that did not decode (it got an `error` event).
    case receivedInvalid(connection: Int, text: String)
    /// A server event went out.
    case sent(connection: Int, event: ServerEvent)
    /// The connection ended.
    case disconnected(connection: Int)
}

/// A client event the simulator received, with the connection it came on.
public struct ReceivedClientEvent: Sendable, Equatable {
    public var connection: Int
    public var eventID: String?
    public var event: ClientEvent
}

/// What the simulator has counted since it started.
public struct SimulatorCounters: Sendable, Equatable {
    /// TCP connections accepted, refused upgrades included.
    public var connections = 0
    /// WebSocket upgrades completed.
    public var upgrades = 0
    /// Upgrades answered with an HTTP error.
    public var upgradesRefused = 0
    /// Client events that decoded.
    public var clientEvents = 0
    /// Client frames that did not decode.
    public var invalidClientEvents = 0
    /// `error` events sent.
    public var errorsSent = 0
    /// `response.created` sent.
    public var responsesStarted = 0
    /// `pong` events received.
    public var pongsReceived = 0
    /// WebSocket connections open right now.
    public var openConnections = 0
}

/// The local realtime API simulator: a WebSocket server on loopback that serves the xAI realtime protocol
/// (reference ../shared/reference/realtime-protocol.md) strictly, with synthetic speech-like replies and
/// injectable faults. Used by tests, the demo (`voiced-sim`) and benchmarks.
public final class RealtimeSimulator: Sendable {
    public let configuration: SimulatorConfiguration

    private struct State {
        var port: Int?
        var serverChannel: (any Channel)?
        var acceptTask: Task<Void, Never>?
        var counters = SimulatorCounters()
        var received: [ReceivedClientEvent] = []
        var subscribers: [Int: AsyncStream<SimulatorObservation>.Continuation] = [:]
        var nextSubscriber = 0
        var openChannels: [Int: any Channel] = [:]
        var stopped = false
        var certificate: SelfSignedCertificate?
    }

    private let state = Mutex(State())

    public init(configuration: SimulatorConfiguration = SimulatorConfiguration()) {
        self.configuration = configuration
    }

    /// The bound port, once started.
    public var port: Int? { state.withLock { $0.port } }

    /// `ws://127.0.0.1:PORT/v1/realtime` once started (`wss://` with ``SimulatorConfiguration/tls``).
    public var url: String {
        "\(configuration.tls ? "wss" : "ws")://\(configuration.host):\(port ?? configuration.port)\(Admission.path)"
    }

    /// With TLS: the self-signed certificate (PEM) clients must trust.
    public var certificatePEM: String? { state.withLock { $0.certificate?.certificatePEM } }

    /// With TLS: where that certificate is on disk (removed by ``stop()``).
    public var certificatePath: String? { state.withLock { $0.certificate?.certificatePath } }

    /// Binds and starts accepting connections; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let configuration = self.configuration
        let certificate = configuration.tls ? try SelfSignedCertificate.generate() : nil
        state.withLock { $0.certificate = certificate }
        let tlsContext = certificate?.context
        let serverChannel: NIOAsyncChannel<EventLoopFuture<UpgradeResult>, Never> = try await ServerBootstrap(
            group: MultiThreadedEventLoopGroup.singleton
        )
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .bind(host: configuration.host, port: configuration.port) { [self] channel in
            let connection = self.accepted()
            return channel.eventLoop.makeCompletedFuture {
                if let tlsContext {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext))
                }
                return try Self.configurePipeline(
                    channel: channel, connection: connection, configuration: configuration)
            }
        }
        let port = serverChannel.channel.localAddress?.port ?? configuration.port
        let task = Task { [self] in
            await withDiscardingTaskGroup { group in
                do {
                    try await serverChannel.executeThenClose { inbound in
                        for try await upgrade in inbound {
                            group.addTask { await self.handle(upgrade) }
                        }
                    }
                } catch {
                    configuration.logger.debug("simulator accept loop ended: \(error)")
                }
            }
        }
        state.withLock {
            $0.port = port
            $0.serverChannel = serverChannel.channel
            $0.acceptTask = task
        }
        configuration.logger.info("listening on \(url)")
        return port
    }

    /// Stops accepting, closes every connection and waits until all are gone.
    public func stop() async {
        let (serverChannel, task, channels, certificate) = state.withLock { state in
            state.stopped = true
            return (state.serverChannel, state.acceptTask, Array(state.openChannels.values), state.certificate)
        }
        defer { certificate?.remove() }
        try? await serverChannel?.close()
        for channel in channels { try? await channel.close() }
        task?.cancel()
        await task?.value
        let subscribers = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Counters so far.
    public var counters: SimulatorCounters { state.withLock { $0.counters } }

    /// Every client event received so far, in order.
    public func receivedEvents() -> [ReceivedClientEvent] { state.withLock { $0.received } }

    /// The client events received on one connection.
    public func receivedEvents(connection: Int) -> [ClientEvent] {
        state.withLock { $0.received.filter { $0.connection == connection }.map(\.event) }
    }

    /// A stream of everything that happens from now on. Each call gets its own stream.
    public func observations() -> AsyncStream<SimulatorObservation> {
        let (stream, continuation) = AsyncStream.makeStream(of: SimulatorObservation.self)
        let id = state.withLock { state in
            state.nextSubscriber += 1
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Waits until `condition` holds (checked now and after every observation), or `timeout` passes.
    /// Returns whether it held. The default is generous: its callers are tests that run all at once on a
    /// small machine, and a wait that succeeds ends as soon as the condition holds.
    public func waitUntil(
        timeout: Duration = .seconds(60), _ condition: @escaping @Sendable (RealtimeSimulator) -> Bool
    ) async -> Bool {
        let stream = observations()
        if condition(self) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream where condition(self) { return true }
                return condition(self)
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return condition(self)
            }
            let result = await group.next() ?? false
            group.cancelAll()
            return result
        }
    }

    // MARK: - Bookkeeping

    func accepted() -> Int {
        let connection = state.withLock { state in
            state.counters.connections += 1
            return state.counters.connections
        }
        publish(.connected(connection: connection))
        return connection
    }

    func publish(_ observation: SimulatorObservation, eventID pendingEventID: String? = nil) {
        let subscribers = state.withLock { state -> [AsyncStream<SimulatorObservation>.Continuation] in
            switch observation {
            case .upgradeRefused: state.counters.upgradesRefused += 1
            case .upgraded: state.counters.upgrades += 1
            case .received(let connection, let event):
                state.counters.clientEvents += 1
                if case .pong = event { state.counters.pongsReceived += 1 }
                state.received.append(
                    ReceivedClientEvent(connection: connection, eventID: pendingEventID, event: event))
            case .receivedInvalid: state.counters.invalidClientEvents += 1
            case .sent(_, let event):
                if case .error = event { state.counters.errorsSent += 1 }
                if case .responseCreated = event { state.counters.responsesStarted += 1 }
            case .connected, .disconnected: break
            }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(observation) }
    }

    /// Registers an open WebSocket so ``stop()`` can close it; false when the simulator is stopping.
    func register(_ channel: any Channel, connection: Int) -> Bool {
        state.withLock { state in
            guard !state.stopped else { return false }
            state.openChannels[connection] = channel
            state.counters.openConnections += 1
            return true
        }
    }

    func unregister(connection: Int) {
        state.withLock { state in
            if state.openChannels.removeValue(forKey: connection) != nil { state.counters.openConnections -= 1 }
        }
        publish(.disconnected(connection: connection))
    }

    // MARK: - Pipeline

    enum UpgradeResult: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, connection: Int, model: String?)
        case notUpgraded(
            NIOAsyncChannel<HTTPServerRequestPart, HTTPPart<HTTPResponseHead, ByteBuffer>>, connection: Int,
            decision: AdmissionDecision)
    }

    /// The refusal decided while looking at the upgrade request. NIO does not pass the head of a refused
    /// upgrade on to the not-upgraded pipeline (only what followed it), so the answer is remembered here.
    final class AdmissionDecision: Sendable {
        let refusal = Mutex<(status: HTTPResponseStatus, body: String)?>(nil)
    }

    private static func configurePipeline(
        channel: any Channel, connection: Int, configuration: SimulatorConfiguration
    ) throws -> EventLoopFuture<UpgradeResult> {
        let decision = AdmissionDecision()
        let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
            maxFrameSize: configuration.maximumInboundFrameBytes,
            shouldUpgrade: { channel, head in
                switch Admission.decide(head: head, connection: connection, configuration: configuration) {
                case .accept(let subprotocol):
                    var headers = HTTPHeaders()
                    if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                    return channel.eventLoop.makeSucceededFuture(headers)
                case .refuse(let status, let body):
                    decision.refusal.withLock { $0 = (status, body) }
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                            maxAccumulatedFrameSize: configuration.maximumInboundFrameBytes))
                    let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                        wrappingChannelSynchronously: channel)
                    return UpgradeResult.websocket(
                        asyncChannel, connection: connection, model: Admission.model(in: head.uri))
                }
            }
        )
        let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPByteBufferResponsePartHandler())
                    let asyncChannel = try NIOAsyncChannel<
                        HTTPServerRequestPart, HTTPPart<HTTPResponseHead, ByteBuffer>
                    >(wrappingChannelSynchronously: channel)
                    return UpgradeResult.notUpgraded(asyncChannel, connection: connection, decision: decision)
                }
            }
        )
        return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
            configuration: .init(upgradeConfiguration: upgradeConfiguration))
    }

    private func handle(_ upgrade: EventLoopFuture<UpgradeResult>) async {
        do {
            switch try await upgrade.get() {
            case .websocket(let channel, let connection, let model):
                let connectionRuntime = SimulatorConnection(
                    simulator: self, channel: channel, connection: connection, model: model)
                await connectionRuntime.run()
            case .notUpgraded(let channel, let connection, let decision):
                try await refuse(channel, connection: connection, decision: decision)
            }
        } catch {
            configuration.logger.debug("simulator connection failed: \(error)")
        }
    }

    private func refuse(
        _ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPPart<HTTPResponseHead, ByteBuffer>>, connection: Int,
        decision: AdmissionDecision
    ) async throws {
        try await channel.executeThenClose { inbound, outbound in
            for try await part in inbound {
                let status: HTTPResponseStatus
                let body: String
                let uri: String
                if case .head(let head) = part {
                    uri = head.uri
                    switch Admission.decide(head: head, connection: connection, configuration: configuration) {
                    case .refuse(let refusedStatus, let refusedBody):
                        status = refusedStatus
                        body = refusedBody
                    case .accept:
                        // Authorized, but not a WebSocket upgrade.
                        status = .upgradeRequired
                        body = #"{"code":"Upgrade required","error":"The realtime API is a WebSocket endpoint."}"#
                    }
                } else if let refusal = decision.refusal.withLock({ $0 }) {
                    uri = "the upgrade request"
                    (status, body) = refusal
                } else {
                    continue
                }
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: String(body.utf8.count))
                headers.add(name: "Connection", value: "close")
                try await outbound.write(
                    contentsOf: [
                        .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)),
                        .body(ByteBuffer(string: body)),
                        .end(nil),
                    ])
                configuration.logger.info(
                    "connection \(connection): refused upgrade of \(uri) with \(status.code)")
                publish(.upgradeRefused(connection: connection, status: Int(status.code)))
                return
            }
        }
    }
}

/// Writes `HTTPPart<HTTPResponseHead, ByteBuffer>` as the `HTTPServerResponsePart` the encoder wants.
private final class HTTPByteBufferResponsePartHandler: ChannelOutboundHandler, Sendable {
    typealias OutboundIn = HTTPPart<HTTPResponseHead, ByteBuffer>
    typealias OutboundOut = HTTPServerResponsePart

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(let head): context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body(let buffer): context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: promise)
        case .end(let trailers): context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import VoiceControl
import VoiceCore

/// The control socket: newline-delimited JSON on a Unix stream socket (docs/control-protocol.md).
///
/// A `Service`: `run()` binds the socket, serves until graceful shutdown, then closes every connection
/// and removes the socket file. Each connection is checked against the allowed users and groups
/// (SO_PEERCRED), gets a hello line, and then has its requests answered in order by the
/// `ControlCommandHandler`. Limits protect the daemon: line length, client count, and a bounded event
/// queue per subscriber, so a slow or stalled client never holds up the daemon or other clients.
public final class ControlServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var settings: ControlSettings
        /// Shown in the hello line.
        public var daemonVersion: String
        /// Root and the daemon's own user are always allowed; tests turn this off to check refusals.
        public var allowRootAndDaemonUser: Bool
        /// Called once the socket is bound and its permissions set (for READY=1).
        public var onListening: (@Sendable (_ path: String) -> Void)?
        /// Called whenever subscriptions change, with every event kind some client now wants: the
        /// daemon publishes costly periodic events (levels) only while someone listens.
        public var onSubscriptionsChanged: (@Sendable (_ wanted: Set<ControlEventKind>) -> Void)?

        public init(
            settings: ControlSettings,
            daemonVersion: String,
            allowRootAndDaemonUser: Bool = true,
            onListening: (@Sendable (_ path: String) -> Void)? = nil,
            onSubscriptionsChanged: (@Sendable (_ wanted: Set<ControlEventKind>) -> Void)? = nil
        ) {
            self.settings = settings
            self.daemonVersion = daemonVersion
            self.allowRootAndDaemonUser = allowRootAndDaemonUser
            self.onListening = onListening
            self.onSubscriptionsChanged = onSubscriptionsChanged
        }
    }

    private let configuration: Configuration
    private let handler: any ControlCommandHandler
    private let logger: Logger
    private let fanOut: ControlEventFanOut
    private let connectionCounter = Atomic<Int>(0)
    private let activeConnections = Atomic<Int>(0)

    public init(
        configuration: Configuration,
        handler: any ControlCommandHandler,
        logger: Logger = Logger(label: "voiced.control")
    ) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.fanOut = ControlEventFanOut(
            queueLimit: configuration.settings.subscriberQueueLimit, onChange: configuration.onSubscriptionsChanged
        )
    }

    /// Connections currently open (including ones being refused).
    public var connectionCount: Int { activeConnections.load(ordering: .relaxed) }

    public func run() async throws {
        let settings = configuration.settings
        let problems = settings.validationProblems()
        guard problems.isEmpty else { throw ControlServerError(problems.joined(separator: "; ")) }
        let path = settings.socketPath
        let (policy, policyWarnings) = ControlAccessPolicy.resolve(
            settings,
            daemonUserID: getuid(),
            allowRootAndDaemonUser: configuration.allowRootAndDaemonUser
        )
        for warning in policyWarnings { logger.warning("\(warning)") }

        try ControlSocketFile.prepare(path: path)
        let maximumLineBytes = settings.maximumLineBytes
        let pending = PendingConnections()
        let serverChannel: NIOAsyncChannel<AcceptedConnection, Never>
        do {
            serverChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 128)
                .serverChannelInitializer { [logger] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AcceptErrorFilter(logger: logger))
                    }
                }
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path) { channel in
                    let accepted = PeerCredentials.read(from: channel)
                        .map { Optional($0) }
                        .recover { _ in nil }
                        .flatMapThrowing { credentials in
                            let connection = try pending.admit {
                                try channel.pipeline.syncOperations.addHandler(
                                    ByteToMessageHandler(ControlLineFrameDecoder(maximumLineBytes: maximumLineBytes))
                                )
                                return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                            }
                            guard let connection else { throw ControlServerError("the control server is stopping") }
                            return AcceptedConnection(channel: connection, credentials: credentials)
                        }
                    // NIO neither serves nor closes a connection whose setup failed.
                    accepted.whenFailure { _ in channel.close(promise: nil) }
                    return accepted
                }
        } catch {
            throw ControlServerError("cannot listen on the control socket \(path): \(error)")
        }
        defer { ControlSocketFile.remove(path: path) }

        for warning in ControlSocketFile.applyPermissions(
            path: path, mode: settings.socketPermissions ?? 0o660, groupName: settings.socketGroup
        ) {
            logger.warning("\(warning)")
        }
        logger.info("control socket listening", metadata: ["control.path": "\(path)"])
        configuration.onListening?(path)

        let events = handler.events()
        let acceptFailure: (any Error)? = await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group -> (any Error)? in
                group.addTask {
                    for await event in events { self.fanOut.publish(event) }
                }
                var failure: (any Error)?
                do {
                    try await serverChannel.executeThenClose { inbound in
                        for try await connection in inbound {
                            // Not ours any more when the server stopped meanwhile: closed below.
                            guard pending.claim(connection.channel) else { continue }
                            let id = connectionCounter.wrappingAdd(1, ordering: .relaxed).newValue
                            let open = activeConnections.wrappingAdd(1, ordering: .relaxed).newValue
                            group.addTask {
                                defer { self.activeConnections.wrappingSubtract(1, ordering: .relaxed) }
                                await self.serve(connection, id: id, openConnections: open, policy: policy)
                            }
                        }
                    }
                } catch is CancellationError {
                    // The server's task was cancelled: stop like a graceful shutdown.
                } catch {
                    failure = error
                }
                // The listening socket is closed. End the event pump and every connection: the ones
                // being served (their tasks are cancelled; a subscriber's queue ends), and the ones
                // accepted but never handed to the loop.
                fanOut.finishAll()
                group.cancelAll()
                for connection in pending.close() {
                    try? await connection.executeThenClose { _, _ in }
                }
                return failure
            }
        } onCancelOrGracefulShutdown: {
            serverChannel.channel.close(promise: nil)
        }
        logger.info("control socket closed", metadata: ["control.path": "\(path)"])
        if let acceptFailure {
            throw ControlServerError("the control socket \(path) stopped accepting connections: \(acceptFailure)")
        }
    }

    // MARK: - One connection

    private func serve(
        _ connection: AcceptedConnection,
        id: Int,
        openConnections: Int,
        policy: ControlAccessPolicy
    ) async {
        var metadata: Logger.Metadata = ["control.connection": "\(id)"]
        if let credentials = connection.credentials {
            metadata["control.peer.uid"] = "\(credentials.uid)"
            metadata["control.peer.pid"] = "\(credentials.pid)"
        }
        let refusal = refusalReason(connection.credentials, openConnections: openConnections, policy: policy)
        do {
            try await connection.channel.executeThenClose { inbound, outbound in
                if let refusal {
                    logger.warning("control connection refused: \(refusal.message)", metadata: metadata)
                    let line = ControlWire.responseLine(id: nil, reply: .failure(refusal))
                    try await outbound.write(ByteBuffer(bytes: line))
                    return
                }
                logger.debug("control connection opened", metadata: metadata)
                let hello = ControlHello(daemonVersion: configuration.daemonVersion)
                try await outbound.write(ByteBuffer(bytes: ControlWire.helloLine(hello)))
                try await withThrowingDiscardingTaskGroup { group in
                    // The connection's subscriptions, in the order they began, for its one event writer.
                    var eventWriter: AsyncStream<AsyncStream<ByteBuffer>>.Continuation?
                    defer {
                        fanOut.connectionClosed(id)
                        eventWriter?.finish()
                        group.cancelAll()
                    }
                    for try await frame in inbound {
                        switch frame {
                        case .oversized:
                            let error = ControlError(
                                .tooLarge,
                                "request line longer than "
                                    + "\(configuration.settings.maximumLineBytes) bytes; the connection is closed")
                            logger.warning("control connection closed: \(error.message)", metadata: metadata)
                            let line = ControlWire.responseLine(id: nil, reply: .failure(error))
                            try await outbound.write(ByteBuffer(bytes: line))
                            return
                        case .line(let line):
                            let (response, recording) = await answer(
                                line, connection: id, outbound: outbound, group: &group, eventWriter: &eventWriter)
                            do {
                                try await outbound.write(ByteBuffer(bytes: response))
                            } catch {
                                // A recording nobody will receive must not keep the microphone on and the
                                // next client waiting as busy for its whole length.
                                recording?.feed.cancel()
                                throw error
                            }
                            // Its lines follow the response that announced it.
                            if let recording {
                                // Who listens to the room, and for how long, belongs in the journal.
                                logger.notice(
                                    "a control client records the microphone for \(recording.feed.info.seconds) s",
                                    metadata: metadata)
                                group.addTask {
                                    try await self.writeRecording(recording.feed, id: recording.id, outbound: outbound)
                                }
                            }
                        }
                    }
                }
            }
        } catch {
            // A client that disconnects mid-write is normal; nothing to tell anyone beyond debug.
            logger.debug("control connection ended: \(error)", metadata: metadata)
        }
    }

    private func refusalReason(
        _ credentials: PeerCredentials?,
        openConnections: Int,
        policy: ControlAccessPolicy
    ) -> ControlError? {
        guard let credentials else {
            return ControlError(.notPermitted, "voiced could not read the caller's credentials (SO_PEERCRED)")
        }
        if !policy.permits(uid: credentials.uid, groups: credentials.groups()) {
            let who = UserDatabase.userName(ofUserID: credentials.uid) ?? "uid \(credentials.uid)"
            let groups = configuration.settings.allowedGroups.joined(separator: ", ")
            return ControlError(
                .notPermitted,
                "user \(who) may not use the voiced control socket; add the user to "
                    + "group \(groups.isEmpty ? "voiced" : groups) (and log in again) or to control.allowed_users")
        }
        let maximum = configuration.settings.maximumClients
        if openConnections > maximum {
            return ControlError(.busy, "voiced already has \(maximum) control clients connected; try again later")
        }
        return nil
    }

    /// Decodes and carries out one request line; returns the response line, and the recording it
    /// started (whose lines must follow the response).
    private func answer(
        _ line: ByteBuffer,
        connection id: Int,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        group: inout ThrowingDiscardingTaskGroup<any Error>,
        eventWriter: inout AsyncStream<AsyncStream<ByteBuffer>>.Continuation?
    ) async -> (Data, StartedRecording?) {
        let request: ControlRequest
        switch ControlRequestDecoder.decode(line: line.readableBytesView) {
        case .failure(let failure):
            return (ControlWire.responseLine(id: failure.id, reply: .failure(failure.error)), nil)
        case .success(let decoded):
            request = decoded
        }
        let reply: ControlReply
        var recording: StartedRecording?
        switch request.command {
        case .record(let seconds):
            switch await handler.startRecording(seconds: seconds) {
            case .success(let feed):
                recording = StartedRecording(feed: feed, id: request.id)
                reply = .success(.recording(feed.info))
            case .failure(let error):
                reply = .failure(error)
            }
        case .subscribe(let kinds):
            if let stream = fanOut.subscribe(connection: id, kinds: kinds) {
                if eventWriter == nil {
                    let (subscriptions, continuation) = AsyncStream<AsyncStream<ByteBuffer>>.makeStream()
                    eventWriter = continuation
                    group.addTask {
                        try await self.writeEvents(of: subscriptions, connection: id, outbound: outbound)
                    }
                }
                eventWriter?.yield(stream)
            }
            let subscribed = kinds.isEmpty ? Set(ControlEventKind.allCases) : kinds
            reply = .success(.subscription(SubscriptionInfo(events: subscribed)))
        case .unsubscribe:
            fanOut.unsubscribe(connection: id)
            reply = .success(.subscription(SubscriptionInfo(events: [])))
        default:
            reply = await handler.handle(request.command)
        }
        return (ControlWire.responseLine(id: request.id, reply: reply), recording)
    }

    /// Streams a recording's blocks to its connection, then its end line. The feed's queue is what
    /// absorbs a slow client (the daemon drops and counts what does not fit); when the connection
    /// goes away (this task is cancelled, or a write fails), the recording is cancelled.
    private func writeRecording(
        _ feed: RecordingFeed,
        id: ControlRequestID?,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        defer { feed.cancel() }
        for await block in feed.blocks {
            try await outbound.write(ByteBuffer(bytes: ControlWire.recordingLine(.chunk(id: id, block))))
        }
        guard !Task.isCancelled else { return }
        let summary = feed.summary()
        try await outbound.write(ByteBuffer(bytes: ControlWire.recordingLine(.end(id: id, summary))))
    }

    /// Drains a connection's subscriptions into its socket, one after the other: a subscription that
    /// begins while an earlier one (ended by `unsubscribe`, or dropped) still has lines queued waits
    /// for them, so the client reads every event once and in the order it was published.
    private func writeEvents(
        of subscriptions: AsyncStream<AsyncStream<ByteBuffer>>,
        connection id: Int,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        for await stream in subscriptions {
            try await writeEvents(stream, connection: id, outbound: outbound)
        }
    }

    /// Drains one subscription's queue into the socket; when the queue overflowed, says so at the end.
    private func writeEvents(
        _ stream: AsyncStream<ByteBuffer>,
        connection id: Int,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        for await line in stream {
            try await outbound.write(line)
        }
        if fanOut.takeDropped(connection: id) {
            logger.warning(
                "control subscriber dropped: it stopped reading events",
                metadata: ["control.connection": "\(id)"])
            let notice = ControlEvent.notice(
                code: ControlEvent.subscriberDroppedCode,
                message: "events were not read fast enough (more than \(configuration.settings.subscriberQueueLimit) "
                    + "queued); the subscription has ended; subscribe again to resume"
            )
            try await outbound.write(ByteBuffer(bytes: ControlWire.eventLine(notice)))
        }
    }
}

/// A recording a request started, whose lines the connection streams after the response.
private struct StartedRecording: Sendable {
    var feed: RecordingFeed
    var id: ControlRequestID?
}

/// An accepted connection and who is on the other end.
struct AcceptedConnection: Sendable {
    var channel: NIOAsyncChannel<ControlInboundFrame, ByteBuffer>
    var credentials: PeerCredentials?
}

import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import ServiceLifecycle
import Synchronization
import VoiceCore
import VoiceProtocol
import WSClient

/// The realtime session with xAI's voice API (or the local simulator): a `Service` whose `run()` connects,
/// configures (`session.update` → `session.updated`), serves, and on any failure backs off and reconnects,
/// until graceful shutdown.
///
/// Every method may be called at any time, from any task, before or during `run()`: commands are queued to
/// the session's loop in order. Input given while the session is not ready (mic audio, commits, text) is kept,
/// bounded by `pre_connect_buffer_seconds` and `delivery_timeout_seconds`, and sent once `session.updated`
/// arrives; if that does not happen in time, ``RealtimeSessionEvent/inputUndeliverable(reason:)`` says why.
///
/// The API key appears only in the upgrade request's header; it is redacted from every error, status and log
/// line the session produces.
public final class RealtimeSession: Service, Sendable {
    /// Status changes, server events, decoded reply audio, undeliverable input — in order. Finishes when
    /// `run()` returns. Unbounded: the coordinator is expected to consume it continuously.
    public let events: AsyncStream<RealtimeSessionEvent>

    private let eventsContinuation: AsyncStream<RealtimeSessionEvent>.Continuation
    private let inputs = Inbox()
    private let shared: Mutex<SharedState>
    private let settings: RealtimeSettings
    private let tools: [Tool]
    private let apiKey: String
    private let clock: SessionClock
    private let random: any UnitRandomSource
    private let tlsConfiguration: TLSConfiguration?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let tokenProvider: EphemeralTokenProvider?
    private let clockProbe: (any SystemClockProbe)?
    private let hostLookup: HostLookup
    /// The event loop the session's loop and its connections run on (see `EventLoopTaskExecutor`). A caller that
    /// hands the session audio often (the daemon's audio loop) saves a thread hand-off per call by running its
    /// task there too (`withTaskExecutorPreference`).
    public let taskExecutor: EventLoopTaskExecutor

    /// - Parameters:
    ///   - settings: the `realtime:` settings.
    ///   - apiKey: the xAI API key (or, against the simulator, any token it accepts).
    ///   - tools: the tools offered in every `session.update`.
    ///   - clock: the clock for timeouts, backoff and rotation (a manual one in tests).
    ///   - random: the jitter source for the backoff.
    ///   - tlsConfiguration: for `wss://`; nil uses the system trust roots.
    ///   - clockProbe: asked when a server's certificate fails verification, to say whether the wall clock is the
    ///     likely cause (``SystemClockAssessment``); nil only says that it may be.
    ///   - hostLookup: how the service's host name becomes addresses (a test can make it hang).
    ///   - logger: where connection changes and problems are logged (never the key).
    public init(
        settings: RealtimeSettings,
        apiKey: String,
        tools: [Tool] = [],
        clock: some Clock<Duration> = ContinuousClock(),
        random: any UnitRandomSource = SystemUnitRandomSource(),
        tlsConfiguration: TLSConfiguration? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        clockProbe: (any SystemClockProbe)? = nil,
        hostLookup: HostLookup = .system,
        logger: Logger
    ) {
        self.settings = settings
        self.hostLookup = hostLookup
        self.clockProbe = clockProbe
        self.tools = tools
        self.apiKey = apiKey
        self.clock = SessionClock(clock)
        self.random = random
        self.tlsConfiguration = tlsConfiguration
        self.eventLoopGroup = eventLoopGroup
        taskExecutor = EventLoopTaskExecutor(eventLoop: eventLoopGroup.next())
        self.logger = logger
        (events, eventsContinuation) = AsyncStream.makeStream(of: RealtimeSessionEvent.self)
        var initial = ConnectionStatus()
        initial.endpoint = settings.url
        initial.model = settings.model
        shared = Mutex(SharedState(status: initial))
        tokenProvider =
            settings.ephemeralTokens.enabled
            ? EphemeralTokenProvider(settings: settings.ephemeralTokens, eventLoopGroup: eventLoopGroup)
            : nil
    }

    // MARK: - Commands

    /// Mic audio (mono Int16 at the session rate). Sent in `audio_chunk_milliseconds` chunks once the session
    /// is ready; kept (bounded) before that.
    public func appendAudio(_ samples: [Int16]) { command(.appendAudio(samples)) }
    /// Ends a manual (push-to-talk) turn.
    public func commit() { command(.commit) }
    /// Discards the uncommitted mic audio.
    public func clear() { command(.clear) }
    /// Asks for a response (manual turns, and after function outputs).
    public func createResponse(_ parameters: ResponseParameters? = nil) { command(.createResponse(parameters)) }
    /// Cancels the active response; its remaining audio deltas are dropped.
    public func cancelResponse() { command(.cancelResponse) }
    /// Tells the service how much of an assistant item was actually played, after a barge-in.
    public func truncate(itemID: String, audioEndMilliseconds: Int) {
        command(.truncate(itemID: itemID, audioEndMilliseconds: audioEndMilliseconds))
    }
    /// A typed user turn (`conversation.item.create` with `input_text`, then `response.create`).
    public func sendText(_ text: String) { command(.sendText(text)) }
    /// The output of a function call; call ``createResponse(_:)`` once every call of the response is answered.
    public func sendFunctionOutput(callID: String, output: String) {
        command(.functionOutput(callID: callID, output: output))
    }
    /// Changes the session live (voice, instructions, turn detection...), and for every later connection.
    public func updateSession(_ update: SessionConfiguration) { command(.updateSession(update)) }
    /// Changes the voice live. Unknown names are rejected here, with a message naming the known ones.
    public func updateVoice(_ voice: String) throws(RealtimeSessionError) {
        guard let canonical = VoiceCatalog.canonical(voice) else {
            throw .unknownVoice(voice)
        }
        updateSession(SessionConfiguration(voice: canonical))
    }
    /// Any other client event; sent when ready, queued before.
    public func send(_ event: ClientEvent) { command(.send(event)) }
    /// Drops the current connection (if any) and connects again now, forgetting the backoff.
    public func reconnect() { command(.reconnect) }

    /// The connection's status now.
    public func status() -> ConnectionStatus {
        let now = clock.now()
        return shared.withLock { state in
            var status = state.status
            if let nextAttemptAt = state.nextAttemptAt {
                status.nextAttemptInMilliseconds = milliseconds(max(nextAttemptAt - now, .zero))
            }
            return status
        }
    }

    /// The session's counters now.
    public func statistics() -> RealtimeSessionStatistics { shared.withLock { $0.statistics } }

    private func command(_ command: Command) {
        inputs.yield(.command(command))
    }

    // MARK: - Service

    public func run() async throws {
        await withTaskExecutorPreference(taskExecutor) { await runLoop() }
    }

    private func runLoop() async {
        var loop = Loop(machine: RealtimeSessionStateMachine(settings: settings, tools: tools, random: random))
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                self.perform(loop.machine.start(now: self.clock.now()), loop: &loop, group: &group)
                while let input = await self.inputs.next() {
                    let now = self.clock.now()
                    let actions: [RealtimeSessionStateMachine.Action]
                    switch input {
                    case .command(let command): actions = Self.apply(command, to: &loop.machine, now: now)
                    case .connectStep(let id, let step): actions = loop.machine.connectStep(id: id, step, now: now)
                    case .opened(let id): actions = loop.machine.connectionOpened(id: id, now: now)
                    case .received(let id, let message):
                        actions = loop.machine.received(message, connectionID: id, now: now)
                    case .ended(let id, let end):
                        loop.connections[id] = nil
                        actions = loop.machine.connectionEnded(id: id, end, now: now)
                    case .tick:
                        // The armed timer fired (or a cancelled one raced): either way re-arm from scratch.
                        loop.timer = nil
                        loop.armedDeadline = nil
                        actions = loop.machine.tick(now: now)
                    case .shutdown: actions = loop.machine.shutdown(now: now)
                    }
                    self.perform(actions, loop: &loop, group: &group)
                    if loop.machine.phase == .stopped { break }
                }
                // Shutdown or cancellation: close what is open; the group waits for the close handshakes.
                loop.timer?.cancel()
                for handle in loop.connections.values { handle.close() }
            }
        } onGracefulShutdown: {
            self.inputs.yield(.shutdown)
        }
        shared.withLock { state in
            state.status.state = .disconnected
            state.nextAttemptAt = nil
        }
        // Commands after the end are dropped rather than piling up.
        inputs.finish()
        eventsContinuation.finish()
    }

    private static func apply(
        _ command: Command, to machine: inout RealtimeSessionStateMachine, now: Duration
    ) -> [RealtimeSessionStateMachine.Action] {
        switch command {
        case .appendAudio(let samples): machine.appendAudio(samples, now: now)
        case .commit: machine.commit(now: now)
        case .clear: machine.clear(now: now)
        case .createResponse(let parameters): machine.createResponse(parameters, now: now)
        case .cancelResponse: machine.cancelResponse(now: now)
        case .truncate(let itemID, let milliseconds):
            machine.truncate(itemID: itemID, audioEndMilliseconds: milliseconds, now: now)
        case .sendText(let text): machine.sendText(text, now: now)
        case .functionOutput(let callID, let output):
            machine.sendFunctionOutput(callID: callID, output: output, now: now)
        case .updateSession(let update): machine.updateSession(update, now: now)
        case .send(let event): machine.send(event, now: now)
        case .reconnect: machine.reconnect(now: now)
        }
    }

    private func perform(
        _ actions: [RealtimeSessionStateMachine.Action], loop: inout Loop, group: inout DiscardingTaskGroup
    ) {
        // The snapshot first: whoever sees an effect of this step (a pong the service received, an emitted
        // event) and then reads status or statistics must find them counting that step already.
        publishSnapshot(loop.machine)
        for action in actions {
            switch action {
            case .openConnection(let id):
                let handle = ConnectionHandle()
                loop.connections[id] = handle
                group.addTask { await self.runConnection(id: id, handle: handle) }
            case .send(let id, let text):
                loop.connections[id]?.send(text)
            case .closeConnection(let id):
                loop.connections[id]?.close()
            case .emit(let event):
                eventsContinuation.yield(event)
            case .log(let level, let message):
                let line = redact(message)
                switch level {
                case .debug: logger.debug("\(line)")
                case .info: logger.info("\(line)")
                case .warning: logger.warning("\(line)")
                case .error: logger.error("\(line)")
                }
            }
        }
        armTimer(for: loop.machine.nextDeadline, loop: &loop)
    }

    private func publishSnapshot(_ machine: RealtimeSessionStateMachine) {
        let nextAttemptAt: Duration? =
            switch machine.phase {
            case .backingOff(let until), .authFailed(let until): until
            default: nil
            }
        shared.withLock { state in
            state.status = machine.status
            state.status.lastError = state.status.lastError.map(redact)
            state.nextAttemptAt = nextAttemptAt
            state.statistics = machine.statistics
        }
    }

    /// Keeps one timer task armed for the machine's next deadline. An earlier deadline replaces the armed
    /// timer; a later one waits for the armed timer's (harmless) tick to re-arm.
    private func armTimer(for deadline: Duration?, loop: inout Loop) {
        guard let deadline else { return }
        if let armed = loop.armedDeadline, armed <= deadline, loop.timer != nil { return }
        loop.timer?.cancel()
        loop.armedDeadline = deadline
        let clock = self.clock
        let inputs = self.inputs
        loop.timer = Task {
            do {
                try await clock.sleep(until: deadline)
            } catch {
                return
            }
            inputs.yield(.tick)
        }
    }

    // MARK: - One connection

    private func runConnection(id: Int, handle: ConnectionHandle) async {
        let end: ConnectionEnd
        do {
            end = try await connect(id: id, handle: handle)
        } catch let refusal as UpgradeRefused {
            end = .refused(status: refusal.status, body: redact(refusal.body))
        } catch let error as EphemeralTokenError {
            if error.isAuthenticationFailure {
                end = .refused(status: error.status ?? 401, body: redact(error.description))
            } else if let underlying = error.underlying, Self.isCertificateVerificationFailure(underlying) {
                end = .failed(redact("fetching an ephemeral token failed: " + describeCertificateFailure()))
            } else {
                end = .failed(redact(error.description))
            }
        } catch {
            end = .failed(redact(describe(error)))
        }
        inputs.yield(.ended(id, end))
    }

    private func connect(id: Int, handle: ConnectionHandle) async throws -> ConnectionEnd {
        guard let endpoint = Endpoint(settings.connectionURL) else {
            throw ConfigurationProblem("realtime.url \"\(settings.url)\" is not a ws:// or wss:// URL")
        }
        var credential = apiKey
        if let tokenProvider {
            credential = try await tokenProvider.token(apiKey: apiKey)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "Origin", value: endpoint.origin)
        switch settings.auth {
        case .authorizationHeader: headers.add(name: "Authorization", value: "Bearer \(credential)")
        case .subprotocol: headers.add(name: "Sec-WebSocket-Protocol", value: "xai-client-secret.\(credential)")
        }
        let sslContext: NIOSSLContext? =
            endpoint.secure ? try NIOSSLContext(configuration: tlsConfiguration ?? .makeClientConfiguration()) : nil
        let pingInterval = settings.timeouts.pingIntervalSeconds
        let maxFrameSize = settings.maxFrameBytes
        let outputCodec = settings.outputAudio.codec
        let inputs = self.inputs
        var configuredWebSocket = RealtimeWebSocketChannel(
            host: endpoint.host,
            port: endpoint.port,
            target: endpoint.target,
            headers: headers,
            sslContext: sslContext,
            maxFrameSize: maxFrameSize,
            autoPing: pingInterval > 0 ? .enabled(timePeriod: .seconds(pingInterval)) : .disabled,
            closeTimeout: .seconds(settings.timeouts.closeSeconds),
            handler: { inbound, outbound, _ in
                inputs.yield(.opened(id))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await text in handle.outgoingStream {
                            try await outbound.write(.text(text))
                        }
                    }
                    group.addTask {
                        for try await message in inbound.messages(maxSize: maxFrameSize) {
                            inputs.yield(.received(id, Self.decode(message, codec: outputCodec)))
                        }
                    }
                    // Either side ending ends the connection: the writer when we close, the reader when the
                    // server does.
                    try await group.next()
                    group.cancelAll()
                }
            }
        )
        // Frames go straight to the upgraded channel from the session's loop (`ConnectionHandle.send`): no
        // writer task and no WebSocketHandler actor hop per audio chunk.
        configuredWebSocket.upgraded = { channel in handle.attach(channel) }
        let webSocket = configuredWebSocket
        let eventLoop = taskExecutor.eventLoop
        let logger = self.logger
        let connectTimeout = TimeAmount.milliseconds(Int64(settings.timeouts.connectSeconds * 1000))
        let hostLookup = self.hostLookup
        return try await withThrowingTaskGroup(of: ConnectionEnd.self) { group in
            group.addTask {
                // Our own bootstrap rather than WSClient's ClientConnection: that one allows remote half-closure,
                // and a server that closes right after its 101 then leaves the connection hanging (the input-closed
                // event can pass before the WebSocket handler is in the pipeline).
                // On the session's own event loop: the loop's frame writes then need no hop.
                // NIO's connect does not end when its task is cancelled: a DNS server that does not answer, or a
                // host that drops the SYN, would hold a shutdown or a reconnect for the whole connect timeout.
                // Cancelling fails the lookup and closes the channels the attempt made.
                let attempts = ConnectAttempts(lookup: hostLookup, eventLoop: eventLoop) { step in
                    inputs.yield(.connectStep(id, step))
                }
                let upgrade: RealtimeWebSocketChannel.Value = try await withTaskCancellationHandler {
                    try await ClientBootstrap(group: eventLoop)
                        .connectTimeout(connectTimeout)
                        .resolver(attempts.resolver)
                        .channelOption(.socketOption(.tcp_nodelay), value: 1)
                        .connect(host: endpoint.host, port: endpoint.port) {
                            channel -> EventLoopFuture<RealtimeWebSocketChannel.Value> in
                            guard attempts.add(channel) else {
                                return channel.eventLoop.makeFailedFuture(CancellationError())
                            }
                            return webSocket.setup(channel: channel, logger: logger)
                        }
                } onCancel: {
                    attempts.cancel()
                }
                let closeFrame = try await webSocket.handle(value: upgrade, logger: logger)
                guard let closeFrame else { return .closed(code: nil, reason: nil) }
                return .closed(code: Int(UInt16(webSocketErrorCode: closeFrame.closeCode)), reason: closeFrame.reason)
            }
            group.addTask {
                // Finishes when the loop aborts this connection (timeouts, rotation, shutdown).
                for await _ in handle.abortStream {}
                return .aborted
            }
            let end = try await group.next() ?? .aborted
            group.cancelAll()
            return end
        }
    }

    static func decode(_ message: WebSocketMessage, codec: WireAudioCodec) -> InboundMessage {
        guard case .text(let text) = message else {
            return .malformed("unexpected binary frame (voiced uses the json audio transport)")
        }
        do {
            let event = try RealtimeCoding.decodeServerEvent(text)
            if case .responseOutputAudioDelta(let delta) = event {
                do {
                    let samples = try codec.decode(delta.delta)
                    return .audio(responseID: delta.responseID, itemID: delta.itemID, samples: samples)
                } catch {
                    return .malformed(error.description)
                }
            }
            return .event(event)
        } catch {
            return .malformed(error.description)
        }
    }

    private func describe(_ error: any Error) -> String {
        if Self.isCertificateVerificationFailure(error) { return describeCertificateFailure() }
        switch error {
        case let error as WebSocketClientError: return error.description
        case let error as ConfigurationProblem: return error.message
        case let error as NIOConnectionError:
            if let dns = error.dnsAAAAError ?? error.dnsAError {
                return "\(NameLookupProblem.marker) \(error.host) failed: \(dns)"
            }
            if let first = error.connectionErrors.first { return "connecting to \(error.host) failed: \(first.error)" }
            return "connecting to \(error.host) failed"
        case let error as NIOSSLError:
            let reasons = Self.boringSSLReasons(error)
            if !reasons.isEmpty { return "TLS failed: the handshake failed (\(reasons.joined(separator: ", ")))" }
            return "TLS failed: \(error)"
        case let error as IOError: return "network error: \(error.description)"
        default: return String(describing: error)
        }
    }

    /// A certificate that failed verification, and whether the wall clock is why: a board without a real-time
    /// clock cannot check a certificate's dates until NTP has set the time.
    private func describeCertificateFailure() -> String {
        let detail = "certificate verify failed"
        guard let clockProbe else { return SystemClockAssessment.certificateFailureMessageWithoutProbe(detail: detail) }
        return SystemClockAssessment(probe: clockProbe).certificateFailureMessage(detail: detail)
    }

    /// Whether BoringSSL rejected the server's certificate (`CERTIFICATE_VERIFY_FAILED`): untrusted, expired, not
    /// yet valid or for another host, which the error does not tell apart. Other TLS failures (the server closed
    /// during the handshake, a protocol mismatch) are not certificate failures.
    static func isCertificateVerificationFailure(_ error: any Error) -> Bool {
        guard let error = error as? NIOSSLError else { return false }
        return boringSSLReasons(error).contains("certificate verify failed")
    }

    /// BoringSSL's reasons for a failed handshake, in words: "certificate verify failed", "wrong version number".
    ///
    /// NIOSSL shows BoringSSL's error stack only as text ("Error: 268435581 error:1000007d:SSL
    /// routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at /path/handshake.cc:393"): the reason is the last
    /// field before " at ".
    static func boringSSLReasons(_ error: NIOSSLError) -> [String] {
        guard case .handshakeFailed(let failure) = error else { return [] }
        let stack: NIOBoringSSLErrorStack
        switch failure {
        case .sslError(let errors), .unknownError(let errors): stack = errors
        default: return []
        }
        return stack.compactMap { entry in
            if entry == .eofDuringHandshake { return "the server closed the connection" }
            let text = "\(entry)"
            let fields = text[..<(text.firstRange(of: " at ")?.lowerBound ?? text.endIndex)]
            guard let reason = fields.split(separator: ":").last,
                reason.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber })
            else { return nil }
            return reason.lowercased().replacing("_", with: " ")
        }
    }

    private func redact(_ text: String) -> String {
        VoiceRealtime.redact(text, secrets: [apiKey])
    }
}

/// Errors a caller of ``RealtimeSession`` can act on.
public enum RealtimeSessionError: Error, Equatable, CustomStringConvertible {
    case unknownVoice(String)

    public var description: String {
        switch self {
        case .unknownVoice(let voice):
            "unknown voice \"\(voice)\": use one of \(VoiceCatalog.all.joined(separator: ", ")) or a custom voice ID (voice_...)"
        }
    }
}

// MARK: - Loop plumbing

extension RealtimeSession {
    enum Command: Sendable {
        case appendAudio([Int16])
        case commit
        case clear
        case createResponse(ResponseParameters?)
        case cancelResponse
        case truncate(itemID: String, audioEndMilliseconds: Int)
        case sendText(String)
        case functionOutput(callID: String, output: String)
        case updateSession(SessionConfiguration)
        case send(ClientEvent)
        case reconnect
    }

    enum LoopInput: Sendable {
        case command(Command)
        case connectStep(Int, ConnectStep)
        case opened(Int)
        case received(Int, InboundMessage)
        case ended(Int, ConnectionEnd)
        case tick
        case shutdown
    }

    struct SharedState: Sendable {
        var status: ConnectionStatus
        var nextAttemptAt: Duration?
        var statistics = RealtimeSessionStatistics()
    }

    /// State owned by `run()`'s loop (one task).
    struct Loop {
        var machine: RealtimeSessionStateMachine
        var connections: [Int: ConnectionHandle] = [:]
        var timer: Task<Void, Never>?
        var armedDeadline: Duration?
    }

    /// The loop's side of one connection task: frames to send, and a way to end it.
    ///
    /// Once the upgrade has handed over the channel, text frames are written to it directly, framed and masked
    /// here (`MaskedClientFrame`, as a client must mask) and handed to the pipeline below NIO's frame encoder:
    /// no writer task, WebSocketHandler actor or NIO async writer per frame, and no second masking pass. The
    /// writer task stays for the close handshake: finishing `outgoing` makes the handler send its close frame
    /// after every frame written before. Anything sent before the channel is attached goes through the writer
    /// task, and then everything after it does too, so order is kept.
    final class ConnectionHandle: Sendable {
        let outgoingStream: AsyncStream<String>
        let outgoing: AsyncStream<String>.Continuation
        let abortStream: AsyncStream<Never>
        private let abort: AsyncStream<Never>.Continuation
        private let route = Mutex(Route())

        private struct Route {
            var channel: (any Channel)?
            /// Where the session's own frames enter the pipeline: the context of NIO's frame encoder, so the
            /// bytes `MaskedClientFrame` built go on below it, to TLS or the socket. Nil if the encoder is not
            /// there; frames then go through it.
            var belowEncoder: NIOLoopBound<ChannelHandlerContext>?
            var queuedThroughWriter = false
            var closed = false
        }

        init() {
            (outgoingStream, outgoing) = AsyncStream.makeStream(of: String.self)
            (abortStream, abort) = AsyncStream.makeStream(of: Never.self)
        }

        /// The upgraded channel (on its event loop, before the connection's handler runs).
        func attach(_ channel: any Channel) {
            let encoder = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            let belowEncoder = encoder.map { NIOLoopBound($0, eventLoop: channel.eventLoop) }
            route.withLock { route in
                route.channel = channel
                route.belowEncoder = belowEncoder
            }
        }

        /// Whether frames go straight to the channel (for tests).
        var writesDirectly: Bool {
            route.withLock { $0.channel != nil && !$0.queuedThroughWriter && !$0.closed }
        }

        /// Whether frames are built here and written below NIO's frame encoder (for tests).
        var writesBelowTheEncoder: Bool {
            route.withLock { $0.belowEncoder != nil }
        }

        /// Sends one text frame, in order with every frame sent before.
        func send(_ text: String) {
            let direct = route.withLock { route -> DirectRoute? in
                guard !route.closed else { return nil }
                if let channel = route.channel, !route.queuedThroughWriter {
                    return DirectRoute(channel: channel, belowEncoder: route.belowEncoder)
                }
                route.queuedThroughWriter = true
                return nil
            }
            guard let direct else {
                outgoing.yield(text)
                return
            }
            let channel = direct.channel
            guard let belowEncoder = direct.belowEncoder else {
                let data = channel.allocator.buffer(string: text)
                channel.writeAndFlush(
                    WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: data), promise: nil)
                return
            }
            // Header and masked payload in one buffer, written below NIO's encoder (which would mask it again,
            // a byte at a time).
            let frame = MaskedClientFrame.text(text, maskKey: .random(), allocator: channel.allocator)
            if channel.eventLoop.inEventLoop {
                belowEncoder.value.writeAndFlush(NIOAny(frame), promise: nil)
            } else {
                channel.eventLoop.execute { belowEncoder.value.writeAndFlush(NIOAny(frame), promise: nil) }
            }
        }

        private struct DirectRoute {
            var channel: any Channel
            var belowEncoder: NIOLoopBound<ChannelHandlerContext>?
        }

        /// Ends the connection: the writer finishes (a close frame goes out) and the connection task stops
        /// waiting for the server.
        func close() {
            route.withLock { $0.closed = true }
            outgoing.finish()
            abort.finish()
        }
    }
}

struct ConfigurationProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A `Clock<Duration>` reduced to "time since the session was created", so the state machine can stay
/// non-generic.
struct SessionClock: Sendable {
    let now: @Sendable () -> Duration
    let sleepUntil: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleepUntil = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    func sleep(until offset: Duration) async throws { try await sleepUntil(offset) }
}

/// The parts of a `ws://` / `wss://` URL the connection needs.
struct Endpoint: Equatable {
    var secure: Bool
    var host: String
    var port: Int
    /// Path and query.
    var target: String

    init(secure: Bool, host: String, port: Int, target: String) {
        self.secure = secure
        self.host = host
        self.port = port
        self.target = target
    }

    init?(_ url: String) {
        let rest: Substring
        if url.hasPrefix("wss://") {
            secure = true
            rest = url.dropFirst(6)
        } else if url.hasPrefix("ws://") {
            secure = false
            rest = url.dropFirst(5)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        target = path
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : (secure ? 443 : 80)
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? -1
        } else {
            host = String(authority)
            port = secure ? 443 : 80
        }
        guard !host.isEmpty, (1...65_535).contains(port) else { return nil }
    }

    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    var origin: String { (secure ? "https://" : "http://") + hostHeader }
}

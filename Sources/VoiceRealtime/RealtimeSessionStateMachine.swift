import VoiceCore
import VoiceProtocol

/// A message from the server, already decoded off the session's loop.
enum InboundMessage: Sendable, Equatable {
    case event(ServerEvent)
    /// A `response.output_audio.delta`, its payload decoded to samples.
    case audio(responseID: String, itemID: String, samples: [Int16])
    /// Not a valid event (malformed JSON, missing fields, undecodable audio): counted and ignored.
    case malformed(String)
}

/// The pure core of ``RealtimeSession``: connection lifecycle, configuration handshake, backoff, queued
/// input, response bookkeeping, keepalive, rotation and idle policy.
///
/// One `mutating` method per input, each returning the actions the owner carries out. Time is a parameter
/// (a `Duration` since an arbitrary origin); the owner arms a timer for ``nextDeadline`` and calls
/// ``tick(now:)`` when it fires (an early or late tick is harmless).
struct RealtimeSessionStateMachine {
    enum Action: Equatable, Sendable {
        /// Open connection `id` (TCP, TLS, upgrade with credentials); report back with `connectionOpened`,
        /// `received` and `connectionEnded`.
        case openConnection(id: Int)
        /// Send one text frame on connection `id`.
        case send(connectionID: Int, text: String)
        /// Close connection `id` (close frame, then drop it if the server does not answer).
        case closeConnection(id: Int)
        case emit(RealtimeSessionEvent)
        case log(LogLevel, String)
    }

    enum LogLevel: Sendable, Equatable { case debug, info, warning, error }

    enum Phase: Equatable, Sendable {
        /// Not connected and not wanted (connect-on-demand policy, or before `start`).
        case idle
        /// TCP / TLS / HTTP upgrade in progress.
        case connecting
        /// Upgraded; waiting for `session.created`, then `session.updated`.
        case configuring
        /// `session.updated` received: input flows.
        case ready
        case backingOff(until: Duration)
        case authFailed(until: Duration)
        case stopped
    }

    struct Connection: Equatable, Sendable {
        var id: Int
        var startedAt: Duration
        /// Where the attempt is, until it opens; nil before its lookup (a token fetch).
        var step: ConnectStep?
        var openedAt: Duration?
        var readyAt: Duration?
        var lastInboundAt: Duration
        var sentSessionUpdate = false
        /// Ended on purpose (rotation, idle close, reconnect request): not a failure.
        var endingOnPurpose: PurposefulEnd?
    }

    enum PurposefulEnd: Equatable, Sendable {
        /// Reconnect at once (rotation, `reconnect()`).
        case reconnect
        /// Go idle (connect-on-demand policy after the idle time).
        case idle
        case shutdown
    }

    /// One piece of user input waiting for a ready session, in order.
    enum PendingInput: Equatable, Sendable {
        case audio([Int16])
        case event(ClientEvent)
    }

    // MARK: Configuration

    let settings: RealtimeSettings
    private(set) var sessionConfiguration: SessionConfiguration
    private let inputCodec: WireAudioCodec
    private let chunkSamples: Int
    private let pendingAudioLimit: Int
    private let maximumPendingEvents = 64
    /// Response IDs remembered as cancelled (stragglers arrive after a cancel; reference §3.3 C).
    private let cancelledMemory = 32

    // MARK: State

    private(set) var phase: Phase = .idle
    private(set) var connection: Connection?
    private(set) var status: ConnectionStatus
    private(set) var statistics = RealtimeSessionStatistics()
    private var backoff: BackoffPolicy
    private var nextConnectionID = 0
    private var everReady = false

    private var pending: [PendingInput] = []
    private var pendingAudioSamples = 0
    private var pendingSince: Duration?
    private var undeliverableReported = false

    /// Mic samples not yet sent because they do not fill a chunk.
    private var partialChunk: [Int16] = []
    /// Audio sent since the last commit/clear/`committed`: re-sent if the connection drops mid-turn.
    private var unconfirmedAudio: [[Int16]] = []
    private var unconfirmedAudioSamples = 0

    private(set) var activeResponseID: String?
    private var awaitingResponseSince: Duration?
    private var cancelledResponseIDs: [String] = []
    private var userSpeaking = false
    private var lastSpeechStartedItemID: String?
    private var seenItemKeys: Set<String> = []
    private var knownCallIDs: Set<String> = []

    private var lastActivityAt: Duration = .zero
    /// The time of the latest input.
    private var lastNow: Duration = .zero
    private var actions: [Action] = []

    init(settings: RealtimeSettings, tools: [Tool] = [], random: any UnitRandomSource = SystemUnitRandomSource()) {
        self.settings = settings
        self.sessionConfiguration = settings.sessionConfiguration(tools: tools)
        self.inputCodec = settings.inputAudio.codec
        let rate = settings.inputAudio.effectiveRate
        self.chunkSamples = max(1, rate * settings.chunkMilliseconds / 1000)
        self.pendingAudioLimit = Int(Double(rate) * max(settings.preConnectBufferSeconds, 0))
        self.backoff = BackoffPolicy(configuration: settings.backoff.configuration, random: random)
        var status = ConnectionStatus()
        status.endpoint = settings.url
        status.model = settings.model
        self.status = status
    }

    // MARK: - Lifecycle inputs

    mutating func start(now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        lastActivityAt = now
        if settings.idle.policy == .stayConnected {
            beginConnecting(now: now)
        } else {
            publishStatus()
        }
        return takeActions()
    }

    mutating func shutdown(now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        if var connection {
            connection.endingOnPurpose = .shutdown
            self.connection = connection
            actions.append(.closeConnection(id: connection.id))
        }
        connection = nil
        phase = .stopped
        discardPending()
        updateStatus {
            $0.state = .disconnected; $0.nextAttemptInMilliseconds = nil
        }
        return takeActions()
    }

    /// A person (or the daemon) asked for a fresh connection now: forget the backoff and reconnect.
    mutating func reconnect(now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard phase != .stopped else { return [] }
        backoff.reset()
        if var connection {
            connection.endingOnPurpose = .reconnect
            self.connection = connection
            actions.append(.closeConnection(id: connection.id))
            endConnection(.aborted, now: now)
        } else {
            beginConnecting(now: now)
        }
        return takeActions()
    }

    /// The connection's lookup started, or found the addresses.
    mutating func connectStep(id: Int, _ step: ConnectStep, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard var connection, connection.id == id, phase == .connecting else { return [] }
        connection.step = step
        self.connection = connection
        return []
    }

    mutating func connectionOpened(id: Int, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard var connection, connection.id == id, phase == .connecting else { return [] }
        connection.openedAt = now
        connection.lastInboundAt = now
        self.connection = connection
        phase = .configuring
        log(.debug, "connection \(id) upgraded; waiting for session.created")
        return takeActions()
    }

    mutating func connectionEnded(id: Int, _ end: ConnectionEnd, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard let connection, connection.id == id else { return [] }
        endConnection(end, now: now)
        return takeActions()
    }

    // MARK: - Server input

    mutating func received(_ message: InboundMessage, connectionID: Int, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard var connection, connection.id == connectionID else { return [] }
        connection.lastInboundAt = now
        self.connection = connection
        switch message {
        case .malformed(let reason):
            statistics.malformedServerMessages += 1
            log(.warning, "ignored a message from the realtime service: \(reason)")
        case .audio(let responseID, let itemID, let samples):
            if cancelledResponseIDs.contains(responseID) {
                statistics.cancelledDeltasDropped += 1
            } else {
                statistics.audioDeltasReceived += 1
                lastActivityAt = now
                actions.append(.emit(.audioDelta(responseID: responseID, itemID: itemID, samples: samples)))
            }
        case .event(let event):
            handle(event, now: now)
        }
        return takeActions()
    }

    private mutating func handle(_ event: ServerEvent, now: Duration) {
        switch event {
        case .sessionCreated(let info):
            if let id = info.id { updateStatus { $0.sessionID = id } }
            sendSessionUpdateIfNeeded()
        case .conversationCreated:
            // The order of session.created and conversation.created is disputed (reference §3.3): configure on
            // whichever comes first.
            sendSessionUpdateIfNeeded()
        case .sessionUpdated(let info):
            if let id = info.id, status.sessionID == nil { updateStatus { $0.sessionID = id } }
            if phase == .configuring, connection?.sentSessionUpdate == true {
                becomeReady(now: now)
            }
        case .ping(let ping):
            statistics.pingsAnswered += 1
            send(.pong(timestamp: ping.timestamp))
            return
        case .unknown(let type):
            statistics.unknownServerEvents += 1
            log(.debug, "ignored unknown server event \(type)")
            return
        case .error(let error):
            statistics.serverErrors += 1
            let type = error.effectiveType
            log(.warning, "realtime service error \(type.rawValue): \(error.message)")
            if phase == .configuring {
                updateStatus {
                    $0.lastError = "the realtime service rejected the session configuration: \(error.message)"
                }
            }
            if type.endsSession {
                actions.append(.emit(.server(event)))
                statistics.rotations += 1
                log(.info, "the service ended the session (\(type.rawValue)); starting a new one")
                endOnPurpose(.reconnect, now: now)
                return
            }
        case .responseCreated(let info):
            activeResponseID = info.id
            awaitingResponseSince = nil
            lastActivityAt = now
        case .responseDone(let info):
            if activeResponseID == info.id { activeResponseID = nil }
            if info.status == .cancelled { rememberCancelled(info.id) }
            awaitingResponseSince = nil
            lastActivityAt = now
        case .speechStarted(let started):
            if lastSpeechStartedItemID == started.itemID {
                // xAI may send speech_started more than once per turn (reference §5): pass on the first.
                statistics.duplicateServerEvents += 1
                return
            }
            lastSpeechStartedItemID = started.itemID
            userSpeaking = true
            lastActivityAt = now
            if let active = activeResponseID, settings.turnDetection.mode == .serverVAD {
                // Barge-in: the service cancels the response itself; its stragglers must not play.
                rememberCancelled(active)
            }
        case .speechStopped:
            userSpeaking = false
            if settings.turnDetection.mode == .serverVAD, awaitingResponseSince == nil { awaitingResponseSince = now }
        case .inputAudioBufferCommitted:
            clearUnconfirmedAudio()
            userSpeaking = false
            if settings.turnDetection.mode == .serverVAD, awaitingResponseSince == nil { awaitingResponseSince = now }
        case .inputAudioBufferCleared:
            clearUnconfirmedAudio()
        case .conversationItemAdded(let added), .conversationItemCreated(let added):
            if let id = added.item.id, !seenItemKeys.insert("item:\(id)").inserted {
                statistics.duplicateServerEvents += 1
                return
            }
            if let callID = added.item.callID { knownCallIDs.insert(callID) }
        case .responseOutputItemAdded(let output):
            if output.item.type == .functionCall, let id = output.item.id,
                !seenItemKeys.insert("output:\(output.responseID):\(id)").inserted
            {
                statistics.duplicateServerEvents += 1
                return
            }
            if let callID = output.item.callID { knownCallIDs.insert(callID) }
        case .responseFunctionCallArgumentsDone(let done):
            if !seenItemKeys.insert("call:\(done.callID)").inserted {
                statistics.duplicateServerEvents += 1
                return
            }
            knownCallIDs.insert(done.callID)
        case .responseOutputAudioDelta(let delta):
            // The transport normally decodes deltas into `.audio`; this path is for callers that did not.
            if cancelledResponseIDs.contains(delta.responseID) {
                statistics.cancelledDeltasDropped += 1
                return
            }
            do {
                let samples = try settings.outputAudio.codec.decode(delta.delta)
                statistics.audioDeltasReceived += 1
                actions.append(.emit(.audioDelta(responseID: delta.responseID, itemID: delta.itemID, samples: samples)))
            } catch {
                statistics.malformedServerMessages += 1
                log(.warning, error.description)
            }
            return
        default:
            break
        }
        if seenItemKeys.count > 512 { seenItemKeys.removeAll(keepingCapacity: true) }
        actions.append(.emit(.server(event)))
    }

    // MARK: - Commands

    /// Mic audio at the session rate. Sent in chunks once the session is ready; queued (bounded) before.
    mutating func appendAudio(_ samples: [Int16], now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard !samples.isEmpty, phase != .stopped else { return [] }
        lastActivityAt = now
        if phase == .ready {
            partialChunk.append(contentsOf: samples)
            sendFullChunks()
        } else {
            demandConnection(now: now)
            queue(.audio(samples), now: now)
        }
        return takeActions()
    }

    /// Ends a manual turn: sends what is left of the current chunk, then `input_audio_buffer.commit`.
    mutating func commit(now: Duration) -> [Action] {
        submit(.inputAudioBufferCommit, now: now)
    }

    /// Discards the uncommitted audio, here and (when connected) on the service.
    mutating func clear(now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard phase != .stopped else { return [] }
        partialChunk.removeAll(keepingCapacity: true)
        if phase == .ready {
            clearUnconfirmedAudio()
            send(.inputAudioBufferClear)
        } else {
            // Only the audio after the last queued event belongs to the turn being cleared.
            while case .audio(let samples)? = pending.last {
                pending.removeLast()
                pendingAudioSamples -= samples.count
            }
            if pending.isEmpty { pendingSince = nil }
        }
        return takeActions()
    }

    mutating func createResponse(_ parameters: ResponseParameters? = nil, now: Duration) -> [Action] {
        submit(.responseCreate(parameters), now: now)
    }

    /// Cancels the active response: its remaining audio deltas are dropped, and the service is told.
    mutating func cancelResponse(now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard phase == .ready else { return [] }
        let active = activeResponseID
        if let active { rememberCancelled(active) }
        awaitingResponseSince = nil
        send(.responseCancel(responseID: active))
        return takeActions()
    }

    /// Tells the service how much of an assistant item was actually played.
    mutating func truncate(itemID: String, audioEndMilliseconds: Int, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        // The conversation the item belonged to is gone after a reconnect: nothing to truncate then.
        guard phase == .ready else { return [] }
        send(
            .conversationItemTruncate(
                itemID: itemID, contentIndex: 0, audioEndMilliseconds: max(0, audioEndMilliseconds)))
        return takeActions()
    }

    /// A typed user turn: `conversation.item.create` with `input_text`, then `response.create`.
    mutating func sendText(_ text: String, now: Duration) -> [Action] {
        var result = submit(.conversationItemCreate(item: .userText(text)), now: now)
        result += submit(.responseCreate(nil), now: now)
        return result
    }

    /// The output of a function call. The daemon sends one `createResponse()` after answering every call of a
    /// response (reference §3.3 D). A call from a previous connection is unknown to the new session, so its
    /// result goes in as user text instead (what pipecat does).
    mutating func sendFunctionOutput(callID: String, output: String, now: Duration) -> [Action] {
        if phase == .ready, !knownCallIDs.contains(callID) {
            return submit(
                .conversationItemCreate(item: .userText("Result of the earlier tool call \(callID): \(output)")),
                now: now
            )
        }
        return submit(.conversationItemCreate(item: .functionCallOutput(callID: callID, output: output)), now: now)
    }

    /// Changes the session live (voice, instructions...). Remembered for every later connection; sent at once
    /// (as the whole merged configuration, which the reference calls safest) when connected.
    mutating func updateSession(_ update: SessionConfiguration, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        sessionConfiguration = sessionConfiguration.merging(update)
        if phase == .ready {
            send(.sessionUpdate(sessionConfiguration))
        }
        return takeActions()
    }

    /// Any other client event: sent when ready, queued before.
    mutating func send(_ event: ClientEvent, now: Duration) -> [Action] {
        submit(event, now: now)
    }

    private mutating func submit(_ event: ClientEvent, now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        guard phase != .stopped else { return [] }
        lastActivityAt = now
        if phase == .ready {
            sendPartialChunkIfNeeded(before: event)
            sendNow(event, now: now)
        } else {
            demandConnection(now: now)
            queue(.event(event), now: now)
        }
        return takeActions()
    }

    // MARK: - Time

    mutating func tick(now: Duration) -> [Action] {
        lastNow = max(lastNow, now)
        let timeouts = settings.timeouts
        switch phase {
        case .connecting:
            if let connection, now - connection.startedAt >= .seconds(timeouts.connectSeconds) {
                let waited = "timed out after \(format(timeouts.connectSeconds)) s"
                switch connection.step {
                case .lookingUp(let host):
                    fail(.failed("\(waited): no answer to the \(NameLookupProblem.marker) \(host)"), now: now)
                case .connecting, nil:
                    fail(.failed("\(waited) connecting"), now: now)
                }
            }
        case .configuring:
            if let connection,
                now - (connection.openedAt ?? connection.startedAt) >= .seconds(timeouts.handshakeSeconds)
            {
                let detail = status.lastError.map { " (\($0))" } ?? ""
                fail(.failed("no session.updated within \(format(timeouts.handshakeSeconds)) s\(detail)"), now: now)
            }
        case .ready:
            backoff.tick(at: now)
            tickReady(now: now)
        case .backingOff(let until), .authFailed(let until):
            if now >= until { beginConnecting(now: now) }
        case .idle, .stopped:
            break
        }
        if let pendingSince, now - pendingSince >= .seconds(settings.deliveryTimeoutSeconds), phase != .ready {
            let why = status.lastError.map { ": \($0)" } ?? ""
            dropPending(
                reason: "the realtime service was not reachable for \(format(settings.deliveryTimeoutSeconds)) s\(why)")
        }
        return takeActions()
    }

    private mutating func tickReady(now: Duration) {
        guard let connection else { return }
        let expecting = activeResponseID != nil || awaitingResponseSince != nil
        let quietSince = max(connection.lastInboundAt, awaitingResponseSince ?? .zero)
        if expecting, now - quietSince >= .seconds(settings.timeouts.deadConnectionSeconds) {
            fail(
                .failed("no data for \(format(settings.timeouts.deadConnectionSeconds)) s while waiting for a reply"),
                now: now
            )
            return
        }
        if let readyAt = connection.readyAt, now - readyAt >= rotationAge, isBetweenTurns {
            statistics.rotations += 1
            log(.info, "rotating the realtime session before the service's session limit")
            endOnPurpose(.reconnect, now: now)
            return
        }
        if settings.idle.policy == .connectOnDemand, isBetweenTurns,
            now - lastActivityAt >= .seconds(settings.idle.closeAfterMinutes * 60)
        {
            log(.info, "closing the idle realtime session (idle policy)")
            endOnPurpose(.idle, now: now)
        }
    }

    /// When ``tick(now:)`` next has something to do, if ever.
    var nextDeadline: Duration? {
        // The earliest as it goes, not an array: the session loop asks after every input (each mic chunk), and an
        // array cost three allocations each time.
        var earliest: Duration?
        let now = lastNow
        func consider(_ deadline: Duration) {
            // A deadline already past after an input was handled is one whose action is waiting for a condition
            // (rotation or idle close mid-turn): look again in a second rather than spin.
            let effective = deadline > now ? deadline : now + .seconds(1)
            if earliest.map({ effective < $0 }) ?? true { earliest = effective }
        }
        let timeouts = settings.timeouts
        switch phase {
        case .connecting:
            if let connection { consider(connection.startedAt + .seconds(timeouts.connectSeconds)) }
        case .configuring:
            if let connection {
                consider((connection.openedAt ?? connection.startedAt) + .seconds(timeouts.handshakeSeconds))
            }
        case .ready:
            if let connection {
                if activeResponseID != nil || awaitingResponseSince != nil {
                    let quietSince = max(connection.lastInboundAt, awaitingResponseSince ?? .zero)
                    consider(quietSince + .seconds(timeouts.deadConnectionSeconds))
                }
                if let readyAt = connection.readyAt {
                    consider(readyAt + rotationAge)
                    if settings.idle.policy == .connectOnDemand {
                        consider(lastActivityAt + .seconds(settings.idle.closeAfterMinutes * 60))
                    }
                    // Lets the backoff notice a stable connection (once).
                    let stableAt = readyAt + settings.backoff.configuration.stableAfter
                    if stableAt > lastNow { consider(stableAt) }
                }
            }
        case .backingOff(let until), .authFailed(let until):
            consider(until)
        case .idle, .stopped:
            break
        }
        if let pendingSince, phase != .ready {
            consider(pendingSince + .seconds(settings.deliveryTimeoutSeconds))
        }
        return earliest
    }

    /// The status as of `now` (the time to the next attempt is relative).
    func status(now: Duration) -> ConnectionStatus {
        var snapshot = status
        switch phase {
        case .backingOff(let until), .authFailed(let until):
            snapshot.nextAttemptInMilliseconds = milliseconds(max(until - now, .zero))
        default:
            snapshot.nextAttemptInMilliseconds = nil
        }
        return snapshot
    }

    // MARK: - Connection lifecycle

    private var rotationAge: Duration { .seconds(settings.maxSessionMinutes * 60) }

    private var isBetweenTurns: Bool {
        guard activeResponseID == nil, awaitingResponseSince == nil, !userSpeaking else { return false }
        if settings.turnDetection.mode == .manual { return unconfirmedAudio.isEmpty && partialChunk.isEmpty }
        return true
    }

    private mutating func beginConnecting(now: Duration) {
        nextConnectionID += 1
        connection = Connection(id: nextConnectionID, startedAt: now, lastInboundAt: now)
        phase = .connecting
        updateStatus {
            $0.state = .connecting
            $0.attempts += 1
            $0.nextAttemptInMilliseconds = nil
            $0.sessionID = nil
        }
        actions.append(.openConnection(id: nextConnectionID))
    }

    private mutating func demandConnection(now: Duration) {
        if phase == .idle { beginConnecting(now: now) }
    }

    private mutating func sendSessionUpdateIfNeeded() {
        guard phase == .configuring, var connection, !connection.sentSessionUpdate else { return }
        connection.sentSessionUpdate = true
        self.connection = connection
        actions.append(
            .send(connectionID: connection.id, text: RealtimeCoding.encode(.sessionUpdate(sessionConfiguration)))
        )
    }

    private mutating func becomeReady(now: Duration) {
        guard var connection else { return }
        connection.readyAt = now
        self.connection = connection
        phase = .ready
        backoff.connectionReady(at: now)
        if everReady { statistics.reconnects += 1 }
        everReady = true
        updateStatus {
            $0.state = .ready
            $0.attempts = 0
            $0.nextAttemptInMilliseconds = nil
        }
        log(.info, "realtime session ready (session \(status.sessionID ?? "unknown"))")
        flushPending(now: now)
    }

    /// Closes the current connection for a reason that is not a failure.
    private mutating func endOnPurpose(_ purpose: PurposefulEnd, now: Duration) {
        guard var connection else { return }
        connection.endingOnPurpose = purpose
        self.connection = connection
        actions.append(.closeConnection(id: connection.id))
        endConnection(.aborted, now: now)
    }

    /// Closes the current connection because it failed (timeout, dead connection).
    private mutating func fail(_ end: ConnectionEnd, now: Duration) {
        guard let connection else { return }
        actions.append(.closeConnection(id: connection.id))
        endConnection(end, now: now)
    }

    private mutating func endConnection(_ end: ConnectionEnd, now: Duration) {
        guard let ended = connection else { return }
        connection = nil
        let wasReady = phase == .ready
        let purpose = ended.endingOnPurpose

        if wasReady, activeResponseID != nil || awaitingResponseSince != nil {
            let reason = purpose == nil ? end.summary : "the session was restarted"
            actions.append(.emit(.responseInterrupted(responseID: activeResponseID, reason: reason)))
        }
        // Audio of the turn in progress goes back to the front of the queue, so the next session hears it.
        if purpose != .shutdown, purpose != .idle {
            requeueUnsentAudio(now: now)
        } else {
            partialChunk.removeAll()
            clearUnconfirmedAudio()
        }
        activeResponseID = nil
        awaitingResponseSince = nil
        userSpeaking = false
        lastSpeechStartedItemID = nil
        seenItemKeys.removeAll()
        knownCallIDs.removeAll()
        // Response IDs are the session's own; the next one may number its responses afresh (`resp_001` again).
        cancelledResponseIDs.removeAll()

        switch purpose {
        case .shutdown:
            phase = .stopped
            return
        case .idle:
            phase = .idle
            updateStatus {
                $0.state = .disconnected; $0.sessionID = nil
            }
            if !pending.isEmpty { beginConnecting(now: now) }
            return
        case .reconnect:
            backoff.tick(at: now)
            beginConnecting(now: now)
            return
        case nil:
            break
        }

        let summary = end.summary
        log(end.isAuthenticationFailure ? .error : .warning, "realtime connection \(ended.id) ended: \(summary)")
        if end.isAuthenticationFailure {
            let delay = backoff.delayAfter(.fatal, at: now)
            phase = .authFailed(until: now + delay)
            updateStatus {
                $0.state = .authFailed
                $0.nextAttemptInMilliseconds = milliseconds(delay)
                $0.lastError = summary
                $0.sessionID = nil
            }
            dropPending(reason: "API key rejected by the realtime service")
            return
        }
        let delay: Duration?
        if wasReady {
            delay = backoff.delayAfterClose(at: now)
        } else {
            delay = backoff.delayAfter(.transient, at: now)
        }
        updateStatus {
            $0.lastError = summary
            $0.sessionID = nil
        }
        if let delay {
            phase = .backingOff(until: now + delay)
            updateStatus {
                $0.state = .backingOff
                $0.nextAttemptInMilliseconds = milliseconds(delay)
            }
            log(.info, "next realtime connection attempt in \(format(delay))")
        } else {
            beginConnecting(now: now)
        }
    }

    // MARK: - Sending and queueing

    private mutating func send(_ event: ClientEvent) {
        guard let connection else { return }
        actions.append(.send(connectionID: connection.id, text: RealtimeCoding.encode(event)))
    }

    private mutating func sendNow(_ event: ClientEvent, now: Duration) {
        switch event {
        case .inputAudioBufferCommit:
            clearUnconfirmedAudio()
        case .inputAudioBufferClear:
            clearUnconfirmedAudio()
        case .responseCreate:
            if awaitingResponseSince == nil { awaitingResponseSince = now }
        case .inputAudioBufferAppend:
            statistics.audioChunksSent += 1
        default:
            break
        }
        send(event)
    }

    /// A commit (or any turn-ending event) must carry the audio before it, even a partial chunk.
    private mutating func sendPartialChunkIfNeeded(before event: ClientEvent) {
        switch event {
        case .inputAudioBufferAppend, .pong:
            return
        default:
            sendAudioChunk(partialChunk)
            partialChunk.removeAll(keepingCapacity: true)
        }
    }

    private mutating func sendFullChunks() {
        guard partialChunk.count >= chunkSamples else { return }
        var start = 0
        while partialChunk.count - start >= chunkSamples {
            sendAudioChunk(Array(partialChunk[start..<(start + chunkSamples)]))
            start += chunkSamples
        }
        partialChunk.removeFirst(start)
    }

    private mutating func sendAudioChunk(_ samples: [Int16]) {
        guard !samples.isEmpty, let connection else { return }
        statistics.audioChunksSent += 1
        statistics.audioSamplesSent += samples.count
        let text = inputCodec.appendEvent(samples)
        actions.append(.send(connectionID: connection.id, text: text))
        unconfirmedAudio.append(samples)
        unconfirmedAudioSamples += samples.count
        while unconfirmedAudioSamples > pendingAudioLimit, let first = unconfirmedAudio.first {
            unconfirmedAudio.removeFirst()
            unconfirmedAudioSamples -= first.count
        }
    }

    private mutating func clearUnconfirmedAudio() {
        unconfirmedAudio.removeAll()
        unconfirmedAudioSamples = 0
    }

    private mutating func queue(_ input: PendingInput, now: Duration) {
        if case .authFailed = phase {
            reportUndeliverable("API key rejected by the realtime service")
            if case .audio(let samples) = input { statistics.droppedInputSamples += samples.count }
            return
        }
        if pendingSince == nil { pendingSince = now }
        switch input {
        case .audio(let samples):
            pending.append(.audio(samples))
            pendingAudioSamples += samples.count
            trimPendingAudio()
        case .event:
            pending.append(input)
            let events = pending.count { if case .event = $0 { true } else { false } }
            if events > maximumPendingEvents,
                let index = pending.firstIndex(where: { if case .event = $0 { true } else { false } })
            {
                pending.remove(at: index)
                reportUndeliverable("too many requests queued while the realtime service was unreachable")
            }
        }
    }

    /// Keeps at most `pre_connect_buffer_seconds` of queued audio, dropping the oldest.
    private mutating func trimPendingAudio() {
        var excess = pendingAudioSamples - pendingAudioLimit
        guard excess > 0 else { return }
        statistics.droppedInputSamples += excess
        var index = 0
        while excess > 0, index < pending.count {
            guard case .audio(let samples) = pending[index] else {
                index += 1
                continue
            }
            if samples.count <= excess {
                pending.remove(at: index)
                pendingAudioSamples -= samples.count
                excess -= samples.count
            } else {
                pending[index] = .audio(Array(samples.dropFirst(excess)))
                pendingAudioSamples -= excess
                excess = 0
            }
        }
        reportUndeliverable(
            "mic audio older than \(format(settings.preConnectBufferSeconds)) s was dropped while the realtime "
                + "service was unreachable"
        )
    }

    private mutating func requeueUnsentAudio(now: Duration) {
        var recovered = unconfirmedAudio
        if !partialChunk.isEmpty { recovered.append(partialChunk) }
        clearUnconfirmedAudio()
        partialChunk.removeAll()
        guard !recovered.isEmpty else { return }
        let samples = recovered.reduce(0) { $0 + $1.count }
        pending.insert(contentsOf: recovered.map(PendingInput.audio), at: 0)
        pendingAudioSamples += samples
        if pendingSince == nil { pendingSince = now }
        trimPendingAudio()
    }

    private mutating func flushPending(now: Duration) {
        let queued = pending
        discardPending()
        undeliverableReported = false
        var audio: [Int16] = []
        for input in queued {
            switch input {
            case .audio(let samples):
                audio.append(contentsOf: samples)
            case .event(let event):
                partialChunk.append(contentsOf: audio)
                audio.removeAll()
                sendFullChunks()
                sendPartialChunkIfNeeded(before: event)
                sendNow(event, now: now)
            }
        }
        partialChunk.append(contentsOf: audio)
        sendFullChunks()
    }

    private mutating func dropPending(reason: String) {
        let droppedAudio = pendingAudioSamples
        let hadInput = !pending.isEmpty
        discardPending()
        statistics.droppedInputSamples += droppedAudio
        if hadInput { reportUndeliverable(reason) }
    }

    private mutating func discardPending() {
        pending.removeAll()
        pendingAudioSamples = 0
        pendingSince = nil
    }

    private mutating func reportUndeliverable(_ reason: String) {
        guard !undeliverableReported else { return }
        undeliverableReported = true
        log(.warning, "user input could not be delivered: \(reason)")
        actions.append(.emit(.inputUndeliverable(reason: reason)))
    }

    private mutating func rememberCancelled(_ responseID: String) {
        guard !cancelledResponseIDs.contains(responseID) else { return }
        cancelledResponseIDs.append(responseID)
        if cancelledResponseIDs.count > cancelledMemory { cancelledResponseIDs.removeFirst() }
        if activeResponseID == responseID { activeResponseID = nil }
    }

    // MARK: - Helpers

    private mutating func updateStatus(_ change: (inout ConnectionStatus) -> Void) {
        let before = status
        change(&status)
        if status != before { publishStatus() }
    }

    private mutating func publishStatus() {
        actions.append(.emit(.connection(status)))
    }

    private mutating func log(_ level: LogLevel, _ message: String) {
        actions.append(.log(level, message))
    }

    private mutating func takeActions() -> [Action] {
        defer { actions.removeAll(keepingCapacity: true) }
        return actions
    }
}

func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}

func format(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}

func format(_ duration: Duration) -> String {
    let ms = milliseconds(duration)
    return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(Double(ms) / 1000) s"
}

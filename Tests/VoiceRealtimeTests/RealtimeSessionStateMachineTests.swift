import Testing
import VoiceCore
import VoiceProtocol

@testable import VoiceRealtime

/// The session's pure core, driven input by input with explicit times: no network, no clock.
@Suite struct RealtimeSessionStateMachineTests {
    typealias Machine = RealtimeSessionStateMachine
    typealias Action = RealtimeSessionStateMachine.Action

    static func settings(_ change: (inout RealtimeSettings) -> Void = { _ in }) -> RealtimeSettings {
        var settings = RealtimeSettings()
        settings.backoff.jitter = .none
        settings.url = "ws://127.0.0.1:1/v1/realtime"
        change(&settings)
        return settings
    }

    static func event(_ json: String) throws -> InboundMessage {
        .event(try RealtimeCoding.decodeServerEvent(json))
    }

    static let created = #"{"type":"session.created","session":{"id":"sess_1","model":"m"}}"#
    static let updated = #"{"type":"session.updated","session":{"id":"sess_1","voice":"eve"}}"#

    /// Starts a machine and walks it to `ready` on connection `id`.
    static func readyMachine(
        _ change: (inout RealtimeSettings) -> Void = { _ in }, at now: Duration = .zero
    ) throws -> Machine {
        var machine = Machine(settings: settings(change), random: FixedUnitRandomSource([0]))
        _ = machine.start(now: now)
        if machine.connection == nil { _ = machine.reconnect(now: now) }
        try walkToReady(&machine, id: try #require(machine.connection).id, at: now)
        return machine
    }

    static func walkToReady(_ machine: inout Machine, id: Int, at now: Duration) throws {
        _ = machine.connectionOpened(id: id, now: now)
        _ = machine.received(try event(created), connectionID: id, now: now)
        _ = machine.received(try event(updated), connectionID: id, now: now)
        #expect(machine.phase == .ready)
    }

    static func sent(_ actions: [Action]) -> [ClientEvent] {
        actions.compactMap { action in
            guard case .send(_, let text) = action else { return nil }
            return try? RealtimeCoding.decodeClientEvent(text)
        }
    }

    static func emitted(_ actions: [Action]) -> [RealtimeSessionEvent] {
        actions.compactMap { if case .emit(let event) = $0 { event } else { nil } }
    }

    static func sentAudioSamples(_ actions: [Action]) -> [Int16] {
        sent(actions).flatMap { event -> [Int16] in
            guard case .inputAudioBufferAppend(let audio) = event else { return [] }
            return (try? AudioPayload.decodePCM16(audio)) ?? []
        }
    }

    // MARK: - Handshake

    @Test func startConnectsAndConfiguresOnSessionCreated() throws {
        var machine = Machine(settings: Self.settings())
        let start = machine.start(now: .zero)
        #expect(start.contains(.openConnection(id: 1)))
        #expect(machine.status.state == .connecting)
        #expect(machine.status.attempts == 1)

        #expect(Self.sent(machine.connectionOpened(id: 1, now: .zero)).isEmpty)
        let afterCreated = machine.received(try Self.event(Self.created), connectionID: 1, now: .zero)
        let update = try #require(Self.sent(afterCreated).first)
        guard case .sessionUpdate(let configuration) = update else {
            Issue.record("expected session.update, got \(update)")
            return
        }
        #expect(configuration.voice == "eve")
        #expect(configuration.turnDetection != nil)
        #expect(configuration.audio?.input?.format == .pcm(rate: 24_000))
        #expect(machine.status.sessionID == "sess_1")

        // conversation.created after session.created does not configure twice.
        let conversation = #"{"type":"conversation.created","conversation":{"id":"conv_1"}}"#
        #expect(Self.sent(machine.received(try Self.event(conversation), connectionID: 1, now: .zero)).isEmpty)

        let ready = machine.received(try Self.event(Self.updated), connectionID: 1, now: .seconds(1))
        #expect(machine.phase == .ready)
        #expect(machine.status.state == .ready)
        #expect(
            Self.emitted(ready).contains {
                if case .connection(let status) = $0 { status.state == .ready } else { false }
            })
    }

    @Test func conversationCreatedFirstAlsoTriggersConfiguration() throws {
        var machine = Machine(settings: Self.settings())
        _ = machine.start(now: .zero)
        _ = machine.connectionOpened(id: 1, now: .zero)
        let conversation = #"{"type":"conversation.created","conversation":{"id":"conv_1"}}"#
        let actions = machine.received(try Self.event(conversation), connectionID: 1, now: .zero)
        #expect(Self.sent(actions).map(\.typeName) == ["session.update"])
        #expect(Self.sent(machine.received(try Self.event(Self.created), connectionID: 1, now: .zero)).isEmpty)
    }

    @Test func manualModeIsSentAsTypeNullOrNullAsConfigured() throws {
        let typeNull = Self.settings { $0.turnDetection.mode = .manual }.sessionConfiguration()
        #expect(RealtimeCoding.encode(.sessionUpdate(typeNull)).contains(#""turn_detection":{"type":null}"#))
        let plainNull = Self.settings {
            $0.turnDetection.mode = .manual
            $0.turnDetection.manualEncoding = .null
        }.sessionConfiguration()
        #expect(RealtimeCoding.encode(.sessionUpdate(plainNull)).contains(#""turn_detection":null"#))
    }

    @Test func theModelGoesInTheQuery() {
        let settings = Self.settings { $0.model = "grok voice" }
        #expect(settings.connectionURL == "ws://127.0.0.1:1/v1/realtime?model=grok%20voice")
    }

    // MARK: - Input before and after ready

    /// Unset, the chunk follows who ends turns: 200 ms when the daemon does (its last chunk goes up at once), the
    /// advised 100 ms when the service's VAD does (it hears the end of speech only in audio it has).
    @Test func theChunkLengthFollowsWhoEndsTurnsUnlessSet() throws {
        var settings = Self.settings()
        settings.turnDetection.mode = .manual
        #expect(settings.chunkMilliseconds == 200)
        settings.turnDetection.mode = .serverVAD
        #expect(settings.chunkMilliseconds == 100)
        settings.audioChunkMilliseconds = 60
        #expect(settings.chunkMilliseconds == 60)
        settings.turnDetection.mode = .manual
        #expect(settings.chunkMilliseconds == 60)
        #expect(settings.problems.isEmpty)
        settings.audioChunkMilliseconds = 10
        #expect(settings.problems == ["realtime.audio_chunk_milliseconds must be between 20 and 1000"])

        var machine = Machine(settings: Self.settings { $0.turnDetection.mode = .serverVAD })
        _ = machine.start(now: .zero)
        _ = machine.connectionOpened(id: 1, now: .zero)
        _ = machine.received(try Self.event(Self.created), connectionID: 1, now: .zero)
        _ = machine.received(try Self.event(Self.updated), connectionID: 1, now: .zero)
        let sent = Self.sent(machine.appendAudio([Int16](repeating: 7, count: 4800), now: .seconds(1)))
        #expect(
            sent.map(\.typeName) == ["input_audio_buffer.append", "input_audio_buffer.append"], "two 100 ms chunks")
    }

    @Test func audioBeforeSessionUpdatedIsQueuedThenSentInChunksBeforeTheCommit() throws {
        var machine = Machine(settings: Self.settings { $0.turnDetection.mode = .manual })
        _ = machine.start(now: .zero)
        let samples = (0..<10_800).map { Int16(truncatingIfNeeded: $0) }
        let queued = machine.appendAudio(samples, now: .zero) + machine.commit(now: .zero)
        #expect(Self.sent(queued).isEmpty, "nothing may be sent before session.updated")

        _ = machine.connectionOpened(id: 1, now: .zero)
        let configure = machine.received(try Self.event(Self.created), connectionID: 1, now: .zero)
        #expect(Self.sent(configure).map(\.typeName) == ["session.update"])
        let flushed = machine.received(try Self.event(Self.updated), connectionID: 1, now: .seconds(1))
        let events = Self.sent(flushed)
        // 10,800 samples at 24 kHz in the 200 ms chunks of manual turns: 4800 + 4800 + 1200, then the commit.
        #expect(
            events.map(\.typeName) == [
                "input_audio_buffer.append", "input_audio_buffer.append", "input_audio_buffer.append",
                "input_audio_buffer.commit",
            ])
        #expect(Self.sentAudioSamples(flushed) == samples)
        #expect(machine.statistics.audioChunksSent == 3)
    }

    @Test func readyAudioIsChunkedAndTheRemainderWaitsForMoreOrACommit() throws {
        var machine = try Self.readyMachine()
        let first = machine.appendAudio([Int16](repeating: 7, count: 3000), now: .seconds(1))
        #expect(Self.sentAudioSamples(first).count == 2400)
        let commit = machine.commit(now: .seconds(1))
        #expect(Self.sent(commit).map(\.typeName) == ["input_audio_buffer.append", "input_audio_buffer.commit"])
        #expect(Self.sentAudioSamples(commit).count == 600)
    }

    @Test func g711InputIsEncodedOnTheWire() throws {
        var machine = try Self.readyMachine {
            $0.inputAudio = .init(encoding: .pcmu)
            $0.outputAudio = .init(encoding: .pcmu)
        }
        let actions = machine.appendAudio([Int16](repeating: 0, count: 800), now: .seconds(1))
        guard case .inputAudioBufferAppend(let audio)? = Self.sent(actions).first else {
            Issue.record("expected an append")
            return
        }
        // 100 ms at 8 kHz, one byte per sample; µ-law silence is 0xFF.
        #expect(try AudioPayload.decodeBytes(audio) == [UInt8](repeating: 0xFF, count: 800))
    }

    @Test func thePreConnectBufferIsBoundedAndOverflowIsReported() throws {
        var machine = Machine(settings: Self.settings { $0.preConnectBufferSeconds = 1 })
        _ = machine.start(now: .zero)
        var emitted: [RealtimeSessionEvent] = []
        for second in 0..<3 {
            emitted += Self.emitted(
                machine.appendAudio([Int16](repeating: Int16(second), count: 24_000), now: .seconds(second)))
        }
        #expect(emitted.filter { if case .inputUndeliverable = $0 { true } else { false } }.count == 1)
        #expect(machine.statistics.droppedInputSamples == 48_000)
        _ = machine.connectionOpened(id: 1, now: .seconds(3))
        _ = machine.received(try Self.event(Self.created), connectionID: 1, now: .seconds(3))
        let flushed = machine.received(try Self.event(Self.updated), connectionID: 1, now: .seconds(3))
        // Only the newest second survives.
        #expect(Self.sentAudioSamples(flushed) == [Int16](repeating: 2, count: 24_000))
    }

    @Test func inputThatCannotBeDeliveredInTimeIsGivenUp() throws {
        var machine = Machine(settings: Self.settings { $0.deliveryTimeoutSeconds = 5 })
        _ = machine.start(now: .zero)
        _ = machine.connectionEnded(id: 1, .failed("connection refused"), now: .milliseconds(10))
        _ = machine.appendAudio([1, 2, 3], now: .milliseconds(200))
        #expect(machine.nextDeadline == .milliseconds(510))
        var emitted: [RealtimeSessionEvent] = []
        var now = Duration.zero
        while now < .seconds(7) {
            now += .milliseconds(100)
            emitted += Self.emitted(machine.tick(now: now))
            if case .connecting = machine.phase, let id = machine.connection?.id {
                emitted += Self.emitted(machine.connectionEnded(id: id, .failed("connection refused"), now: now))
            }
        }
        let reasons = emitted.compactMap { if case .inputUndeliverable(let reason) = $0 { reason } else { nil } }
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains("connection refused") == true)
    }

    // MARK: - Responses

    @Test func pingIsAnsweredWithTheSameTimestamp() throws {
        var machine = try Self.readyMachine()
        let actions = machine.received(
            try Self.event(#"{"type":"ping","ping_timestamp":42}"#), connectionID: 1, now: .seconds(2))
        #expect(Self.sent(actions) == [.pong(timestamp: 42)])
        #expect(Self.emitted(actions).isEmpty)
    }

    @Test func audioOfACancelledResponseIsDropped() throws {
        var machine = try Self.readyMachine()
        _ = machine.received(
            try Self.event(#"{"type":"response.created","response":{"id":"r1"}}"#), connectionID: 1, now: .seconds(1))
        let first = machine.received(
            .audio(responseID: "r1", itemID: "i1", samples: [1, 2]), connectionID: 1, now: .seconds(1))
        #expect(Self.emitted(first) == [.audioDelta(responseID: "r1", itemID: "i1", samples: [1, 2])])
        let cancel = machine.cancelResponse(now: .seconds(2))
        #expect(Self.sent(cancel) == [.responseCancel(responseID: "r1")])
        let straggler = machine.received(
            .audio(responseID: "r1", itemID: "i1", samples: [3]), connectionID: 1, now: .seconds(2))
        #expect(Self.emitted(straggler).isEmpty)
        #expect(machine.statistics.cancelledDeltasDropped == 1)
    }

    /// Response IDs are a session's own (the simulator numbers them afresh on every connection): a response
    /// cancelled on the old connection must not mute the new connection's response of the same ID. Found by the
    /// soak (scripts/soak.sh), where a barge-in before a reconnect silenced a later reply.
    @Test func aResponseCancelledOnAnEarlierConnectionDoesNotMuteTheSameIDOnTheNext() throws {
        var machine = try Self.readyMachine()
        let created = #"{"type":"response.created","response":{"id":"resp_001"}}"#
        _ = machine.received(try Self.event(created), connectionID: 1, now: .seconds(1))
        #expect(Self.sent(machine.cancelResponse(now: .seconds(2))) == [.responseCancel(responseID: "resp_001")])
        let ended = machine.connectionEnded(id: 1, .closed(code: 1006, reason: nil), now: .seconds(120))
        let next = try #require(
            ended.compactMap { action -> Int? in
                if case .openConnection(let id) = action { id } else { nil }
            }.first)
        try Self.walkToReady(&machine, id: next, at: .seconds(121))

        _ = machine.received(try Self.event(created), connectionID: next, now: .seconds(122))
        let audio = machine.received(
            .audio(responseID: "resp_001", itemID: "i1", samples: [5]), connectionID: next, now: .seconds(122))
        #expect(Self.emitted(audio) == [.audioDelta(responseID: "resp_001", itemID: "i1", samples: [5])])
        #expect(machine.statistics.cancelledDeltasDropped == 0)
    }

    @Test func bargeInUnderServerVADDropsTheOldResponsesAudio() throws {
        var machine = try Self.readyMachine()
        _ = machine.received(
            try Self.event(#"{"type":"response.created","response":{"id":"r1"}}"#), connectionID: 1, now: .seconds(1))
        let started = #"{"type":"input_audio_buffer.speech_started","item_id":"u2","audio_start_ms":10}"#
        _ = machine.received(try Self.event(started), connectionID: 1, now: .seconds(2))
        let straggler = machine.received(
            .audio(responseID: "r1", itemID: "i1", samples: [3]), connectionID: 1, now: .seconds(2))
        #expect(Self.emitted(straggler).isEmpty)
        let next = machine.received(
            .audio(responseID: "r2", itemID: "i2", samples: [4]), connectionID: 1, now: .seconds(3))
        #expect(Self.emitted(next).count == 1)
    }

    @Test func duplicateSpeechStartedAndFunctionCallEventsArePassedOnOnce() throws {
        var machine = try Self.readyMachine()
        let started = #"{"type":"input_audio_buffer.speech_started","item_id":"u1","audio_start_ms":10}"#
        let call =
            #"{"type":"response.function_call_arguments.done","response_id":"r1","item_id":"f1","output_index":0,"call_id":"c1","name":"set_timer","arguments":"{}"}"#
        let item =
            #"{"type":"conversation.item.added","item":{"id":"f1","type":"function_call","call_id":"c1","name":"set_timer","arguments":"{}"}}"#
        var forwarded = 0
        for json in [started, started, call, call, item, item] {
            forwarded += Self.emitted(machine.received(try Self.event(json), connectionID: 1, now: .seconds(1))).count
        }
        #expect(forwarded == 3)
        #expect(machine.statistics.duplicateServerEvents == 3)
    }

    @Test func unknownAndMalformedMessagesAreCountedAndIgnored() throws {
        var machine = try Self.readyMachine()
        let unknown = machine.received(
            try Self.event(#"{"type":"brand.new_event"}"#), connectionID: 1, now: .seconds(1))
        let malformed = machine.received(.malformed("not JSON"), connectionID: 1, now: .seconds(1))
        #expect(Self.emitted(unknown + malformed).isEmpty)
        #expect(machine.statistics.unknownServerEvents == 1)
        #expect(machine.statistics.malformedServerMessages == 1)
        #expect(machine.phase == .ready)
    }

    @Test func aFunctionOutputForACallFromAnEarlierConnectionGoesInAsText() throws {
        var machine = try Self.readyMachine()
        let known =
            #"{"type":"response.function_call_arguments.done","response_id":"r1","item_id":"f1","output_index":0,"call_id":"c1","name":"t","arguments":"{}"}"#
        _ = machine.received(try Self.event(known), connectionID: 1, now: .seconds(1))
        let forKnown = Self.sent(machine.sendFunctionOutput(callID: "c1", output: "ok", now: .seconds(1)))
        #expect(forKnown == [.conversationItemCreate(item: .functionCallOutput(callID: "c1", output: "ok"))])
        let forUnknown = Self.sent(machine.sendFunctionOutput(callID: "c0", output: "ok", now: .seconds(1)))
        guard case .conversationItemCreate(let item, _)? = forUnknown.first else {
            Issue.record("expected an item")
            return
        }
        #expect(item.type == .message)
    }

    @Test func liveSessionUpdatesSendTheMergedConfiguration() throws {
        var machine = try Self.readyMachine()
        let actions = machine.updateSession(SessionConfiguration(voice: "rex"), now: .seconds(1))
        guard case .sessionUpdate(let configuration)? = Self.sent(actions).first else {
            Issue.record("expected session.update")
            return
        }
        #expect(configuration.voice == "rex")
        #expect(configuration.instructions == RealtimeSettings().instructions)
    }

    @Test func cancelAndTruncateDoNothingWhileDisconnected() {
        var machine = Machine(settings: Self.settings())
        _ = machine.start(now: .zero)
        #expect(machine.cancelResponse(now: .zero).isEmpty)
        #expect(machine.truncate(itemID: "i", audioEndMilliseconds: 5, now: .zero).isEmpty)
    }

    // MARK: - Failures and backoff

    @Test func transientFailuresBackOffOnTheExponentialSchedule() {
        var machine = Machine(settings: Self.settings())
        _ = machine.start(now: .zero)
        var now = Duration.zero
        var delays: [Duration] = []
        for _ in 0..<8 {
            let id = machine.connection!.id
            _ = machine.connectionEnded(id: id, .refused(status: 503, body: ""), now: now)
            guard case .backingOff(let until) = machine.phase else {
                Issue.record("expected backing off, got \(machine.phase)")
                return
            }
            #expect(machine.status.state == .backingOff)
            delays.append(until - now)
            #expect(machine.nextDeadline == until)
            #expect(machine.tick(now: until - .milliseconds(1)).isEmpty)
            now = until
            #expect(machine.tick(now: now).contains(.openConnection(id: id + 1)))
        }
        #expect(
            delays == [
                .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30),
                .seconds(30),
            ])
        #expect(machine.status.attempts == 9)
        #expect(machine.status.lastError?.contains("HTTP 503") == true)
    }

    @Test(arguments: [
        ConnectionEnd.refused(status: 401, body: ""),
        .refused(status: 403, body: "forbidden"),
        .refused(
            status: 400, body: #"{"code":"Client specified an invalid argument","error":"Incorrect API key provided"}"#),
    ])
    func aRejectedKeyWaitsMinutesAndSaysSo(end: ConnectionEnd) {
        var machine = Machine(settings: Self.settings(), random: FixedUnitRandomSource([0]))
        _ = machine.start(now: .zero)
        _ = machine.appendAudio([1, 2, 3], now: .zero)
        let actions = machine.connectionEnded(id: 1, end, now: .seconds(1))
        #expect(machine.phase == .authFailed(until: .seconds(301)))
        #expect(machine.status.state == .authFailed)
        #expect(machine.status.lastError?.contains("API key rejected") == true)
        #expect(Self.emitted(actions).contains(.inputUndeliverable(reason: "API key rejected by the realtime service")))
        // Input during the auth failure is refused at once (once), not queued.
        #expect(Self.emitted(machine.appendAudio([4], now: .seconds(2))).isEmpty)
        #expect(machine.status(now: .seconds(101)).nextAttemptInMilliseconds == 200_000)
    }

    @Test func aServerThatAcceptsAndDropsAtOnceIsBackedOff() throws {
        var machine = try Self.readyMachine()
        var now = Duration.zero
        var delays: [Duration] = []
        for _ in 0..<4 {
            let id = machine.connection!.id
            _ = machine.connectionEnded(id: id, .closed(code: 1000, reason: nil), now: now + .seconds(1))
            guard case .backingOff(let until) = machine.phase else {
                Issue.record("a quick drop must back off, got \(machine.phase)")
                return
            }
            delays.append(until - (now + .seconds(1)))
            now = until
            _ = machine.tick(now: now)
            try Self.walkToReady(&machine, id: id + 1, at: now)
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
    }

    @Test func aLongLivedConnectionThatDropsReconnectsAtOnce() throws {
        var machine = try Self.readyMachine()
        let actions = machine.connectionEnded(id: 1, .closed(code: 1006, reason: nil), now: .seconds(120))
        #expect(actions.contains(.openConnection(id: 2)))
        #expect(machine.statistics.reconnects == 0)
        try Self.walkToReady(&machine, id: 2, at: .seconds(121))
        #expect(machine.statistics.reconnects == 1)
    }

    @Test func connectAndHandshakeTimeoutsFailTheAttempt() throws {
        var machine = Machine(settings: Self.settings())
        _ = machine.start(now: .zero)
        #expect(machine.nextDeadline == .seconds(10))
        let connectTimeout = machine.tick(now: .seconds(10))
        #expect(connectTimeout.contains(.closeConnection(id: 1)))
        #expect(machine.status.lastError?.contains("timed out") == true)
        _ = machine.tick(now: .milliseconds(10_500))
        _ = machine.connectionOpened(id: 2, now: .seconds(11))
        _ = machine.received(try Self.event(Self.created), connectionID: 2, now: .seconds(11))
        #expect(machine.tick(now: .seconds(21)).contains(.closeConnection(id: 2)))
        #expect(machine.status.lastError?.contains("session.updated") == true)
        // A stale report from the timed-out connection changes nothing.
        #expect(machine.connectionEnded(id: 1, .aborted, now: .seconds(22)).isEmpty)
    }

    /// A DNS server that does not answer and a host that does not answer need different fixes: the timeout says which.
    @Test func aConnectTimeoutSaysWhetherTheLookupOrTheConnectionHung() throws {
        var machine = Machine(settings: Self.settings())
        _ = machine.start(now: .zero)
        _ = machine.connectStep(id: 1, .lookingUp(host: "api.x.ai"), now: .milliseconds(5))
        #expect(machine.tick(now: .seconds(10)).contains(.closeConnection(id: 1)))
        #expect(
            machine.status.lastError
                == "realtime connection failed: timed out after 10 s: no answer to the DNS lookup of api.x.ai"
        )

        _ = machine.tick(now: .milliseconds(10_500))
        _ = machine.connectStep(id: 2, .lookingUp(host: "api.x.ai"), now: .milliseconds(10_505))
        _ = machine.connectStep(id: 2, .connecting, now: .milliseconds(10_520))
        // A late step from the attempt that timed out changes nothing.
        _ = machine.connectStep(id: 1, .lookingUp(host: "api.x.ai"), now: .milliseconds(10_530))
        #expect(machine.tick(now: .milliseconds(20_500)).contains(.closeConnection(id: 2)))
        #expect(machine.status.lastError == "realtime connection failed: timed out after 10 s connecting")
    }

    @Test func noDataWhileAReplyIsExpectedMeansADeadConnection() throws {
        var machine = try Self.readyMachine()
        _ = machine.createResponse(now: .seconds(1))
        #expect(machine.nextDeadline == .seconds(16))
        let dead = machine.tick(now: .seconds(16))
        #expect(dead.contains(.closeConnection(id: 1)))
        #expect(Self.emitted(dead).contains { if case .responseInterrupted = $0 { true } else { false } })
        #expect(machine.status.lastError?.contains("no data") == true)
    }

    @Test func aQuietConnectionWithNothingExpectedStaysUp() throws {
        var machine = try Self.readyMachine()
        #expect(machine.tick(now: .seconds(50)).isEmpty)
        #expect(machine.phase == .ready)
    }

    @Test func audioOfATurnInterruptedByADropIsResent() throws {
        var machine = try Self.readyMachine { $0.turnDetection.mode = .manual }
        let turn = (0..<4800).map { Int16(truncatingIfNeeded: $0 * 3) }
        let sentBefore = Self.sentAudioSamples(machine.appendAudio(turn, now: .seconds(100)))
        #expect(sentBefore == turn)
        _ = machine.connectionEnded(id: 1, .closed(code: nil, reason: nil), now: .seconds(101))
        _ = machine.commit(now: .seconds(101))
        _ = machine.connectionOpened(id: 2, now: .seconds(102))
        _ = machine.received(try Self.event(Self.created), connectionID: 2, now: .seconds(102))
        let flushed = machine.received(try Self.event(Self.updated), connectionID: 2, now: .seconds(102))
        #expect(Self.sentAudioSamples(flushed) == turn)
        #expect(Self.sent(flushed).last == .inputAudioBufferCommit)
    }

    // MARK: - Rotation and idle

    @Test func theSessionRotatesBetweenTurnsBeforeItsLimit() throws {
        var machine = try Self.readyMachine { $0.maxSessionMinutes = 10 }
        _ = machine.received(
            try Self.event(#"{"type":"response.created","response":{"id":"r1"}}"#), connectionID: 1, now: .seconds(599))
        // Mid-reply at the limit: keep going.
        _ = machine.received(.audio(responseID: "r1", itemID: "i", samples: [1]), connectionID: 1, now: .seconds(600))
        #expect(!machine.tick(now: .seconds(600)).contains(.closeConnection(id: 1)))
        _ = machine.received(
            try Self.event(#"{"type":"response.done","response":{"id":"r1","status":"completed"}}"#), connectionID: 1,
            now: .seconds(601))
        let rotate = machine.tick(now: .seconds(602))
        #expect(rotate.contains(.closeConnection(id: 1)))
        #expect(rotate.contains(.openConnection(id: 2)))
        #expect(machine.statistics.rotations == 1)
    }

    @Test(arguments: ["max_duration", "timeout"])
    func aSessionEndingErrorStartsANewSessionAtOnce(type: String) throws {
        var machine = try Self.readyMachine()
        let error = #"{"type":"error","error":{"type":"\#(type)","code":"\#(type)","message":"over"}}"#
        let actions = machine.received(try Self.event(error), connectionID: 1, now: .seconds(30))
        #expect(actions.contains(.closeConnection(id: 1)))
        #expect(actions.contains(.openConnection(id: 2)))
        #expect(machine.statistics.serverErrors == 1)
    }

    @Test func connectOnDemandWaitsForInputAndClosesWhenIdle() throws {
        var machine = Machine(
            settings: Self.settings {
                $0.idle.policy = .connectOnDemand
                $0.idle.closeAfterMinutes = 1
            })
        let start = machine.start(now: .zero)
        #expect(!start.contains(.openConnection(id: 1)))
        #expect(machine.status.state == .disconnected)
        #expect(machine.appendAudio([1], now: .seconds(5)).contains(.openConnection(id: 1)))
        try Self.walkToReady(&machine, id: 1, at: .seconds(5))
        #expect(!machine.tick(now: .seconds(60)).contains(.closeConnection(id: 1)))
        let idle = machine.tick(now: .seconds(65))
        #expect(idle.contains(.closeConnection(id: 1)))
        #expect(machine.phase == .idle)
        #expect(machine.status.state == .disconnected)
    }

    @Test func reconnectForgetsTheBackoff() {
        var machine = Machine(settings: Self.settings())
        _ = machine.start(now: .zero)
        for attempt in 1...5 {
            _ = machine.connectionEnded(id: attempt, .failed("down"), now: .zero)
            _ = machine.tick(now: .seconds(3600))
        }
        _ = machine.connectionEnded(id: 6, .failed("down"), now: .seconds(3600))
        #expect(machine.reconnect(now: .seconds(3601)).contains(.openConnection(id: 7)))
        _ = machine.connectionEnded(id: 7, .failed("down"), now: .seconds(3602))
        #expect(machine.phase == .backingOff(until: .seconds(3602) + .milliseconds(500)))
    }

    @Test func afterEveryTickTheNextDeadlineIsInTheFuture() throws {
        // A deadline left in the past would make the owner's timer fire again at once: a busy loop.
        var machine = try Self.readyMachine {
            $0.maxSessionMinutes = 2
            $0.idle.policy = .connectOnDemand
            $0.idle.closeAfterMinutes = 1.5
        }
        _ = machine.received(
            try Self.event(#"{"type":"response.created","response":{"id":"r1"}}"#), connectionID: 1, now: .seconds(1))
        var now = Duration.seconds(1)
        var trail: [String] = []
        while now < .seconds(400) {
            // Keep the reply alive (and the session mid-turn) for a while, then let it finish.
            if now < .seconds(200) {
                _ = machine.received(
                    .audio(responseID: "r1", itemID: "i", samples: [1]), connectionID: machine.connection?.id ?? 0,
                    now: now)
            } else if machine.activeResponseID != nil {
                _ = machine.received(
                    try Self.event(#"{"type":"response.done","response":{"id":"r1","status":"completed"}}"#),
                    connectionID: 1, now: now)
            }
            // Ticks at every deadline, and at least every 5 s so the reply's audio keeps arriving.
            now = min(machine.nextDeadline ?? .seconds(1000), now + .seconds(5))
            _ = machine.tick(now: now)
            trail.append("\(now) \(machine.phase)")
            if let next = machine.nextDeadline {
                #expect(next > now, "deadline \(next) not after \(now) in \(machine.phase)")
            }
        }
        #expect(machine.statistics.rotations == 1, "\(trail)")
    }

    @Test func shutdownClosesAndStops() throws {
        var machine = try Self.readyMachine()
        let actions = machine.shutdown(now: .seconds(3))
        #expect(actions.contains(.closeConnection(id: 1)))
        #expect(machine.phase == .stopped)
        #expect(machine.appendAudio([1], now: .seconds(4)).isEmpty)
    }
}

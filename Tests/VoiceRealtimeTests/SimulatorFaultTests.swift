import Foundation
import Testing
import VoiceProtocol
import VoiceSimulator

/// Each fault of issue 3, seen from a raw client: what arrives on the wire, and on which connections.
@Suite(.timeLimit(.minutes(5))) struct SimulatorFaultTests {
    /// A manual turn long enough to have several audio deltas (a 2 s reply = 20 deltas).
    private func startReply(_ client: RawRealtimeClient) {
        appendInChunks(client, tone(seconds: 2.0))
        client.send(.inputAudioBufferCommit)
        client.send(.responseCreate())
    }

    private func audioDeltaCount(_ frames: [RawRealtimeClient.Frame]) -> Int {
        frames.filter { frame in
            guard case .text(let text) = frame else { return false }
            if case .responseOutputAudioDelta? = try? RealtimeCoding.decodeServerEvent(text) { return true }
            return false
        }.count
    }

    @Test(arguments: [401, 403, 500, 503])
    func refusedUpgradesForTheFirstConnections(status: Int) async throws {
        let configuration = SimulatorConfiguration(faults: [
            FaultRule(.refuseUpgrade(status: status), connections: .first(2))
        ])
        try await withSimulator(configuration) { simulator, port in
            for _ in 1...2 {
                do {
                    _ = try await connectClient(port: port)
                    Issue.record("connection was not refused")
                } catch let refusal as RawRealtimeClient.HandshakeRefused {
                    #expect(refusal.status == status)
                    #expect(refusal.response.contains("\"error\""))
                }
            }
            let third = try await connectClient(port: port)
            guard case .sessionCreated? = await third.nextEvent() else {
                Issue.record("the third connection was not greeted")
                return
            }
            #expect(simulator.counters.upgradesRefused == 2)
            #expect(simulator.counters.upgrades == 1)
            await third.disconnect()
        }
    }

    @Test func dropMidResponseClosesTCPWithoutACloseFrame() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.drop(.midResponse(afterAudioChunks: 3)))])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            startReply(client)
            let frames = await client.frames { $0 == .disconnected }
            #expect(frames.last == .disconnected)
            #expect(!frames.contains { if case .close = $0 { true } else { false } })
            #expect(audioDeltaCount(frames) == 3)
        }
    }

    @Test(arguments: [UInt16(1000), 1001, 1011, 4000])
    func closeMidResponseSendsTheCode(code: UInt16) async throws {
        let configuration = SimulatorConfiguration(
            faults: [FaultRule(.close(code: code, .midResponse(afterAudioChunks: 2)))])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            startReply(client)
            let frames = await client.frames { if case .close = $0 { true } else { false } }
            #expect(frames.last == .close(code: code))
            #expect(audioDeltaCount(frames) == 2)
            client.sendClose(code: code)
            #expect(await client.frames { $0 == .disconnected }.last == .disconnected)
        }
    }

    @Test func faultsApplyOnlyToTheSelectedConnections() async throws {
        let configuration = SimulatorConfiguration(faults: [
            FaultRule(.drop(.onConnect), connections: .numbers([1, 3]))
        ])
        try await withSimulator(configuration) { _, port in
            for connection in 1...3 {
                let client = try await connectClient(port: port)
                let first = await client.nextFrame()
                if connection == 2 {
                    guard case .text(let text)? = first,
                        case .sessionCreated? = try? RealtimeCoding.decodeServerEvent(text)
                    else {
                        Issue.record("connection 2 was not greeted: \(String(describing: first))")
                        return
                    }
                    await client.disconnect()
                } else {
                    #expect(first == .disconnected, "connection \(connection)")
                }
            }
        }
    }

    @Test func malformedJSONIsSentAndTheSessionCarriesOn() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.malformedJSON(.afterSessionUpdated))])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            guard case .text(let text)? = await client.nextFrame() else {
                Issue.record("no malformed frame")
                return
            }
            #expect(throws: RealtimeCodingError.self) { try RealtimeCoding.decodeServerEvent(text) }
            client.send(.inputAudioBufferClear)
            #expect(await client.nextEvent() == .inputAudioBufferCleared)
            await client.disconnect()
        }
    }

    @Test func unknownEventTypesAreSent() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.unknownEvent(.midResponse(afterAudioChunks: 1)))]
        )
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            startReply(client)
            let events = await client.events(until: isResponseDone)
            let unknown = events.compactMap { event -> String? in
                if case .unknown(let type) = event { return type }
                return nil
            }
            #expect(unknown == ["simulator.unknown_event", "response.future_feature"])
            #expect(events.last.map(isResponseDone) == true)
            await client.disconnect()
        }
    }

    @Test func oversizedFrameHasTheRequestedSize() async throws {
        let configuration = SimulatorConfiguration(
            faults: [FaultRule(.oversizedFrame(bytes: 1_000_000, .afterSessionUpdated))])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            guard case .text(let text)? = await client.nextFrame() else {
                Issue.record("no oversized frame")
                return
            }
            #expect(text.utf8.count == 1_000_000)
            #expect(try RealtimeCoding.decodeServerEvent(text) == .unknown(type: "simulator.oversized"))
            await client.disconnect()
        }
    }

    @Test func oversizedFrameBreaksAClientWithTheDefault16KiBLimit() async throws {
        let configuration = SimulatorConfiguration(
            faults: [FaultRule(.oversizedFrame(bytes: 100_000, .afterSessionUpdated))])
        try await withSimulator(configuration) { _, port in
            let client = try await RawRealtimeClient.connect(
                port: port, headers: [("Authorization", "Bearer test-key")], maximumFrameBytes: 1 << 14)
            _ = await client.events { if case .conversationCreated = $0 { true } else { false } }
            client.send(.sessionUpdate(manualSession))
            let frames = await client.frames { $0 == .disconnected }
            #expect(frames.last == .disconnected)
            #expect(!frames.contains { if case .text(let text) = $0 { text.utf8.count > 1 << 14 } else { false } })
        }
    }

    @Test func stallSendsNothingMoreNotEvenPongs() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.stall(.afterSessionUpdated))])
        try await withSimulator(configuration) { simulator, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.sendPing()
            client.send(.inputAudioBufferClear)
            #expect(await simulator.waitUntil { $0.receivedEvents(connection: 1).contains(.inputAudioBufferClear) })
            // The clear and the ping were received and would be answered within milliseconds; a stalled server
            // stays silent.
            #expect(await client.nextFrame(timeout: .milliseconds(500)) == nil)
            #expect(simulator.counters.openConnections == 1)
            await client.disconnect()
        }
    }

    @Test func slowTrickleSpacesOutEveryEvent() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.slowTrickle(interval: .milliseconds(150)))])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            let clock = ContinuousClock()
            let sent = clock.now
            for _ in 1...3 { client.send(.inputAudioBufferClear) }
            var received: [ServerEvent] = []
            while received.count < 3, let event = await client.nextEvent() { received.append(event) }
            // A lower bound only: the third answer cannot be written before three intervals have passed.
            #expect(received == Array(repeating: .inputAudioBufferCleared, count: 3))
            #expect(clock.now - sent >= .milliseconds(450))
            await client.disconnect()
        }
    }

    @Test(arguments: ServerErrorType.documented)
    func documentedErrorTypes(type: ServerErrorType) async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.error(type, .afterSessionUpdated))])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            let error = serverError(await client.nextEvent())
            #expect(error?.type == type)
            #expect(error?.code == type.rawValue)
            #expect(error?.message.isEmpty == false)
            if type.endsSession {
                let frames = await client.frames { if case .close = $0 { true } else { false } }
                #expect(frames.last == .close(code: 1000))
            } else {
                client.send(.inputAudioBufferClear)
                #expect(await client.nextEvent() == .inputAudioBufferCleared)
            }
            await client.disconnect()
        }
    }

    @Test func sessionExpirySendsMaxDurationThenCloses() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.sessionExpiry(after: .milliseconds(300)))])
        try await withSimulator(configuration) { _, port in
            // The expiry clock starts at the upgrade, so the greeting may or may not come before it.
            let client = try await connectClient(port: port)
            let events = await client.events { if case .error = $0 { true } else { false } }
            #expect(serverError(events.last)?.type == .maxDuration)
            let frames = await client.frames { if case .close = $0 { true } else { false } }
            #expect(frames.last == .close(code: 1000))
            await client.disconnect()
        }
    }

    @Test func duplicateSpeechStarted() async throws {
        let configuration = SimulatorConfiguration(faults: [FaultRule(.duplicateSpeechStarted)])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(
                port: port,
                session: SessionConfiguration(turnDetection: .serverVAD(.init(silenceDurationMilliseconds: 300))))
            appendInChunks(client, tone(seconds: 1.0) + silence(seconds: 0.5))
            let events = await client.events(until: isResponseDone)
            let started = events.compactMap { event -> SpeechStarted? in
                if case .speechStarted(let started) = event { return started }
                return nil
            }
            #expect(started.count == 2)
            #expect(Set(started.map(\.itemID)).count == 1)
            #expect(events.last.map(isResponseDone) == true)
            await client.disconnect()
        }
    }

    @Test func duplicateFunctionCallItems() async throws {
        let configuration = SimulatorConfiguration(
            functionCalls: [FunctionCallScript(trigger: "lights", calls: [.init(name: "lights_on", arguments: "{}")])],
            faults: [FaultRule(.duplicateFunctionCallItems)])
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.conversationItemCreate(item: .userText("lights please")))
            _ = await client.nextEvent()
            client.send(.responseCreate())
            let events = await client.events(until: isResponseDone)
            let added = events.compactMap { event -> ConversationItem? in
                if case .conversationItemAdded(let added) = event, added.item.type == .functionCall {
                    return added.item
                }
                return nil
            }
            #expect(added.count == 2)
            #expect(added.first?.callID == added.last?.callID)
            await client.disconnect()
        }
    }

    @Test func pacedRepliesArriveAtAboutRealTime() async throws {
        try await withSimulator(SimulatorConfiguration(pace: true)) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            appendInChunks(client, tone(seconds: 1.0))
            client.send(.inputAudioBufferCommit)
            client.send(.responseCreate())
            let clock = ContinuousClock()
            let start = clock.now
            let events = await client.events(until: isResponseDone)
            #expect(events.last.map(isResponseDone) == true)
            // 1 s of audio, paced: at least 0.9 s (lower bound only).
            #expect(clock.now - start >= .milliseconds(900))
            await client.disconnect()
        }
    }
}

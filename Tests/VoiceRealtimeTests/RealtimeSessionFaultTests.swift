import Logging
import ServiceLifecycle
import Testing
import VoiceCore
import VoiceProtocol
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceRealtime

/// The session against the simulator on loopback, one test per fault: the session stays up, reconnects on the
/// schedule (manual clock; the simulator counts every attempt, so a busy loop would show), and a turn started
/// during the outage is answered afterwards. Every test also checks the key never appears.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RealtimeSessionFaultTests {
    // MARK: - Happy path

    @Test func aPushToTalkTurnIsAnswered() async throws {
        let harness = try await RealtimeSessionHarness()
        defer { harness.expectKeyNeverShown() }
        try await harness.waitForState(.ready)
        harness.speakTurn()
        let responses = try await harness.waitForCompletedResponses(1)
        #expect(harness.deliveredResponses == responses)
        let sent = harness.simulator.receivedEvents(connection: 1).map(\.typeName)
        #expect(sent.first == "session.update")
        #expect(sent.contains("input_audio_buffer.commit"))
        #expect(harness.simulator.counters.connections == 1)
        #expect(harness.session.statistics().audioDeltasReceived > 0)
        await harness.stop()
    }

    @Test func aTextTurnIsAnswered() async throws {
        let harness = try await RealtimeSessionHarness()
        try await harness.waitForState(.ready)
        harness.session.sendText("What time is it?")
        try await harness.waitForCompletedResponses(1)
        #expect(
            harness.simulator.receivedEvents(connection: 1).map(\.typeName).suffix(2)
                == ["conversation.item.create", "response.create"])
        await harness.stop()
        harness.expectKeyNeverShown()
    }

    @Test func aTurnSpokenBeforeTheSessionIsReadyIsSentAfterSessionUpdated() async throws {
        let harness = try await RealtimeSessionHarness()
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        let types = harness.simulator.receivedEvents(connection: 1).map(\.typeName)
        #expect(types.first == "session.update")
        #expect(harness.simulator.counters.invalidClientEvents == 0)
        await harness.stop()
    }

    // MARK: - Refused upgrades

    @Test(arguments: [500, 503])
    func aServerErrorOnUpgradeBacksOffThenDelivers(status: Int) async throws {
        let harness = try await RealtimeSessionHarness(faults: ["refuse:\(status)#first:2"])
        try await harness.waitForState(.backingOff)
        #expect(harness.session.status().nextAttemptInMilliseconds == 500)
        #expect(harness.session.status().lastError?.contains("HTTP \(status)") == true)
        harness.speakTurn()

        harness.clock.advance(by: .milliseconds(499))
        #expect(harness.simulator.counters.connections == 1)
        harness.clock.advance(by: .milliseconds(1))
        try await waitUntil("the second attempt to fail") {
            let status = harness.session.status()
            return status.state == .backingOff && status.attempts == 2
        }
        #expect(harness.simulator.counters.connections == 2)
        #expect(harness.session.status().nextAttemptInMilliseconds == 1000)
        harness.clock.advance(by: .seconds(1))

        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 3)
        await harness.stop()
        harness.expectKeyNeverShown()
    }

    @Test(arguments: [401, 403])
    func aRejectedKeyIsRetriedRarelyAndTheTurnIsReportedUndeliverable(status: Int) async throws {
        let harness = try await RealtimeSessionHarness(faults: ["refuse:\(status)#first:1"])
        harness.speakTurn()
        try await harness.waitForState(.authFailed)
        try await harness.waitForEvents("undeliverable input") { events in
            events.contains { if case .inputUndeliverable = $0 { true } else { false } }
        }
        let status = harness.session.status()
        #expect(status.lastError?.contains("API key rejected") == true)
        #expect(status.nextAttemptInMilliseconds == 300_000)
        // Minutes pass on the manual clock one at a time: no new attempt before the 5-minute retry.
        for _ in 0..<4 { harness.clock.advance(by: .seconds(60)) }
        #expect(harness.simulator.counters.connections == 1)
        harness.clock.advance(by: .seconds(60))
        try await harness.waitForState(.ready)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
        harness.expectKeyNeverShown()
    }

    @Test func aWrongKeyNeverAppearsAnywhere() async throws {
        let wrongKey = "xai-WRONG-9876543210-zyxwvutsrq-SECRET"
        let harness = try await RealtimeSessionHarness(key: wrongKey)
        try await harness.waitForState(.authFailed)
        await harness.stop()
        #expect(!harness.logs.text.contains(wrongKey))
        #expect(!"\(harness.events)".contains(wrongKey))
        #expect(!"\(harness.session.status())".contains(wrongKey))
        #expect(harness.simulator.counters.connections == 1)
    }

    // MARK: - Drops and closes mid-response

    @Test(arguments: [
        "drop@mid:2#first:1", "close:1000@mid:2#first:1", "close:1001@mid:2#first:1",
        "close:1011@mid:2#first:1", "close:4000@mid:2#first:1",
    ])
    func aConnectionLostMidReplyIsReplacedAndTheNextTurnAnswered(fault: String) async throws {
        let harness = try await RealtimeSessionHarness(faults: [fault])
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForEvents("the interrupted reply") { events in
            events.contains { if case .responseInterrupted = $0 { true } else { false } }
        }
        // Dropped within seconds of becoming ready: a quick failure, so the first backoff step applies.
        try await harness.waitForState(.backingOff)
        #expect(harness.session.status().nextAttemptInMilliseconds == 500)
        harness.speakTurn()
        harness.clock.advance(by: .milliseconds(500))
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
        harness.expectKeyNeverShown()
    }

    @Test func aDropOnConnectBeforeSessionCreatedIsRetried() async throws {
        let harness = try await RealtimeSessionHarness(faults: ["drop@connect#first:1"])
        harness.speakTurn()
        try await harness.waitForState(.backingOff)
        harness.clock.advance(by: .milliseconds(500))
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
    }

    /// Response IDs are a session's own: the simulator's next connection answers with `resp_001` again. A
    /// response cancelled (a barge-in) on the old connection must not mute that reply. Found by the soak
    /// (scripts/soak.sh): after a barge-in and a reconnect, replies stopped being heard.
    @Test func aReplyOnANewConnectionIsDeliveredWhenItsIDWasCancelledOnTheOldOne() async throws {
        let harness = try await RealtimeSessionHarness(simulator: {
            $0.pace = true  // the reply is still streaming when it is cancelled
            $0.minimumReplySeconds = 2
            $0.maximumReplySeconds = 2
        })
        try await harness.waitForState(.ready)
        harness.session.sendText("Tell me a story.")
        try await harness.waitForEvents("the first reply's audio") { events in
            events.contains { if case .audioDelta = $0 { true } else { false } }
        }
        harness.session.cancelResponse()
        try await harness.waitForEvents("the first reply cancelled") { events in
            events.contains {
                if case .server(.responseDone(let info)) = $0 { info.status == .cancelled } else { false }
            }
        }
        let first = try #require(harness.completedOrCancelledResponseIDs.first)

        harness.session.reconnect()
        try await waitUntil("the second connection ready") {
            harness.simulator.counters.connections == 2 && harness.session.status().state == .ready
        }
        let before = harness.events.count
        harness.session.sendText("And then?")
        try await harness.waitForCompletedResponses(1)
        let after = Array(harness.events[before...])
        let created = after.compactMap { if case .server(.responseCreated(let info)) = $0 { info.id } else { nil } }
        #expect(created == [first], "the simulator numbers responses per connection, so the ID repeats")
        #expect(after.contains { if case .audioDelta(let id, _, _) = $0 { id == first } else { false } })
        await harness.stop()
    }

    // MARK: - Bad data

    @Test(arguments: ["malformed@mid:1", "unknown@mid:1", "malformed@ready", "unknown@ready"])
    func badMessagesAreIgnoredAndTheSessionStaysUp(fault: String) async throws {
        let harness = try await RealtimeSessionHarness(faults: [fault])
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        let statistics = harness.session.statistics()
        #expect(statistics.malformedServerMessages + statistics.unknownServerEvents >= 1)
        #expect(harness.simulator.counters.connections == 1)
        await harness.stop()
    }

    @Test func anOversizedFrameFailsTheConnectionWhichIsReplaced() async throws {
        let harness = try await RealtimeSessionHarness(
            faults: ["oversized:300000@ready#first:1"], settings: { $0.maxFrameBytes = 1 << 16 })
        try await harness.waitForState(.backingOff)
        harness.speakTurn()
        harness.clock.advance(by: .milliseconds(500))
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
    }

    @Test func aFrameLargerThanWSClientsDefaultIsAccepted() async throws {
        let harness = try await RealtimeSessionHarness(faults: ["oversized:100000@ready"])
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 1)
        await harness.stop()
    }

    // MARK: - Silence and slowness

    @Test func aStalledConnectionIsDetectedOnlyWhileAReplyIsExpected() async throws {
        let harness = try await RealtimeSessionHarness(faults: ["stall@mid:2#first:1"])
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForEvents("the start of the reply") { events in
            events.contains { if case .audioDelta = $0 { true } else { false } }
        }
        harness.clock.advance(by: .seconds(14))
        #expect(harness.session.status().state == .ready)
        harness.clock.advance(by: .seconds(1))
        // The connection had been up for 15 s, longer than a quick failure: the next one starts at once.
        // Under load the dead-connection timer can be re-armed just after the advance above, so keep time
        // moving in small steps until the second connection appears.
        try await waitUntil("a second connection") {
            if harness.simulator.counters.connections == 2 { return true }
            harness.clock.advance(by: .milliseconds(200))
            return false
        }
        try await harness.waitForState(.ready)
        #expect(harness.session.status().lastError?.contains("no data for 15 s") == true)
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
    }

    @Test func aSlowTrickleIsNotMistakenForADeadConnection() async throws {
        let harness = try await RealtimeSessionHarness(faults: ["trickle:20"])
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1, timeout: mustHappenWithin)
        #expect(harness.simulator.counters.connections == 1)
        await harness.stop()
    }

    // MARK: - Service errors and expiry

    @Test(arguments: ["invalid_request_error", "invalid_event", "internal_error"])
    func aRecoverableErrorLeavesTheSessionUp(type: String) async throws {
        let harness = try await RealtimeSessionHarness(faults: ["error:\(type)@ready"])
        try await harness.waitForState(.ready)
        try await harness.waitForEvents("the error event") { events in
            events.contains { if case .server(.error) = $0 { true } else { false } }
        }
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 1)
        #expect(harness.session.statistics().serverErrors == 1)
        await harness.stop()
    }

    @Test(arguments: ["max_duration", "timeout"])
    func aSessionEndingErrorStartsANewSessionAtOnce(type: String) async throws {
        let harness = try await RealtimeSessionHarness(faults: ["error:\(type)@ready#first:1"])
        try await waitUntil("a second connection") { harness.simulator.counters.connections == 2 }
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        #expect(harness.session.statistics().rotations == 1)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
    }

    @Test func sessionExpiryIsFollowedByANewSession() async throws {
        let harness = try await RealtimeSessionHarness(faults: ["expire:1#first:1"])
        try await harness.waitForState(.ready)
        try await waitUntil("the expiry and a second connection") { harness.simulator.counters.connections == 2 }
        try await harness.waitForState(.ready)
        harness.speakTurn()
        try await harness.waitForCompletedResponses(1)
        #expect(harness.simulator.counters.connections == 2)
        await harness.stop()
    }

    // MARK: - Duplicates

    @Test func duplicateSpeechStartedIsPassedOnOnce() async throws {
        let harness = try await RealtimeSessionHarness(
            faults: ["duplicate-speech-started"],
            settings: { settings in
                settings.turnDetection.mode = .serverVAD
                settings.turnDetection.silenceDurationMs = 300
            })
        try await harness.waitForState(.ready)
        let rate = 24_000
        let audio =
            Signals.tone(frequency: 220, levelDBFS: -12, seconds: 0.8, sampleRate: rate)
            + Signals.silence(seconds: 1.0, sampleRate: rate)
        for start in stride(from: 0, to: audio.count, by: 2400) {
            harness.session.appendAudio(Array(audio[start..<min(start + 2400, audio.count)]))
        }
        try await harness.waitForCompletedResponses(1)
        let started = harness.events.filter { if case .server(.speechStarted) = $0 { true } else { false } }
        #expect(started.count == 1)
        #expect(harness.session.statistics().duplicateServerEvents >= 1)
        await harness.stop()
    }

    @Test func duplicateFunctionCallItemsArePassedOnOnce() async throws {
        let harness = try await RealtimeSessionHarness(
            faults: ["duplicate-function-calls"],
            simulator: { simulator in
                simulator.functionCalls = [
                    .init(trigger: "timer", calls: [.init(name: "set_timer", arguments: #"{"seconds":60}"#)])
                ]
            })
        try await harness.waitForState(.ready)
        harness.session.sendText("set a timer")
        try await harness.waitForEvents("the function call") { events in
            events.contains { if case .server(.responseFunctionCallArgumentsDone) = $0 { true } else { false } }
        }
        try await harness.waitForCompletedResponses(1)
        let items = harness.events.compactMap { event -> String? in
            guard case .server(.conversationItemAdded(let added)) = event, added.item.type == .functionCall else {
                return nil
            }
            return added.item.id
        }
        #expect(items.count == 1)
        #expect(harness.session.statistics().duplicateServerEvents >= 1)
        await harness.stop()
    }

    // MARK: - Keepalive, shutdown

    @Test func theServicesPingIsAnswered() async throws {
        let harness = try await RealtimeSessionHarness(simulator: { $0.pingInterval = .milliseconds(50) })
        try await harness.waitForState(.ready)
        try await waitUntil("a pong") { harness.simulator.counters.pongsReceived >= 1 }
        #expect(harness.session.statistics().pingsAnswered >= 1)
        await harness.stop()
    }

    @Test func gracefulShutdownClosesTheConnection() async throws {
        let logs = LogCapture()
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(apiKey: RealtimeSessionHarness.apiKey))
        try await simulator.start()
        var settings = RealtimeSettings()
        settings.url = simulator.url
        settings.timeouts.pingIntervalSeconds = 0
        settings.timeouts.closeSeconds = 1
        let session = RealtimeSession(
            settings: settings, apiKey: RealtimeSessionHarness.apiKey, logger: logs.makeLogger()
        )
        let group = ServiceGroup(
            configuration: .init(services: [session], logger: logs.makeLogger(label: "group"))
        )
        let running = Task { try await group.run() }
        try await waitUntil("ready") { session.status().state == .ready }
        await group.triggerGracefulShutdown()
        try await running.value
        try await waitUntil("the simulator saw the close") { simulator.counters.openConnections == 0 }
        #expect(session.status().state == .disconnected)
        await simulator.stop()
    }
}

import Foundation
import Logging
import Synchronization
import Testing
import VoiceCore
import VoiceProtocol
import VoiceRealtime
import VoiceSimulator
import VoiceTools

@Suite("Tool call dispatch", .serialized)
struct ToolDispatchTests {
    // MARK: - Against a recording link

    @Test("parallel calls are all answered before one follow-up; a repeated call is not run twice")
    func parallelAndDuplicates() async throws {
        let device = FakeDevice()
        let link = RecordingToolLink()
        let dispatcher = ToolCallDispatcher(
            registry: ToolRegistry(settings: ToolSettings(), device: device), link: link, logger: Logger(label: "test")
        )
        let mute = FunctionCallArgumentsDone(
            responseID: "r1", itemID: "i1", callID: "c1", name: "mute", arguments: "{}")
        let volume = FunctionCallArgumentsDone(
            responseID: "r1", itemID: "i2", callID: "c2", name: "set_volume", arguments: #"{"percent":20}"#
        )
        await dispatcher.handle(.responseFunctionCallArgumentsDone(mute))
        await dispatcher.handle(.responseFunctionCallArgumentsDone(volume))
        await dispatcher.handle(.responseFunctionCallArgumentsDone(mute))
        await dispatcher.waitForRunningCalls()
        #expect(link.followUps == 0, "no response.create before response.done")
        await dispatcher.handle(.responseDone(ResponseInfo(id: "r1", status: .completed)))
        await dispatcher.waitForRunningCalls()
        #expect(Set(link.outputs.map(\.callID)) == ["c1", "c2"])
        #expect(link.outputs.count == 2)
        #expect(link.followUps == 1)
        #expect(link.log.last == "follow-up")
        #expect(await device.snapshot.muted)
        #expect(await device.snapshot.volumePercent == 20)
        // A late duplicate of the response's events changes nothing.
        await dispatcher.handle(.responseFunctionCallArgumentsDone(volume))
        await dispatcher.handle(.responseDone(ResponseInfo(id: "r1", status: .completed)))
        await dispatcher.waitForRunningCalls()
        #expect(link.outputs.count == 2)
        #expect(link.followUps == 1)
    }

    @Test("no follow-up after a cancelled response or a stop; outputs after a lost connection are dropped")
    func noFollowUp() async throws {
        let link = RecordingToolLink()
        let device = FakeDevice()
        let dispatcher = ToolCallDispatcher(
            registry: ToolRegistry(settings: ToolSettings(), device: device), link: link, logger: Logger(label: "test")
        )
        let call = FunctionCallArgumentsDone(
            responseID: "r1", itemID: "i1", callID: "c1", name: "unmute", arguments: "{}")
        await dispatcher.handle(.responseFunctionCallArgumentsDone(call))
        await dispatcher.handle(.responseDone(ResponseInfo(id: "r1", status: .cancelled)))
        await dispatcher.waitForRunningCalls()
        #expect(link.outputs.map(\.callID) == ["c1"])

        let stop = FunctionCallArgumentsDone(
            responseID: "r2", itemID: "i2", callID: "c2", name: "stop", arguments: "{}")
        await dispatcher.handle(.responseFunctionCallArgumentsDone(stop))
        await dispatcher.handle(.responseDone(ResponseInfo(id: "r2", status: .completed)))
        await dispatcher.waitForRunningCalls()
        #expect(link.outputs.map(\.callID) == ["c1", "c2"])
        #expect(await device.cancels == 1)

        let late = FunctionCallArgumentsDone(
            responseID: "r3", itemID: "i3", callID: "c3", name: "mute", arguments: "{}")
        await dispatcher.handle(.responseFunctionCallArgumentsDone(late))
        await dispatcher.connectionLost()
        await dispatcher.handle(.responseDone(ResponseInfo(id: "r3", status: .completed)))
        await dispatcher.waitForRunningCalls()
        #expect(link.outputs.map(\.callID) == ["c1", "c2"])
        #expect(link.followUps == 0)
    }

    // MARK: - End to end: simulator ↔ RealtimeSession ↔ dispatcher

    @Test("the simulator's function calls run built-in, program and HTTP tools; one response.create follows each")
    func endToEnd() async throws {
        let scripts = try ToolRunnerTests.Scripts()
        let received = scripts.path("weather-input.json")
        let weather = try scripts.script("weather", #"cat > "$1"; echo '{"forecast":"sunny"}'"#)
        let hang = try scripts.script("hang", "sleep 60")
        let http = try await LoopbackHTTPServer.start(reply: .ok(#"{"lights":"on"}"#))
        defer { http.stop() }

        var settings = ToolSettings()
        settings.maximumArgumentBytes = 4_096
        settings.webSearch.enabled = true
        settings.functions = [
            ConfiguredTool(name: "weather", action: .program(ProgramAction(argv: [weather, received]))),
            ConfiguredTool(name: "hang", action: .program(ProgramAction(argv: [hang], timeoutMs: 300))),
            ConfiguredTool(
                name: "flood", action: .program(ProgramAction(argv: ["/usr/bin/yes"], maximumOutputBytes: 1_000))),
            ConfiguredTool(
                name: "lights",
                action: .httpPost(HTTPPostAction(url: "http://127.0.0.1:\(http.port)/api/webhook/lights"))
            ),
        ]
        let hugeArguments = #"{"room":""# + String(repeating: "x", count: 100_000) + #""}"#
        let scriptsForCalls = [
            FunctionCallScript(trigger: "volume", calls: [.init(name: "set_volume", arguments: #"{"percent":30}"#)]),
            FunctionCallScript(
                trigger: "parallel",
                calls: [
                    .init(name: "mute", arguments: "{}"),
                    .init(name: "change_volume", arguments: #"{"direction":"up"}"#),
                    .init(name: "set_voice", arguments: #"{"voice":"leo"}"#),
                    .init(name: "weather", arguments: #"{"days":2}"#),
                    .init(name: "lights", arguments: #"{"room":"kitchen","on":true}"#),
                ]),
            FunctionCallScript(
                trigger: "hostile",
                calls: [
                    .init(name: "set_volume", arguments: "{not json"),
                    .init(name: "lights", arguments: hugeArguments),
                    .init(name: "hang", arguments: "{}"),
                    .init(name: "flood", arguments: "{}"),
                    .init(name: "no_such_tool", arguments: "{}"),
                ]),
        ]
        let device = FakeDevice()
        let registry = ToolRegistry(settings: settings, device: device)
        let records = CallRecords()

        try await withToolSession(functionCalls: scriptsForCalls, registry: registry, records: records) {
            simulator, session in
            // One call.
            session.sendText("volume to thirty")
            #expect(
                await simulator.waitUntil { Self.responseCreates(in: $0) == 2 && $0.counters.responsesStarted == 2 })
            #expect(await device.snapshot.volumePercent == 30)
            let first = Self.clientEvents(simulator)
            let output = try #require(Self.functionOutputs(first).first)
            #expect(output.output == #"{"volume_percent":30}"#)
            #expect(Self.indexOfLastOutput(first)! < Self.indexOfLastResponseCreate(first)!)

            // Parallel calls: five outputs, then exactly one response.create.
            session.sendText("parallel please")
            #expect(
                await simulator.waitUntil { Self.responseCreates(in: $0) == 4 && $0.counters.responsesStarted == 4 })
            let snapshot = await device.snapshot
            #expect(snapshot.muted && snapshot.volumePercent == 40 && snapshot.voice == "leo")
            let second = Array(Self.clientEvents(simulator).dropFirst(first.count))
            let outputs = Self.functionOutputs(second)
            #expect(outputs.count == 5)
            let weatherOutput = outputs.first { $0.output.contains("forecast") }
            #expect(weatherOutput?.output == #"{"forecast":"sunny"}"#)
            #expect(try String(contentsOfFile: received, encoding: .utf8) == #"{"days":2}"#)
            #expect(http.requests.map(\.body) == [#"{"room":"kitchen","on":true}"#])
            #expect(outputs.contains { $0.output == #"{"lights":"on"}"# })
            #expect(Self.indexOfLastOutput(second)! < Self.indexOfLastResponseCreate(second)!)
            #expect(second.filter { if case .responseCreate = $0 { true } else { false } }.count == 2)

            // Hostile arguments and misbehaving tools: every call answered with an error, the session carries on.
            session.sendText("hostile now")
            #expect(
                await simulator.waitUntil { Self.responseCreates(in: $0) == 6 && $0.counters.responsesStarted == 6 })
            let third = Array(Self.clientEvents(simulator).dropFirst(first.count + second.count))
            let errors = Self.functionOutputs(third).map(\.output)
            #expect(errors.count == 5)
            #expect(errors.allSatisfy { $0.hasPrefix(#"{"error":"#) }, "\(errors)")
            #expect(http.requests.count == 1, "the oversized arguments never reached the endpoint")
            #expect(await device.snapshot.volumePercent == 40)
            #expect(simulator.counters.errorsSent == 0)
        }
        let finished = records.list.withLock { $0 }
        #expect(finished.count == 11)
        #expect(
            finished.filter { $0.failure != nil }.map(\.name).sorted() == [
                "flood", "hang", "lights", "no_such_tool", "set_volume",
            ])
    }

    // MARK: - Helpers

    /// A simulator, a session connected to it offering the registry's tools, and the dispatcher fed from the
    /// session's events; all stopped afterwards.
    private func withToolSession(
        functionCalls: [FunctionCallScript],
        registry: ToolRegistry,
        records: CallRecords,
        _ body: (RealtimeSimulator, RealtimeSession) async throws -> Void
    ) async throws {
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(functionCalls: functionCalls))
        _ = try await simulator.start()
        var settings = RealtimeSettings()
        settings.url = simulator.url
        settings.turnDetection.mode = .manual
        // Real time here: the product's 10 s handshake bound is too tight for the whole suite starting at once.
        settings.timeouts.handshakeSeconds = 60
        let session = RealtimeSession(
            settings: settings, apiKey: "test-key", tools: registry.sessionTools, logger: Logger(label: "test.session")
        )
        let dispatcher = ToolCallDispatcher(
            registry: registry, link: SessionToolLink(session: session), logger: Logger(label: "test.tools"),
            onCall: { record in records.list.withLock { $0.append(record) } }
        )
        let running = Task { try await session.run() }
        let pump = Task {
            for await event in session.events {
                switch event {
                case .server(let server): await dispatcher.handle(server)
                case .connection(let status) where status.state != .ready: await dispatcher.connectionLost()
                default: break
                }
            }
        }
        do {
            #expect(
                await simulator.waitUntil { simulator in
                    simulator.receivedEvents().contains { if case .sessionUpdate = $0.event { true } else { false } }
                })
            #expect(await waitUntil { session.status().state == .ready })
            try await body(simulator, session)
        } catch {
            Issue.record(error)
        }
        await dispatcher.waitForRunningCalls()
        running.cancel()
        pump.cancel()
        _ = await running.result
        await simulator.stop()
    }

    static func clientEvents(_ simulator: RealtimeSimulator) -> [ClientEvent] {
        simulator.receivedEvents().map(\.event)
    }

    static func responseCreates(in simulator: RealtimeSimulator) -> Int {
        clientEvents(simulator).filter { if case .responseCreate = $0 { true } else { false } }.count
    }

    static func functionOutputs(_ events: [ClientEvent]) -> [(callID: String, output: String)] {
        events.compactMap { event in
            guard case .conversationItemCreate(let item, _) = event, item.type == .functionCallOutput else {
                return nil
            }
            return (item.callID ?? "", item.output ?? "")
        }
    }

    static func indexOfLastOutput(_ events: [ClientEvent]) -> Int? {
        events.lastIndex { event in
            if case .conversationItemCreate(let item, _) = event { item.type == .functionCallOutput } else { false }
        }
    }

    static func indexOfLastResponseCreate(_ events: [ClientEvent]) -> Int? {
        events.lastIndex { if case .responseCreate = $0 { true } else { false } }
    }
}

/// The session as the dispatcher's link.
struct SessionToolLink: ToolCallLink {
    let session: RealtimeSession
    func sendToolOutput(callID: String, output: String) async {
        session.sendFunctionOutput(callID: callID, output: output)
    }
    func requestToolFollowUp() async { session.createResponse() }
}

/// Records what the dispatcher sends, in order.
final class RecordingToolLink: ToolCallLink {
    private let state = Mutex<[String]>([])
    private let sent = Mutex<[(callID: String, output: String)]>([])

    var log: [String] { state.withLock { $0 } }
    var outputs: [(callID: String, output: String)] { sent.withLock { $0 } }
    var followUps: Int { log.filter { $0 == "follow-up" }.count }

    func sendToolOutput(callID: String, output: String) async {
        sent.withLock { $0.append((callID, output)) }
        state.withLock { $0.append("output \(callID)") }
    }

    func requestToolFollowUp() async { state.withLock { $0.append("follow-up") } }
}

final class CallRecords: Sendable {
    let list = Mutex<[ToolCallRecord]>([])
}

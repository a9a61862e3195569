import Foundation
import Testing
import VoiceProtocol
import VoiceSimulator

@Suite(.timeLimit(.minutes(5))) struct SimulatorHandshakeTests {
    @Test func missingKeyIsRefusedWith401() async throws {
        try await withSimulator { simulator, port in
            await #expect(throws: RawRealtimeClient.HandshakeRefused.self) {
                _ = try await RawRealtimeClient.connect(port: port)
            }
            do {
                _ = try await RawRealtimeClient.connect(port: port)
            } catch let refusal as RawRealtimeClient.HandshakeRefused {
                #expect(refusal.status == 401)
                #expect(refusal.response.contains("No API key provided"))
            }
            #expect(simulator.counters.upgradesRefused == 2)
            #expect(simulator.counters.upgrades == 0)
        }
    }

    @Test func wrongKeyIsRefusedWithoutEchoingTheKey() async throws {
        try await withSimulator { _, port in
            do {
                _ = try await connectClient(port: port, key: "sk-wrong-secret-123")
                Issue.record("connected with a wrong key")
            } catch let refusal as RawRealtimeClient.HandshakeRefused {
                #expect(refusal.status == 401)
                #expect(refusal.response.contains("Incorrect API key"))
                #expect(!refusal.response.contains("sk-wrong-secret-123"))
            }
        }
    }

    @Test func wrongKeyStatusIsConfigurable() async throws {
        try await withSimulator(SimulatorConfiguration(wrongKeyStatus: 400)) { _, port in
            do {
                _ = try await connectClient(port: port, key: "nope")
                Issue.record("connected with a wrong key")
            } catch let refusal as RawRealtimeClient.HandshakeRefused {
                #expect(refusal.status == 400)
            }
        }
    }

    @Test func subprotocolCarryingTheKeyIsAcceptedAndEchoed() async throws {
        try await withSimulator { simulator, port in
            let client = try await RawRealtimeClient.connect(
                port: port, headers: [("Sec-WebSocket-Protocol", "xai-client-secret.test-key")])
            let first = await client.nextEvent()
            guard case .sessionCreated = first else {
                Issue.record("expected session.created, got \(String(describing: first))")
                return
            }
            #expect(simulator.counters.upgrades == 1)
            await client.disconnect()
        }
    }

    @Test func unknownPathIs404() async throws {
        try await withSimulator { _, port in
            do {
                _ = try await connectClient(port: port, path: "/v1/voice/agent")
                Issue.record("connected to a path that does not exist")
            } catch let refusal as RawRealtimeClient.HandshakeRefused {
                #expect(refusal.status == 404)
            }
        }
    }

    @Test func greetingIsSessionCreatedThenConversationCreatedWithTheURLModel() async throws {
        try await withSimulator { simulator, port in
            let client = try await connectClient(port: port, path: "/v1/realtime?model=grok-voice-think-fast-1.0")
            let greeting = await client.events { if case .conversationCreated = $0 { true } else { false } }
            guard greeting.count == 2, case .sessionCreated(let session) = greeting[0],
                case .conversationCreated(let conversation) = greeting[1]
            else {
                Issue.record("unexpected greeting \(greeting)")
                return
            }
            #expect(session.configuration.model == "grok-voice-think-fast-1.0")
            #expect(session.object == "realtime.session")
            #expect(conversation.id.hasPrefix("conv_"))
            #expect(simulator.url == "ws://127.0.0.1:\(port)/v1/realtime")
            await client.disconnect()
        }
    }

    @Test func closeHandshakeEchoesTheClientsCode() async throws {
        try await withSimulator { simulator, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.sendClose(code: 1000)
            let frames = await client.frames { $0 == .disconnected }
            #expect(frames.contains(.close(code: 1000)))
            #expect(await simulator.waitUntil { $0.counters.openConnections == 0 })
        }
    }

    @Test func websocketPingIsAnsweredWithPong() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.sendPing([9, 8, 7])
            let frames = await client.frames { if case .pong = $0 { true } else { false } }
            #expect(frames.last == .pong([9, 8, 7]))
            await client.disconnect()
        }
    }

    @Test func stopClosesOpenConnections() async throws {
        let simulator = RealtimeSimulator()
        let port = try await simulator.start()
        let client = try await connectClient(port: port)
        _ = await client.nextEvent()
        await simulator.stop()
        let frames = await client.frames { $0 == .disconnected }
        #expect(frames.last == .disconnected)
        #expect(simulator.counters.openConnections == 0)
    }
}

/// Whether the `openssl` command the simulator uses to make its certificate is installed.
private let opensslInstalled = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    .split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/openssl") }

@Suite(.timeLimit(.minutes(5)), .enabled(if: opensslInstalled, "needs the openssl command (apt-get install openssl)"))
struct SimulatorTLSTests {
    @Test func wssWithTheGeneratedCertificate() async throws {
        try await withSimulator(SimulatorConfiguration(tls: true)) { simulator, port in
            #expect(simulator.url == "wss://127.0.0.1:\(port)/v1/realtime")
            let pem = try #require(simulator.certificatePEM)
            let path = try #require(simulator.certificatePath)
            #expect(FileManager.default.fileExists(atPath: path))
            let client = try await RawRealtimeClient.connect(
                port: port, headers: [("Authorization", "Bearer test-key")], trustingCertificatePEM: pem)
            guard case .sessionCreated? = await client.nextEvent() else {
                Issue.record("no session.created over wss://")
                return
            }
            await client.disconnect()
        }
    }

    @Test func certificateIsRemovedOnStop() async throws {
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(tls: true))
        try await simulator.start()
        let path = try #require(simulator.certificatePath)
        await simulator.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

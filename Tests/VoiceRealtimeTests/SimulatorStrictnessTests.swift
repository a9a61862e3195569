import VoiceCore
import Foundation
import Testing
import VoiceProtocol
import VoiceSimulator

/// The simulator is strict like the real service (reference §6.2, mock checks).
@Suite(.timeLimit(.minutes(5))) struct SimulatorStrictnessTests {
    @Test func firstMessageMustBeSessionUpdate() async throws {
        try await withSimulator { _, port in
            let client = try await connectClient(port: port)
            _ = await client.events { if case .conversationCreated = $0 { true } else { false } }
            client.send(.appendPCM16([1, 2, 3]), eventID: "c_early")
            let error = serverError(await client.nextEvent())
            #expect(error?.code == "session_not_configured")
            #expect(error?.eventID == "c_early")
            client.send(.sessionUpdate(manualSession))
            guard case .sessionUpdated? = await client.nextEvent() else {
                Issue.record("no session.updated after the error")
                return
            }
            await client.disconnect()
        }
    }

    @Test func invalidAudioIsRejected() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.inputAudioBufferAppend(audio: "***not base64***"), eventID: "c1")
            let notBase64 = serverError(await client.nextEvent())
            #expect(notBase64?.code == "invalid_audio")
            #expect(notBase64?.eventID == "c1")
            client.send(.inputAudioBufferAppend(audio: AudioPayload.encodeBytes([1, 2, 3])), eventID: "c2")
            let odd = serverError(await client.nextEvent())
            #expect(odd?.code == "invalid_audio")
            #expect(odd?.message.contains("3 bytes") == true)
            await client.disconnect()
        }
    }

    @Test func commitIsOnlyForManualTurns() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(
                port: port, session: SessionConfiguration(turnDetection: .serverVAD(.init())))
            client.send(.inputAudioBufferCommit)
            #expect(serverError(await client.nextEvent())?.code == "invalid_turn_detection")
            await client.disconnect()
        }
    }

    @Test func unknownAndMalformedEventsGetInvalidEventErrors() async throws {
        try await withSimulator { simulator, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.sendText(#"{"type":"session.configure","event_id":"c7"}"#)
            let unknown = serverError(await client.nextEvent())
            #expect(unknown?.type == .invalidEvent)
            #expect(unknown?.code == "unknown_event_type")
            #expect(unknown?.eventID == "c7")
            client.sendText("{this is not json")
            let malformed = serverError(await client.nextEvent())
            #expect(malformed?.type == .invalidEvent)
            #expect(malformed?.code == "invalid_json")
            client.sendText(#"{"type":"conversation.item.truncate","event_id":"c8","item_id":"x"}"#)
            let missingField = serverError(await client.nextEvent())
            #expect(missingField?.type == .invalidRequestError)
            #expect(missingField?.eventID == "c8")
            #expect(missingField?.message.contains("audio_end_ms") == true)
            #expect(simulator.counters.invalidClientEvents == 3)
            await client.disconnect()
        }
    }

    @Test func sessionFieldsOutsideTheReferenceAreRejectedAndTheOldConfigurationStays() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.sessionUpdate(SessionConfiguration(voice: "leo", extraFields: ["temperature": 0.2])))
            let error = serverError(await client.nextEvent())
            #expect(error?.code == "unknown_parameter")
            #expect(error?.param == "session.temperature")
            // Still manual: commit works.
            client.send(.inputAudioBufferCommit)
            guard case .inputAudioBufferCommitted? = await client.nextEvent() else {
                Issue.record("the rejected update changed the session")
                return
            }
            await client.disconnect()
        }
    }

    @Test(arguments: [
        SessionConfiguration(voice: "robot"),
        SessionConfiguration(turnDetection: .serverVAD(.init(threshold: 0.95))),
        SessionConfiguration(audio: .init(input: .init(format: .pcm(rate: 12_345)))),
        SessionConfiguration(audio: .init(output: .init(format: .opus))),
        SessionConfiguration(audio: .init(output: .init(speed: 2.0))),
    ])
    func invalidSessionValuesAreRejected(update: SessionConfiguration) async throws {
        try await withSimulator { _, port in
            let client = try await connectClient(port: port)
            _ = await client.events { if case .conversationCreated = $0 { true } else { false } }
            client.send(.sessionUpdate(update))
            let error = serverError(await client.nextEvent())
            #expect(error?.type == .invalidRequestError)
            #expect(error?.param?.hasPrefix("session.") == true)
            await client.disconnect()
        }
    }

    @Test func customVoiceIDsAndNewerVoicesAreAccepted() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: SessionConfiguration(voice: "voice_abc123"))
            client.send(.sessionUpdate(SessionConfiguration(voice: "Luna")))
            guard case .sessionUpdated? = await client.nextEvent() else {
                Issue.record("a newer voice was rejected")
                return
            }
            await client.disconnect()
        }
    }

    @Test func reservedFunctionNameNextToItsBuiltInFailsTheFirstResponse() async throws {
        try await withSimulator { _, port in
            let session = SessionConfiguration(
                turnDetection: .manual,
                tools: [.webSearch(WebSearchTool()), .function(FunctionTool(name: "web_search"))])
            let client = try await configuredClient(port: port, session: session)
            client.send(.responseCreate())
            #expect(serverError(await client.nextEvent())?.type == .internalError)
            client.send(.responseCreate())
            guard case .responseCreated? = await client.nextEvent() else {
                Issue.record("the second response.create failed too")
                return
            }
            await client.disconnect()
        }
    }
}

import VoiceCore
import Foundation
import Testing
import VoiceProtocol

@Suite struct ClientEventCodingTests {
    @Test(arguments: Fixtures.clientEvents)
    func roundTrips(event: ClientEvent) throws {
        let text = RealtimeCoding.encode(event)
        #expect(try RealtimeCoding.decodeClientEvent(text) == event)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == event.typeName)
    }

    @Test(arguments: Fixtures.clientEvents)
    func roundTripsWithEventID(event: ClientEvent) throws {
        let message = try RealtimeCoding.decodeClientMessage(RealtimeCoding.encode(event, eventID: "client_17"))
        #expect(message == ClientMessage(eventID: "client_17", event: event))
    }

    @Test func everyModelledTypeIsCovered() {
        #expect(Set(Fixtures.clientEvents.map(\.typeName)) == ClientEvent.typeNames)
    }

    @Test func referenceExamplesDecode() throws {
        // Reference §3, verbatim.
        let examples: [(String, ClientEvent)] = [
            (#"{"type":"input_audio_buffer.append","audio":"AAAA"}"#, .inputAudioBufferAppend(audio: "AAAA")),
            (#"{"type":"input_audio_buffer.commit"}"#, .inputAudioBufferCommit),
            (#"{"type":"input_audio_buffer.clear"}"#, .inputAudioBufferClear),
            (
                #"{"type":"conversation.item.create","previous_item_id":"msg_002","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}}"#,
                .conversationItemCreate(item: .userText("Hi"), previousItemID: "msg_002")
            ),
            (
                #"{"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_001","output":"{\"ok\":true}"}}"#,
                .conversationItemCreate(item: .functionCallOutput(callID: "call_001", output: #"{"ok":true}"#))
            ),
            (
                #"{"type":"conversation.item.create","item":{"type":"force_message","role":"assistant","interruptible":true,"content":[{"type":"output_text","text":"Timer set."}]}}"#,
                .conversationItemCreate(item: .forceMessage("Timer set.", interruptible: true))
            ),
            (
                #"{"type":"response.create","response":{"instructions":"Answer in Spanish this turn.","modalities":["text","audio"],"metadata":{"src":"ptt"}}}"#,
                .responseCreate(
                    ResponseParameters(
                        instructions: "Answer in Spanish this turn.", modalities: ["text", "audio"],
                        metadata: ["src": "ptt"]))
            ),
            (#"{"type":"response.cancel","response_id":"resp_001"}"#, .responseCancel(responseID: "resp_001")),
            (
                #"{"type":"conversation.item.truncate","item_id":"msg_004","content_index":0,"audio_end_ms":1500}"#,
                .conversationItemTruncate(itemID: "msg_004", contentIndex: 0, audioEndMilliseconds: 1500)
            ),
            (#"{"type":"conversation.item.delete","item_id":"msg_003"}"#, .conversationItemDelete(itemID: "msg_003")),
        ]
        for (text, expected) in examples {
            #expect(try RealtimeCoding.decodeClientEvent(text) == expected, "\(text)")
        }
    }

    @Test func referenceSessionUpdateExampleDecodes() throws {
        let text = """
            {"type":"session.update","session":{
              "instructions":"You are a concise kitchen assistant.",
              "voice":"eve",
              "reasoning":{"effort":"none"},
              "turn_detection":{"type":"server_vad","threshold":0.85,"silence_duration_ms":600,"prefix_padding_ms":333},
              "audio":{
                "input":{"format":{"type":"audio/pcm","rate":24000},"transport":"json",
                         "transcription":{"language_hint":"en","keyterms":["Grok"]}},
                "output":{"format":{"type":"audio/pcm","rate":24000},"transport":"json","speed":1.0}},
              "tools":[{"type":"function","name":"set_timer","description":"Start a kitchen timer",
                        "parameters":{"type":"object","properties":{"seconds":{"type":"integer"}},"required":["seconds"]}},
                       {"type":"web_search"}],
              "resumption":{"enabled":true}}}
            """
        guard case .sessionUpdate(let session) = try RealtimeCoding.decodeClientEvent(text) else {
            Issue.record("not a session.update")
            return
        }
        #expect(session.voice == "eve")
        #expect(session.reasoning?.effort == ReasoningEffort.none)
        #expect(
            session.turnDetection
                == .serverVAD(.init(threshold: 0.85, silenceDurationMilliseconds: 600, prefixPaddingMilliseconds: 333)))
        #expect(session.effectiveInputFormat == .pcm(rate: 24_000))
        #expect(session.audio?.input?.transcription?.keyterms == ["Grok"])
        #expect(session.audio?.output?.speed == 1.0)
        #expect(session.tools?.count == 2)
        #expect(session.tools?.last == .webSearch(WebSearchTool()))
        #expect(session.resumption?.enabled == true)
        #expect(session.extraFields.isEmpty)
    }

    @Test func manualTurnDetectionEncodesTypeNull() throws {
        let text = RealtimeCoding.encode(.sessionUpdate(SessionConfiguration(turnDetection: .manual)))
        #expect(text.contains(#""turn_detection":{"type":null}"#))
    }

    @Test func manualTurnDetectionAcceptsEveryReportedSpelling() throws {
        for spelling in [#"{"type":null}"#, "null", "{}", #"{"type":"none"}"#] {
            let text = #"{"type":"session.update","session":{"turn_detection":"# + spelling + "}}"
            #expect(
                try RealtimeCoding.decodeClientEvent(text) == .sessionUpdate(.init(turnDetection: .manual)),
                "\(spelling)")
        }
    }

    @Test func nestedFunctionToolDecodesAsFlat() throws {
        let text = #"""
            {"type":"session.update","session":{"tools":[{"type":"function","function":{"name":"f","description":"d"}}]}}
            """#
        let expected = ClientEvent.sessionUpdate(.init(tools: [.function(FunctionTool(name: "f", description: "d"))]))
        #expect(try RealtimeCoding.decodeClientEvent(text) == expected)
        #expect(RealtimeCoding.encode(expected).contains(#""name":"f""#))
        #expect(!RealtimeCoding.encode(expected).contains(#""function":{"#))
    }

    @Test func undocumentedSessionFieldsAreKept() throws {
        let text = #"{"type":"session.update","session":{"voice":"rex","temperature":0.6,"modalities":["audio"]}}"#
        guard case .sessionUpdate(let session) = try RealtimeCoding.decodeClientEvent(text) else {
            Issue.record("not a session.update")
            return
        }
        #expect(session.extraFields == ["temperature": 0.6, "modalities": ["audio"]])
        #expect(Set(session.extraFields.keys).isDisjoint(with: SessionConfiguration.knownFieldNames))
    }

    @Test func appendFastPathIsValidJSON() throws {
        let audio = AudioPayload.encodePCM16((0..<2_400).map { Int16(truncatingIfNeeded: $0 &* 977) })
        let text = RealtimeCoding.encode(.inputAudioBufferAppend(audio: audio), eventID: "e1")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "input_audio_buffer.append")
        #expect(object["event_id"] as? String == "e1")
        #expect(object["audio"] as? String == audio)
    }

    @Test func appendWithCharactersNeedingEscapesStillEncodesValidJSON() throws {
        let hostile = "a\"b\\c\n"
        let text = RealtimeCoding.encode(.inputAudioBufferAppend(audio: hostile), eventID: "x\"y")
        #expect(
            try RealtimeCoding.decodeClientMessage(text)
                == ClientMessage(eventID: "x\"y", event: .inputAudioBufferAppend(audio: hostile)))
    }

    @Test func unknownClientTypeThrowsWithItsEventID() {
        #expect(throws: RealtimeCodingError.unknownEventType("session.configure", eventID: "c9")) {
            try RealtimeCoding.decodeClientEvent(#"{"type":"session.configure","event_id":"c9"}"#)
        }
    }

    @Test func malformedClientEventsThrowReadableErrors() throws {
        #expect(throws: RealtimeCodingError.self) { try RealtimeCoding.decodeClientEvent("{not json") }
        #expect(throws: RealtimeCodingError.missingType) { try RealtimeCoding.decodeClientEvent(#"{"audio":"AA"}"#) }
        #expect(throws: RealtimeCodingError.missingType) { try RealtimeCoding.decodeClientEvent(#"{"type":7}"#) }
        do {
            _ = try RealtimeCoding.decodeClientEvent(#"{"type":"input_audio_buffer.append","event_id":"c3"}"#)
            Issue.record("decoded an append without audio")
        } catch {
            guard case .invalidEvent(let type, let eventID, let reason) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(type == "input_audio_buffer.append")
            #expect(eventID == "c3")
            #expect(reason.contains("audio"))
        }
        for text in ["[]", "null", "\"x\"", ""] {
            #expect(throws: RealtimeCodingError.self, "\(text)") { try RealtimeCoding.decodeClientEvent(text) }
        }
    }
}

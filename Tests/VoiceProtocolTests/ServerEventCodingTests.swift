import VoiceCore
import Foundation
import Testing
import VoiceProtocol

@Suite struct ServerEventCodingTests {
    @Test(arguments: Fixtures.serverEvents)
    func roundTrips(event: ServerEvent) throws {
        let text = RealtimeCoding.encode(event, eventID: "e1")
        #expect(try RealtimeCoding.decodeServerMessage(text) == ServerMessage(eventID: "e1", event: event))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["type"] as? String == event.typeName)
    }

    @Test(arguments: Fixtures.serverEvents.filter { $0.legacyTypeName != nil })
    func legacyNamesRoundTripToTheSameCase(event: ServerEvent) throws {
        let text = RealtimeCoding.encode(event, naming: .legacy)
        let legacyName = try #require(event.legacyTypeName)
        #expect(text.contains("\"\(legacyName)\""))
        #expect(try RealtimeCoding.decodeServerEvent(text) == event)
    }

    @Test func everyTableRowHasAFixture() {
        let covered = Set(Fixtures.serverEvents.map(\.typeName))
        let table = [
            "session.created", "session.updated", "conversation.created", "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped", "input_audio_buffer.committed", "input_audio_buffer.cleared",
            "input_audio_buffer.timeout_triggered", "input_audio_buffer.dtmf_event_received",
            "conversation.item.added", "conversation.item.created", "conversation.item.deleted",
            "conversation.item.truncated", "conversation.item.input_audio_transcription.completed",
            "conversation.item.input_audio_transcription.updated", "response.created", "response.output_item.added",
            "response.output_item.done", "response.content_part.added", "response.content_part.done",
            "response.output_audio.delta", "response.output_audio.done", "response.output_audio_transcript.delta",
            "response.output_audio_transcript.done", "response.output_text.delta",
            "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.done",
            "error", "ping",
        ]
        #expect(Set(table).subtracting(covered).isEmpty)
    }

    @Test func referenceExamplesDecode() throws {
        // Reference §3.2 examples, verbatim.
        let created = try RealtimeCoding.decodeServerMessage(
            #"{"event_id":"e1","type":"session.created","session":{"id":"sess_001","object":"realtime.session","model":"grok-voice-think-fast-2.0"}}"#
        )
        #expect(created.eventID == "e1")
        #expect(
            created.event
                == .sessionCreated(
                    RealtimeSessionInfo(id: "sess_001", configuration: .init(model: "grok-voice-think-fast-2.0"))))

        let added = try RealtimeCoding.decodeServerEvent(
            #"{"event_id":"e3","type":"conversation.item.added","previous_item_id":"msg_002","item":{"id":"msg_003","object":"realtime.item","type":"message","status":"completed","role":"user","content":[{"type":"input_audio","transcript":"set a timer"}]}}"#
        )
        guard case .conversationItemAdded(let payload) = added else {
            Issue.record("not conversation.item.added: \(added)")
            return
        }
        #expect(payload.previousItemID == "msg_002")
        #expect(payload.item.role == .user)
        #expect(payload.item.transcript == "set a timer")

        #expect(
            try RealtimeCoding.decodeServerEvent(
                #"{"event_id":"e4","type":"response.output_audio.delta","response_id":"resp_001","item_id":"msg_004","output_index":0,"content_index":0,"delta":"AAEC..."}"#
            )
                == .responseOutputAudioDelta(
                    ResponseDelta(reference: .init(responseID: "resp_001", itemID: "msg_004"), delta: "AAEC...")))

        #expect(
            try RealtimeCoding.decodeServerEvent(
                #"{"event_id":"e5","type":"response.function_call_arguments.done","response_id":"resp_002","item_id":"msg_009","output_index":0,"call_id":"call_001","name":"set_timer","arguments":"{\"seconds\":300}"}"#
            )
                == .responseFunctionCallArgumentsDone(
                    FunctionCallArgumentsDone(
                        responseID: "resp_002", itemID: "msg_009", callID: "call_001", name: "set_timer",
                        arguments: #"{"seconds":300}"#)))

        #expect(
            try RealtimeCoding.decodeServerEvent(
                #"{"event_id":"e6","type":"response.done","response":{"id":"resp_001","object":"realtime.response","status":"completed","output":[],"usage":{"input_tokens":812,"output_tokens":64,"total_tokens":876},"metadata":null}}"#
            )
                == .responseDone(
                    ResponseInfo(
                        id: "resp_001", status: .completed,
                        usage: Usage(inputTokens: 812, outputTokens: 64, totalTokens: 876))))

        #expect(
            try RealtimeCoding.decodeServerEvent(
                #"{"event_id":"e7","type":"error","error":{"type":"invalid_request_error","code":"invalid_audio_format","message":"Audio format not supported...","param":null,"event_id":"client_17"}}"#
            )
                == .error(
                    ServerError(
                        type: .invalidRequestError, code: "invalid_audio_format",
                        message: "Audio format not supported...", eventID: "client_17")))
    }

    @Test func unknownTypesDecodeAsUnknown() throws {
        for type in ["rate_limits.updated", "output_audio_buffer.started", "something.new"] {
            #expect(try RealtimeCoding.decodeServerEvent(#"{"type":"\#(type)","x":{"y":1}}"#) == .unknown(type: type))
        }
    }

    @Test func errorFieldsAtTheTopLevelDecode() throws {
        // xAI's iOS sample reads code and message at the top level (reference §6.2 q3).
        let event = try RealtimeCoding.decodeServerEvent(
            #"{"type":"error","code":"max_duration","message":"Session limit reached"}"#)
        guard case .error(let error) = event else {
            Issue.record("not an error: \(event)")
            return
        }
        #expect(error.type == .maxDuration)
        #expect(error.type.endsSession)
        #expect(error.message == "Session limit reached")
    }

    @Test func errorWithAStringErrorFieldDecodes() throws {
        let event = try RealtimeCoding.decodeServerEvent(
            #"{"type":"error","code":"Client specified an invalid argument","error":"Incorrect API key provided"}"#)
        guard case .error(let error) = event else {
            Issue.record("not an error: \(event)")
            return
        }
        #expect(error.message == "Incorrect API key provided")
    }

    @Test func errorWhoseCodeNamesTheTypeReportsIt() {
        let error = ServerError(type: "server_error", code: "timeout", message: "idle")
        #expect(error.effectiveType == .timeout)
        #expect(ServerError(type: .invalidEvent, code: "bad", message: "").effectiveType == .invalidEvent)
    }

    @Test func pingAcceptsBothTimestampNames() throws {
        #expect(
            try RealtimeCoding.decodeServerEvent(#"{"type":"ping","ping_timestamp":42}"#) == .ping(Ping(timestamp: 42)))
        #expect(try RealtimeCoding.decodeServerEvent(#"{"type":"ping","timestamp":43}"#) == .ping(Ping(timestamp: 43)))
        #expect(try RealtimeCoding.decodeServerEvent(#"{"type":"ping"}"#) == .ping(Ping(timestamp: nil)))
    }

    @Test func usageAtTheTopLevelOfResponseDoneIsMovedIntoTheResponse() throws {
        let event = try RealtimeCoding.decodeServerEvent(
            #"{"type":"response.done","response":{"id":"r","object":"realtime.response","status":"completed"},"usage":{"total_tokens":9}}"#
        )
        #expect(event == .responseDone(ResponseInfo(id: "r", status: .completed, usage: Usage(totalTokens: 9))))
        let empty = try RealtimeCoding.decodeServerEvent(
            #"{"type":"response.done","response":{"id":"r","object":"realtime.response","status":"completed","usage":{}}}"#
        )
        #expect(empty == .responseDone(ResponseInfo(id: "r", status: .completed, usage: Usage())))
    }

    @Test func contentPartDoneWithoutPartOrWithAnEmptyPartDecodes() throws {
        let missing = try RealtimeCoding.decodeServerEvent(
            #"{"type":"response.content_part.done","response_id":"r","item_id":"i"}"#)
        #expect(
            missing
                == .responseContentPartDone(ContentPartEvent(reference: .init(responseID: "r", itemID: "i"), part: nil))
        )
        let empty = try RealtimeCoding.decodeServerEvent(
            #"{"type":"response.content_part.done","response_id":"r","item_id":"i","part":{}}"#)
        #expect(empty == missing)
    }

    @Test func missingIdentifiersDecodeAsEmpty() throws {
        #expect(
            try RealtimeCoding.decodeServerEvent(#"{"type":"conversation.item.deleted","item_id":""}"#)
                == .conversationItemDeleted(itemID: ""))
        #expect(
            try RealtimeCoding.decodeServerEvent(#"{"type":"response.output_audio.delta","delta":"AA=="}"#)
                == .responseOutputAudioDelta(ResponseDelta(reference: .init(responseID: "", itemID: ""), delta: "AA=="))
        )
    }

    @Test func statusDetailsMayBeAString() throws {
        let event = try RealtimeCoding.decodeServerEvent(
            #"{"type":"response.done","response":{"id":"r","object":"realtime.response","status":"incomplete","status_details":"unimplemented"}}"#
        )
        #expect(event == .responseDone(ResponseInfo(id: "r", status: .incomplete, statusDetails: "unimplemented")))
    }

    @Test func sessionUpdatedKeepsIdentityOutOfTheConfiguration() throws {
        let event = try RealtimeCoding.decodeServerEvent(
            #"{"type":"session.updated","session":{"id":"s","object":"realtime.session","voice":"leo","turn_detection":null}}"#
        )
        #expect(
            event
                == .sessionUpdated(
                    RealtimeSessionInfo(id: "s", configuration: .init(voice: "leo", turnDetection: .manual))))
    }

    @Test func responseIDIsExposedForFiltering() {
        let delta = ServerEvent.responseOutputAudioDelta(
            ResponseDelta(reference: .init(responseID: "resp_9", itemID: "i"), delta: ""))
        #expect(delta.responseID == "resp_9")
        #expect(ServerEvent.inputAudioBufferCleared.responseID == nil)
    }

    @Test func brokenServerTextThrows() {
        for text in ["", "{", "[1]", #"{"no":"type"}"#, #"{"type":"response.output_audio.delta"}"#] {
            #expect(throws: RealtimeCodingError.self, "\(text)") { try RealtimeCoding.decodeServerEvent(text) }
        }
    }
}

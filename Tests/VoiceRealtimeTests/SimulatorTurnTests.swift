import VoiceCore
import Foundation
import Testing
import VoiceProtocol
import VoiceSimulator

@Suite(.timeLimit(.minutes(5))) struct SimulatorTurnTests {
    @Test func sessionUpdatedEchoesTheEffectiveConfiguration() async throws {
        try await withSimulator { _, port in
            let client = try await connectClient(port: port)
            _ = await client.events { if case .conversationCreated = $0 { true } else { false } }
            client.send(
                .sessionUpdate(SessionConfiguration(instructions: "be brief", voice: "Rex", turnDetection: .manual)))
            guard case .sessionUpdated(let info)? = await client.nextEvent() else {
                Issue.record("no session.updated")
                return
            }
            #expect(info.configuration.voice == "Rex")
            #expect(info.configuration.instructions == "be brief")
            #expect(info.configuration.turnDetection == .manual)
            // Unset fields are filled with the effective defaults.
            #expect(info.configuration.effectiveOutputFormat == .pcm(rate: 24_000))
            client.send(.sessionUpdate(SessionConfiguration(voice: "ara")))
            guard case .sessionUpdated(let merged)? = await client.nextEvent() else {
                Issue.record("no second session.updated")
                return
            }
            #expect(merged.configuration.voice == "ara")
            #expect(merged.configuration.instructions == "be brief")
            await client.disconnect()
        }
    }

    @Test func manualTurnStreamsAReplyAsLongAsTheQuestion() async throws {
        try await withSimulator { simulator, port in
            let client = try await configuredClient(port: port, session: manualSession)
            appendInChunks(client, tone(seconds: 2.0))
            client.send(.inputAudioBufferCommit, eventID: "c_commit")
            let committed = await client.events {
                if case .inputAudioTranscriptionCompleted = $0 { true } else { false }
            }
            #expect(
                committed.map(\.typeName) == [
                    "input_audio_buffer.committed", "conversation.item.added",
                    "conversation.item.input_audio_transcription.completed",
                ])
            guard case .inputAudioTranscriptionCompleted(let transcription)? = committed.last else { return }
            #expect(transcription.transcript == "(2.0 s of speech)")

            client.send(.responseCreate(ResponseParameters(metadata: ["src": "ptt"])))
            let reply = await client.events(until: isResponseDone)
            let types = reply.map(\.typeName)
            #expect(
                Array(types.prefix(4)) == [
                    "response.created", "response.output_item.added", "conversation.item.added",
                    "response.content_part.added",
                ])
            #expect(
                Array(types.suffix(5)) == [
                    "response.output_audio.done", "response.output_audio_transcript.done", "response.content_part.done",
                    "response.output_item.done", "response.done",
                ])
            let samples = try AudioPayload.decodePCM16(AudioPayload.encodeBytes(try replyAudio(reply)))
            let seconds = Double(samples.count) / 24_000
            #expect(abs(seconds - 2.0) < 0.11, "reply lasts \(seconds) s")
            #expect(rms(samples) > 1_000, "reply is audible")
            let deltas = reply.compactMap { event -> String? in
                if case .responseOutputAudioTranscriptDelta(let delta) = event { return delta.delta }
                return nil
            }
            guard
                case .responseOutputAudioTranscriptDone(let done)? = reply.first(where: {
                    $0.typeName == "response.output_audio_transcript.done"
                })
            else { return }
            #expect(deltas.joined() == done.text)
            #expect(done.text.hasPrefix("I heard 2.0 seconds of speech."))
            #expect(done.text.hasSuffix("."), "the reply ends with a whole sentence: \(done.text)")
            guard case .responseDone(let response)? = reply.last else { return }
            #expect(response.status == .completed)
            #expect(response.metadata == ["src": "ptt"])
            #expect(response.usage?.totalTokens ?? 0 > 0)
            #expect(simulator.counters.responsesStarted == 1)
            #expect(simulator.receivedEvents(connection: 1).contains(.inputAudioBufferCommit))
            await client.disconnect()
        }
    }

    @Test func replyLengthIsClampedToTheMaximum() async throws {
        try await withSimulator(SimulatorConfiguration(maximumReplySeconds: 1.5)) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            appendInChunks(client, tone(seconds: 4.0))
            client.send(.inputAudioBufferCommit)
            client.send(.responseCreate())
            let reply = await client.events(until: isResponseDone)
            let bytes = try replyAudio(reply)
            #expect(bytes.count == 2 * 36_000)
            await client.disconnect()
        }
    }

    @Test func serverVADDetectsTheTurnAndAnswersOnItsOwn() async throws {
        try await withSimulator { _, port in
            let vad = SessionConfiguration(
                turnDetection: .serverVAD(.init(threshold: 0.5, silenceDurationMilliseconds: 400)))
            let client = try await configuredClient(port: port, session: vad)
            appendInChunks(client, silence(seconds: 0.5) + tone(seconds: 1.5) + silence(seconds: 0.8))
            let events = await client.events(until: isResponseDone)
            let types = events.map(\.typeName)
            // Required: the events are indexed below, and an index past the end would crash the whole run.
            try #require(
                Array(types.prefix(6)) == [
                    "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                    "input_audio_buffer.committed", "conversation.item.added",
                    "conversation.item.input_audio_transcription.completed", "response.created",
                ])
            guard case .speechStarted(let started) = events[0], case .speechStopped(let stopped) = events[1] else {
                return
            }
            // Speech starts at 500 ms; the reported start includes the 333 ms prefix padding.
            #expect(abs(started.audioStartMilliseconds - (500 - 333)) <= 20)
            #expect(abs(stopped.audioEndMilliseconds - 2_000) <= 20)
            guard case .responseCreated(let response) = events[5] else { return }
            #expect(response.metadata == nil)
            #expect(try replyAudio(events).count / 2 >= 24_000)
            await client.disconnect()
        }
    }

    @Test func quietAudioIsNotSpeech() async throws {
        try await withSimulator { simulator, port in
            let client = try await configuredClient(
                port: port, session: SessionConfiguration(turnDetection: .serverVAD(.init())))
            appendInChunks(client, tone(seconds: 1.0, amplitude: 100) + silence(seconds: 1.0))
            #expect(await simulator.waitUntil { $0.receivedEvents().count >= 21 })
            // Nothing should come back for quiet audio: the next event is the one we provoke.
            client.send(.inputAudioBufferClear)
            #expect(await client.nextEvent() == .inputAudioBufferCleared)
            await client.disconnect()
        }
    }

    @Test func textTurnIsAnswered() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.conversationItemCreate(item: .userText("what time is it")))
            guard case .conversationItemAdded(let added)? = await client.nextEvent() else {
                Issue.record("no conversation.item.added")
                return
            }
            #expect(added.item.role == .user)
            #expect(added.item.content == [.inputText("what time is it")])
            client.send(.responseCreate())
            let reply = await client.events(until: isResponseDone)
            let transcript = reply.compactMap { event -> String? in
                if case .responseOutputAudioTranscriptDone(let done) = event { return done.text }
                return nil
            }.first
            #expect(transcript?.hasPrefix("You wrote: what time is it.") == true)
            await client.disconnect()
        }
    }

    @Test func g711OutputIsEightKilohertzBytes() async throws {
        try await withSimulator { _, port in
            let session = SessionConfiguration(
                turnDetection: .manual, audio: AudioConfiguration(output: AudioOutput(format: .pcmu)))
            let client = try await configuredClient(port: port, session: session)
            appendInChunks(client, tone(seconds: 1.0))
            client.send(.inputAudioBufferCommit)
            client.send(.responseCreate())
            let reply = await client.events(until: isResponseDone)
            let chunks = reply.compactMap { event -> Int? in
                if case .responseOutputAudioDelta(let delta) = event {
                    return (try? AudioPayload.decodeBytes(delta.delta))?.count
                }
                return nil
            }
            #expect(chunks.first == 800)
            #expect(chunks.reduce(0, +) == 8_000)
            await client.disconnect()
        }
    }

    @Test func binaryOutputTransportSendsAudioAsBinaryFrames() async throws {
        try await withSimulator { _, port in
            let session = SessionConfiguration(
                turnDetection: .manual, audio: AudioConfiguration(output: AudioOutput(transport: .binary)))
            let client = try await configuredClient(port: port, session: session)
            appendInChunks(client, tone(seconds: 1.0))
            client.send(.inputAudioBufferCommit)
            client.send(.responseCreate())
            let frames = await client.frames { frame in
                guard case .text(let text) = frame else { return false }
                return (try? RealtimeCoding.decodeServerEvent(text)).map(isResponseDone) ?? false
            }
            let binaryBytes = frames.reduce(0) { total, frame in
                if case .binary(let bytes) = frame { return total + bytes.count }
                return total
            }
            #expect(binaryBytes == 48_000)
            let deltas = frames.filter { frame in
                guard case .text(let text) = frame else { return false }
                return text.contains("response.output_audio.delta")
            }
            #expect(deltas.isEmpty)
            await client.disconnect()
        }
    }

    @Test func pcmInputAt16kHzIsMeasuredAtThatRate() async throws {
        try await withSimulator { _, port in
            let session = SessionConfiguration(
                turnDetection: .manual,
                audio: AudioConfiguration(input: AudioInput(format: .pcm(rate: 16_000))))
            let client = try await configuredClient(port: port, session: session)
            appendInChunks(client, tone(seconds: 1.5, rate: 16_000), rate: 16_000)
            client.send(.inputAudioBufferCommit)
            let events = await client.events {
                if case .inputAudioTranscriptionCompleted = $0 { true } else { false }
            }
            guard case .inputAudioTranscriptionCompleted(let transcription)? = events.last else {
                Issue.record("no transcription in \(events)")
                return
            }
            #expect(transcription.transcript == "(1.5 s of speech)")
            await client.disconnect()
        }
    }

    @Test func cancelEndsTheResponseAsCancelled() async throws {
        let configuration = SimulatorConfiguration(pace: true, minimumReplySeconds: 4)
        try await withSimulator(configuration) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.conversationItemCreate(item: .userText("hello")))
            client.send(.responseCreate())
            let start = await client.events {
                if case .responseOutputAudioDelta = $0 { true } else { false }
            }
            guard case .responseCreated(let created)? = start.first(where: { $0.typeName == "response.created" })
            else {
                Issue.record("no response.created in \(start)")
                return
            }
            // A second response.create while one is active is an error (reference §3.3 D).
            client.send(.responseCreate(), eventID: "c_second")
            client.send(.responseCancel(responseID: created.id))
            let rest = await client.events(until: isResponseDone)
            let error = rest.compactMap(serverError).first
            #expect(error?.code == "conversation_already_has_active_response")
            #expect(error?.eventID == "c_second")
            guard case .responseDone(let done)? = rest.last else {
                Issue.record("no response.done in \(rest)")
                return
            }
            #expect(done.status == .cancelled)
            #expect(done.id == created.id)
            // Cancelling again: nothing is active.
            client.send(.responseCancel())
            #expect(serverError(await client.nextEvent())?.code == "response_cancel_not_active")
            await client.disconnect()
        }
    }

    @Test func truncateReportsTheTranscriptUpToTheCut() async throws {
        try await withSimulator(SimulatorConfiguration(minimumReplySeconds: 4)) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.conversationItemCreate(item: .userText("hi")))
            client.send(.responseCreate())
            let reply = await client.events(until: isResponseDone)
            guard case .responseDone(let done)? = reply.last, let item = done.output.first, let itemID = item.id,
                let full = item.transcript
            else {
                Issue.record("no reply item in \(reply)")
                return
            }
            client.send(.conversationItemTruncate(itemID: itemID, contentIndex: 0, audioEndMilliseconds: 2_000))
            guard case .conversationItemTruncated(let truncated)? = await client.nextEvent() else {
                Issue.record("no conversation.item.truncated")
                return
            }
            #expect(truncated.itemID == itemID)
            #expect(truncated.audioEndMilliseconds == 2_000)
            let kept = truncated.transcript ?? ""
            #expect(full.hasPrefix(kept))
            #expect(kept.split(separator: " ").count == full.split(separator: " ").count / 2)
            client.send(.conversationItemTruncate(itemID: "msg_999", contentIndex: 0, audioEndMilliseconds: 1))
            #expect(serverError(await client.nextEvent())?.code == "item_not_found")
            client.send(.conversationItemDelete(itemID: itemID))
            #expect(await client.nextEvent() == .conversationItemDeleted(itemID: itemID))
            await client.disconnect()
        }
    }

    @Test func forceMessageRunsItsOwnResponse() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.conversationItemCreate(item: .forceMessage("Timer set for five minutes.")))
            let reply = await client.events(until: isResponseDone)
            let transcript = reply.compactMap { event -> String? in
                if case .responseOutputAudioTranscriptDone(let done) = event { return done.text }
                return nil
            }
            #expect(transcript == ["Timer set for five minutes."])
            client.send(.responseCreate())
            #expect(serverError(await client.nextEvent())?.code == "response_after_force_message")
            await client.disconnect()
        }
    }

    @Test func scriptedFunctionCallsAndTheirOutputs() async throws {
        let script = FunctionCallScript(
            trigger: "timer", calls: [.init(name: "set_timer", arguments: #"{"seconds":300}"#)])
        try await withSimulator(SimulatorConfiguration(functionCalls: [script])) { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            client.send(.conversationItemCreate(item: .userText("set a Timer please")))
            _ = await client.nextEvent()
            client.send(.responseCreate())
            let calls = await client.events(until: isResponseDone)
            let done = calls.compactMap { event -> FunctionCallArgumentsDone? in
                if case .responseFunctionCallArgumentsDone(let done) = event { return done }
                return nil
            }
            #expect(done.count == 1)
            #expect(done.first?.name == "set_timer")
            #expect(done.first?.arguments == #"{"seconds":300}"#)
            let deltas = calls.compactMap { event -> String? in
                if case .responseFunctionCallArgumentsDelta(let delta) = event { return delta.delta }
                return nil
            }
            #expect(deltas.joined() == #"{"seconds":300}"#)
            #expect(try replyAudio(calls).isEmpty)
            let callID = try #require(done.first?.callID)

            client.send(.conversationItemCreate(item: .functionCallOutput(callID: "call_nope", output: "{}")))
            #expect(serverError(await client.nextEvent())?.code == "invalid_call_id")
            client.send(.conversationItemCreate(item: .functionCallOutput(callID: callID, output: #"{"ok":true}"#)))
            guard case .conversationItemAdded(let added)? = await client.nextEvent() else {
                Issue.record("function_call_output not added")
                return
            }
            #expect(added.item.type == .functionCallOutput)
            client.send(.responseCreate())
            let spoken = await client.events(until: isResponseDone)
            let transcript = spoken.compactMap { event -> String? in
                if case .responseOutputAudioTranscriptDone(let done) = event { return done.text }
                return nil
            }.first
            #expect(transcript?.hasPrefix(#"The set_timer call returned {"ok":true}."#) == true)
            await client.disconnect()
        }
    }

    @Test func pingEventsAreSentWhenConfiguredAndPongsCounted() async throws {
        try await withSimulator(SimulatorConfiguration(pingInterval: .milliseconds(50))) { simulator, port in
            let client = try await configuredClient(port: port, session: manualSession)
            let events = await client.events { if case .ping = $0 { true } else { false } }
            guard case .ping(let ping)? = events.last else {
                Issue.record("no ping in \(events)")
                return
            }
            #expect(ping.timestamp != nil)
            client.send(.pong(timestamp: ping.timestamp))
            #expect(await simulator.waitUntil { $0.counters.pongsReceived == 1 })
            await client.disconnect()
        }
    }

    @Test func binaryFramesAreInputAudio() async throws {
        try await withSimulator { _, port in
            let client = try await configuredClient(port: port, session: manualSession)
            let samples = tone(seconds: 0.5)
            client.sendBinary(try AudioPayload.decodeBytes(AudioPayload.encodePCM16(samples)))
            client.send(.inputAudioBufferCommit)
            let events = await client.events {
                if case .inputAudioTranscriptionCompleted = $0 { true } else { false }
            }
            guard case .inputAudioTranscriptionCompleted(let transcription)? = events.last else {
                Issue.record("no transcription in \(events)")
                return
            }
            #expect(transcription.transcript == "(0.5 s of speech)")
            await client.disconnect()
        }
    }
}

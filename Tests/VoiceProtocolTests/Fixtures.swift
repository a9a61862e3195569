import VoiceCore
import VoiceProtocol

/// One of every event, with every optional field set somewhere, for round-trip tests.
enum Fixtures {
    static let fullSession = SessionConfiguration(
        model: "grok-voice-think-fast-2.0",
        instructions: "You are a concise kitchen assistant.",
        voice: "eve",
        reasoning: Reasoning(effort: ReasoningEffort.none),
        turnDetection: .serverVAD(
            .init(
                threshold: 0.85, silenceDurationMilliseconds: 600, prefixPaddingMilliseconds: 333,
                idleTimeoutMilliseconds: 15_000)),
        audio: AudioConfiguration(
            input: AudioInput(
                format: .pcm(rate: 16_000), transport: .json,
                transcription: Transcription(languageHint: "en", keyterms: ["Grok"], model: "grok-transcribe")),
            output: AudioOutput(format: .pcmu, transport: .binary, speed: 1.25)),
        tools: [
            .function(
                FunctionTool(
                    name: "set_timer", description: "Start a kitchen timer",
                    parameters: [
                        "type": "object", "properties": ["seconds": ["type": "integer"]], "required": ["seconds"],
                    ])),
            .webSearch(
                WebSearchTool(
                    allowedDomains: ["example.org"], enableImageUnderstanding: true,
                    location: .init(country: "DE", city: "Berlin", region: "BE", timezone: "Europe/Berlin"))),
            .xSearch(
                XSearchTool(
                    excludedXHandles: ["spam"], fromDate: "2026-01-01", toDate: "2026-02-01",
                    enableImageUnderstanding: false, enableVideoUnderstanding: true)),
            .fileSearch(FileSearchTool(vectorStoreIDs: ["vs_1"], maxNumberOfResults: 5)),
            .mcp(
                MCPTool(
                    serverURL: "https://mcp.example.org", serverLabel: "home", serverDescription: "Home devices",
                    allowedTools: ["lights"], authorization: "token", headers: ["X-A": "b"])),
            .other(["type": "future_tool", "knob": 3]),
        ],
        resumption: Resumption(enabled: true),
        replace: ["Grok": "grock"],
        extraFields: ["temperature": 0.7]
    )

    static let clientEvents: [ClientEvent] = [
        .sessionUpdate(fullSession),
        .sessionUpdate(SessionConfiguration(voice: "ara", turnDetection: .manual)),
        .sessionUpdate(SessionConfiguration(audio: AudioConfiguration(output: AudioOutput(format: .pcma)))),
        .sessionUpdate(SessionConfiguration(audio: AudioConfiguration(input: AudioInput(format: .opus)))),
        .inputAudioBufferAppend(audio: AudioPayload.encodePCM16([0, 1, -1, .max, .min])),
        .inputAudioBufferCommit,
        .inputAudioBufferClear,
        .conversationItemCreate(item: .userText("Hi"), previousItemID: "msg_002"),
        .conversationItemCreate(item: .userAudio(base64: "AAAA")),
        .conversationItemCreate(item: .functionCallOutput(callID: "call_001", output: "{\"ok\":true}")),
        .conversationItemCreate(item: .functionCall(callID: "call_002", name: "set_timer", arguments: "{}")),
        .conversationItemCreate(item: .forceMessage("Timer set.", interruptible: false)),
        .conversationItemTruncate(itemID: "msg_004", contentIndex: 0, audioEndMilliseconds: 1500),
        .conversationItemDelete(itemID: "msg_003"),
        .responseCreate(nil),
        .responseCreate(
            ResponseParameters(
                instructions: "Answer in Spanish this turn.", modalities: ["text", "audio"],
                metadata: ["src": "ptt"])),
        .responseCancel(responseID: "resp_001"),
        .responseCancel(responseID: nil),
        .pong(timestamp: 1_790_000_000),
        .pong(timestamp: nil),
    ]

    static let reference = ResponseContentReference(
        responseID: "resp_001", itemID: "msg_004", outputIndex: 1, contentIndex: 2)
    static let assistantItem = ConversationItem(
        id: "msg_004", object: "realtime.item", type: .message, status: "in_progress", role: .assistant,
        content: [ContentPart(type: .audio, transcript: "Hello")])
    static let callItem = ConversationItem(
        id: "msg_009", object: "realtime.item", type: .functionCall, status: "completed", callID: "call_001",
        name: "set_timer", arguments: "{\"seconds\":300}")

    static let serverEvents: [ServerEvent] = [
        .sessionCreated(RealtimeSessionInfo(id: "sess_001", configuration: SessionConfiguration(model: "m"))),
        .sessionUpdated(RealtimeSessionInfo(id: "sess_001", configuration: fullSession)),
        .conversationCreated(ConversationInfo(id: "conv_001")),
        .speechStarted(SpeechStarted(itemID: "msg_003", audioStartMilliseconds: 120)),
        .speechStopped(SpeechStopped(itemID: "msg_003", audioEndMilliseconds: 2_400)),
        .inputAudioBufferCommitted(InputAudioCommitted(itemID: "msg_003", previousItemID: "msg_002")),
        .inputAudioBufferCommitted(InputAudioCommitted(itemID: "msg_003")),
        .inputAudioBufferCleared,
        .inputAudioBufferTimeoutTriggered(
            InputAudioTimeoutTriggered(
                itemID: "msg_005", previousItemID: "msg_004", audioStartMilliseconds: 0, audioEndMilliseconds: 5_000)),
        .dtmfEventReceived(DTMFEvent(event: "5", receivedAt: 1_790_000_000)),
        .conversationItemAdded(
            ConversationItemAdded(
                previousItemID: "msg_002",
                item: ConversationItem(
                    id: "msg_003", object: "realtime.item", type: .message, status: "completed", role: .user,
                    content: [ContentPart(type: .inputAudio, transcript: "set a timer")]))),
        .conversationItemCreated(ConversationItemAdded(item: callItem)),
        .conversationItemDeleted(itemID: "msg_003"),
        .conversationItemTruncated(
            ConversationItemTruncated(itemID: "msg_004", audioEndMilliseconds: 1500, transcript: "Hel")),
        .inputAudioTranscriptionCompleted(
            InputTranscription(itemID: "msg_003", contentIndex: 0, transcript: "set a timer", status: "completed")),
        .inputAudioTranscriptionUpdated(InputTranscription(itemID: "msg_003", transcript: "set a")),
        .responseCreated(ResponseInfo(id: "resp_001", status: .inProgress, metadata: ["src": "ptt"])),
        .responseDone(
            ResponseInfo(
                id: "resp_001", status: .completed, statusDetails: "unimplemented", output: [assistantItem],
                usage: Usage(inputTokens: 812, outputTokens: 64, totalTokens: 876))),
        .responseDone(ResponseInfo(id: "resp_002", status: .cancelled, statusDetails: ["reason": "turn_detected"])),
        .responseOutputItemAdded(OutputItemEvent(responseID: "resp_001", outputIndex: 0, item: assistantItem)),
        .responseOutputItemDone(OutputItemEvent(responseID: "resp_002", outputIndex: 1, item: callItem)),
        .responseContentPartAdded(ContentPartEvent(reference: reference, part: ContentPart(type: .audio))),
        .responseContentPartDone(ContentPartEvent(reference: reference, part: nil)),
        .responseOutputAudioDelta(ResponseDelta(reference: reference, delta: "AAEC/+8=")),
        .responseOutputAudioDone(reference),
        .responseOutputAudioTranscriptDelta(ResponseDelta(reference: reference, delta: "Hel")),
        .responseOutputAudioTranscriptDone(ResponseTextDone(reference: reference, text: "Hello")),
        .responseOutputTextDelta(ResponseDelta(reference: reference, delta: "Hi")),
        .responseOutputTextDone(ResponseTextDone(reference: reference, text: "Hi there")),
        .responseFunctionCallArgumentsDelta(
            FunctionCallArgumentsDelta(responseID: "resp_002", itemID: "msg_009", callID: "call_001", delta: "{\"se")),
        .responseFunctionCallArgumentsDone(
            FunctionCallArgumentsDone(
                responseID: "resp_002", itemID: "msg_009", callID: "call_001", name: "set_timer",
                arguments: "{\"seconds\":300}")),
        .mcp(MCPEvent(type: "response.mcp_call.failed", fields: ["error": ["type": "x", "message": "down"]])),
        .mcp(MCPEvent(type: "mcp_list_tools.completed", fields: ["item_id": "mcp_1"])),
        .error(
            ServerError(
                type: .invalidRequestError, code: "invalid_audio_format", message: "Audio format not supported",
                param: "audio", eventID: "client_17")),
        .error(ServerError(type: .maxDuration, code: "max_duration", message: "Session reached its limit")),
        .ping(Ping(timestamp: 1_790_000_000)),
        .ping(Ping(timestamp: nil)),
        .unknown(type: "rate_limits.updated"),
    ]
}

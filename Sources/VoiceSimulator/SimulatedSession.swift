import Foundation
import VoiceCore
import VoiceProtocol

/// The realtime protocol as the simulator serves it, for one connection: a pure state machine. Each input
/// (a client message, a timer) returns the outputs to write; the connection carries them out. Reply
/// streaming is pulled step by step with ``nextResponseStep()``, so a cancel or barge-in between two steps
/// stops the rest of the reply.
///
/// It is strict where the reference's mock checks ask (§6.2): `session.update` first, no audio before
/// `session.updated`, whole base64 PCM16 samples, `commit` only in manual mode, `function_call_output` only
/// for an open call, no second `response.create` while one is active or after a `force_message`, and no
/// session fields outside the §2 table.
struct SimulatedSession {
    /// What the connection must do.
    enum Output: Equatable, Sendable {
        case send(ServerEvent)
        /// Reply audio as a raw binary frame (`audio.output.transport: binary`).
        case sendBinary([UInt8])
        /// A text frame as it is (fault injection: malformed or oversized frames).
        case sendRaw(String)
        /// A response is ready to stream: pull it with ``nextResponseStep()``.
        case startResponse
        /// Send a close frame with this code, then close.
        case close(code: UInt16)
        /// Close the TCP connection with no close frame.
        case drop
        /// Send nothing more (events or pongs) but keep the socket open.
        case stall
    }

    /// One step of a streaming reply: what to send, and how much audio it carries (for 1x pacing).
    struct ResponseStep: Sendable {
        var outputs: [Output]
        var audioMilliseconds: Int
        /// Function calls whose arguments this step completes.
        var opensCalls: [String] = []
        /// Audio chunks in this step (to find `midResponse` fault points).
        var audioChunks: Int = 0
    }

    // MARK: - State

    private let configuration: SimulatorConfiguration
    let connection: Int
    private let model: String
    private let faults: [Fault]
    private var firedFaults: Set<Int> = []
    /// Set once a drop, close or stall went out: nothing else is produced.
    private(set) var isTerminated = false

    private(set) var effective: SessionConfiguration
    private(set) var isConfigured = false
    private var detector: SpeechDetector?
    private var bufferedSamples = 0
    private var speechItemID: String?
    private var speechStartMilliseconds = 0

    private var itemCounter = 0
    private var responseCounter = 0
    private var callCounter = 0
    private var items: [String: ItemRecord] = [:]
    private var itemOrder: [String] = []
    private var openCalls: [String: String] = [:]  // call_id → name
    private var pending = PendingTurn()
    private var lastClientItemWasForceMessage = false
    private var reservedToolConflict = false
    private var active: ActiveResponse?
    private(set) var pongsReceived = 0

    private struct ItemRecord {
        var role: Role?
        var transcript: String
        var audioMilliseconds: Int
    }

    /// What the next response answers.
    private struct PendingTurn {
        var questionSeconds: Double?
        var text: String?
        var functionCalls: [FunctionCallScript.Call] = []
        var toolOutputs: [(name: String, output: String)] = []
    }

    private struct ActiveResponse {
        var id: String
        var itemID: String?
        var steps: [ResponseStep]
        var nextStep = 0
        var audioChunksSent = 0
        var audioMillisecondsSent = 0
        var metadata: JSONValue?
        var transcriptWords: [String]
        var wordsSent = 0
        var totalAudioMilliseconds: Int
        var outputItems: [ConversationItem]
    }

    init(configuration: SimulatorConfiguration, connection: Int, model: String?) {
        self.configuration = configuration
        self.connection = connection
        self.model = model ?? configuration.defaultModel
        faults = configuration.faults(forConnection: connection)
        effective = SessionConfiguration(
            model: self.model,
            instructions: "",
            voice: "eve",
            reasoning: Reasoning(effort: .high),
            // Unset turn_detection is probably server_vad (reference §2 note 1).
            turnDetection: .serverVAD(
                .init(threshold: 0.85, silenceDurationMilliseconds: 500, prefixPaddingMilliseconds: 333)),
            audio: AudioConfiguration(
                input: AudioInput(format: .pcm(rate: AudioFormat.defaultRate), transport: .json),
                output: AudioOutput(format: .pcm(rate: AudioFormat.defaultRate), transport: .json, speed: 1.0)),
            tools: []
        )
        detector = Self.makeDetector(for: effective, configuration: configuration)
    }

    var sessionID: String { "sess_\(connection)" }
    var conversationID: String { "conv_\(connection)" }
    var hasActiveResponse: Bool { active != nil }

    // MARK: - Inputs

    /// The socket is open: greet (unless a fault says otherwise).
    mutating func open() -> [Output] {
        var outputs = fireFaults(at: .onConnect)
        guard !isTerminated else { return outputs }
        outputs.append(.send(.sessionCreated(RealtimeSessionInfo(id: sessionID, configuration: effective))))
        outputs.append(.send(.conversationCreated(ConversationInfo(id: conversationID))))
        return outputs
    }

    /// A text frame from the client.
    mutating func receive(text: String) -> [Output] {
        receive(Result { () throws(RealtimeCodingError) in try RealtimeCoding.decodeClientMessage(text) })
    }

    /// A text frame from the client, already decoded (the connection decodes once, for its log too).
    mutating func receive(_ decoded: Result<ClientMessage, RealtimeCodingError>) -> [Output] {
        guard !isTerminated else { return [] }
        switch decoded {
        case .success(let message): return handle(message.event, eventID: message.eventID)
        case .failure(let error): return [.send(.error(Self.error(for: error)))]
        }
    }

    /// A binary frame: raw input audio in the session's input format (the service accepts both, §3).
    mutating func receive(binary bytes: [UInt8]) -> [Output] {
        guard !isTerminated else { return [] }
        guard isConfigured else {
            return [.send(.error(Self.notConfigured(eventID: nil, what: "audio")))]
        }
        guard let samples = WireAudio.decode(bytes, as: effective.effectiveInputFormat) else {
            return [.send(.error(Self.oddAudio(byteCount: bytes.count, eventID: nil)))]
        }
        return appendSamples(samples)
    }

    /// The session reached its maximum duration (fault `sessionExpiry`).
    mutating func expire() -> [Output] {
        guard !isTerminated else { return [] }
        isTerminated = true
        return [
            .send(
                .error(
                    ServerError(
                        type: .maxDuration, code: "max_duration",
                        message: "The session reached its maximum duration. Start a new session."))),
            .close(code: 1000),
        ]
    }

    /// The keepalive timer fired.
    mutating func ping(timestamp: Int) -> [Output] {
        guard !isTerminated else { return [] }
        return [.send(.ping(Ping(timestamp: timestamp)))]
    }

    /// The next step of the active reply, or nil when there is none (finished, cancelled, or never started).
    mutating func nextResponseStep() -> ResponseStep? {
        guard !isTerminated, var response = active, response.nextStep < response.steps.count else { return nil }
        var step = response.steps[response.nextStep]
        response.nextStep += 1
        for callID in step.opensCalls {
            if let name = response.outputItems.first(where: { $0.callID == callID })?.name {
                openCalls[callID] = name
            }
        }
        let chunksBefore = response.audioChunksSent
        response.audioChunksSent += step.audioChunks
        response.audioMillisecondsSent += step.audioMilliseconds
        response.wordsSent += step.outputs.reduce(0) { count, output in
            if case .send(.responseOutputAudioTranscriptDelta(let delta)) = output {
                return count + delta.delta.split(separator: " ").count
            }
            return count
        }
        let finished = response.nextStep == response.steps.count
        active = finished ? nil : response
        if let itemID = response.itemID, var record = items[itemID] {
            record.audioMilliseconds = response.audioMillisecondsSent
            items[itemID] = record
        }
        for (index, fault) in faults.enumerated() where !firedFaults.contains(index) {
            guard case .midResponse(let after)? = fault.trigger, step.audioChunks > 0,
                chunksBefore < after, response.audioChunksSent >= after
            else { continue }
            firedFaults.insert(index)
            step.outputs += outputs(for: fault)
            if isTerminated { break }
        }
        return step
    }

    // MARK: - Client events

    private mutating func handle(_ event: ClientEvent, eventID: String?) -> [Output] {
        if case .pong = event {
            pongsReceived += 1
            return []
        }
        if !isConfigured {
            guard case .sessionUpdate = event else {
                return [.send(.error(Self.notConfigured(eventID: eventID, what: event.typeName)))]
            }
        }
        switch event {
        case .sessionUpdate(let update):
            return updateSession(update, eventID: eventID)
        case .inputAudioBufferAppend(let audio):
            return append(base64: audio, eventID: eventID)
        case .inputAudioBufferCommit:
            return commit(eventID: eventID)
        case .inputAudioBufferClear:
            bufferedSamples = 0
            detector?.reset()
            speechItemID = nil
            return [.send(.inputAudioBufferCleared)]
        case .conversationItemCreate(let item, let previousItemID):
            return createItem(item, previousItemID: previousItemID, eventID: eventID)
        case .conversationItemTruncate(let itemID, let contentIndex, let audioEnd):
            return truncate(
                itemID: itemID, contentIndex: contentIndex, audioEndMilliseconds: audioEnd, eventID: eventID)
        case .conversationItemDelete(let itemID):
            guard items.removeValue(forKey: itemID) != nil else {
                return [.send(.error(Self.itemNotFound(itemID, param: "item_id", eventID: eventID)))]
            }
            itemOrder.removeAll { $0 == itemID }
            return [.send(.conversationItemDeleted(itemID: itemID))]
        case .responseCreate(let parameters):
            return createResponse(parameters, eventID: eventID)
        case .responseCancel(let responseID):
            return cancel(responseID: responseID, eventID: eventID)
        case .pong:
            return []
        }
    }

    private mutating func updateSession(_ update: SessionConfiguration, eventID: String?) -> [Output] {
        if let problem = validate(update, eventID: eventID) {
            // A bad configuration gets an error and the old one stays (reference §2, Tools).
            return [.send(.error(problem))]
        }
        var merged = effective.merging(update)
        merged.model = model  // only `?model=` selects the model (reference §1)
        let formatChanged = merged.effectiveInputFormat != effective.effectiveInputFormat
        let detectionChanged = merged.turnDetection != effective.turnDetection
        effective = merged
        if formatChanged || detectionChanged {
            detector = Self.makeDetector(for: effective, configuration: configuration)
            speechItemID = nil
        }
        if let tools = update.tools { reservedToolConflict = Self.hasReservedNameConflict(tools) }
        let first = !isConfigured
        isConfigured = true
        var outputs: [Output] = [.send(.sessionUpdated(RealtimeSessionInfo(id: sessionID, configuration: effective)))]
        if first { outputs += fireFaults(at: .afterSessionUpdated) }
        return outputs
    }

    private mutating func append(base64: String, eventID: String?) -> [Output] {
        let bytes: [UInt8]
        do {
            bytes = try AudioPayload.decodeBytes(base64)
        } catch {
            return [
                .send(
                    .error(
                        ServerError(
                            type: .invalidRequestError, code: "invalid_audio",
                            message: "input_audio_buffer.append: the audio is not valid base64.", param: "audio",
                            eventID: eventID)))
            ]
        }
        guard let samples = WireAudio.decode(bytes, as: effective.effectiveInputFormat) else {
            return [.send(.error(Self.oddAudio(byteCount: bytes.count, eventID: eventID)))]
        }
        return appendSamples(samples)
    }

    private mutating func appendSamples(_ samples: [Int16]) -> [Output] {
        bufferedSamples += samples.count
        guard var detector else { return [] }
        let edges = detector.process(samples)
        self.detector = detector
        var outputs: [Output] = []
        for edge in edges {
            switch edge {
            case .started(let milliseconds):
                outputs += speechStarted(atMilliseconds: milliseconds)
            case .stopped(let milliseconds):
                outputs += speechStopped(atMilliseconds: milliseconds)
            }
        }
        return outputs
    }

    private mutating func speechStarted(atMilliseconds milliseconds: Int) -> [Output] {
        var outputs: [Output] = []
        if let response = active {
            // Barge-in: the service cancels its own response (reference §3.3 C).
            outputs += finishCancelled(response)
        }
        let itemID = nextItemID()
        speechItemID = itemID
        let padding =
            effective.turnDetection.flatMap { detection -> Int? in
                if case .serverVAD(let settings) = detection { return settings.prefixPaddingMilliseconds }
                return nil
            } ?? 333
        speechStartMilliseconds = milliseconds
        let started = ServerEvent.speechStarted(
            SpeechStarted(itemID: itemID, audioStartMilliseconds: max(0, milliseconds - padding)))
        outputs.append(.send(started))
        if faults.contains(.duplicateSpeechStarted) { outputs.append(.send(started)) }
        return outputs
    }

    private mutating func speechStopped(atMilliseconds milliseconds: Int) -> [Output] {
        let itemID = speechItemID ?? nextItemID()
        speechItemID = nil
        let seconds = Double(max(0, milliseconds - speechStartMilliseconds)) / 1000
        var outputs: [Output] = [
            .send(.speechStopped(SpeechStopped(itemID: itemID, audioEndMilliseconds: milliseconds)))
        ]
        outputs += commitUserAudio(itemID: itemID, seconds: seconds)
        outputs += startResponse(metadata: nil)
        return outputs
    }

    private mutating func commit(eventID: String?) -> [Output] {
        guard effective.turnDetection?.isManual == true else {
            return [
                .send(
                    .error(
                        ServerError(
                            type: .invalidRequestError, code: "invalid_turn_detection",
                            message:
                                "input_audio_buffer.commit is for manual turns; this session uses server_vad. "
                                + "Set turn_detection {\"type\":null} to commit yourself.",
                            eventID: eventID)))
            ]
        }
        let rate = effective.effectiveInputFormat.sampleRate
        let seconds = Double(bufferedSamples) / Double(max(1, rate))
        return commitUserAudio(itemID: nextItemID(), seconds: seconds)
    }

    /// `committed` → `conversation.item.added` (user) → transcription, and remembers the question.
    private mutating func commitUserAudio(itemID: String, seconds: Double) -> [Output] {
        bufferedSamples = 0
        let previous = itemOrder.last
        let transcript = String(format: "(%.1f s of speech)", seconds)
        let item = ConversationItem(
            id: itemID, object: "realtime.item", type: .message, status: "completed", role: .user,
            content: [ContentPart(type: .inputAudio, transcript: transcript)])
        record(itemID, ItemRecord(role: .user, transcript: transcript, audioMilliseconds: Int(seconds * 1000)))
        pending.questionSeconds = seconds
        pending.text = nil
        lastClientItemWasForceMessage = false
        var outputs: [Output] = [
            .send(.inputAudioBufferCommitted(InputAudioCommitted(itemID: itemID, previousItemID: previous))),
            .send(.conversationItemAdded(ConversationItemAdded(previousItemID: previous, item: item))),
        ]
        if effective.audio?.input?.transcription?.model == "grok-transcribe" {
            outputs.append(
                .send(.inputAudioTranscriptionUpdated(InputTranscription(itemID: itemID, transcript: transcript))))
        }
        outputs.append(
            .send(
                .inputAudioTranscriptionCompleted(
                    InputTranscription(itemID: itemID, contentIndex: 0, transcript: transcript))))
        return outputs
    }

    private mutating func createItem(
        _ item: ConversationItem, previousItemID: String?, eventID: String?
    ) -> [Output] {
        if let previousItemID, items[previousItemID] == nil {
            return [.send(.error(Self.itemNotFound(previousItemID, param: "previous_item_id", eventID: eventID)))]
        }
        var stored = item
        stored.id = item.id ?? nextItemID()
        stored.object = "realtime.item"
        stored.status = "completed"
        let itemID = stored.id ?? ""
        switch item.type {
        case .message:
            var seconds = 0.0
            for part in item.content ?? [] where part.type == .inputAudio {
                guard let audio = part.audio, let bytes = try? AudioPayload.decodeBytes(audio),
                    let samples = WireAudio.decode(bytes, as: effective.effectiveInputFormat)
                else {
                    return [
                        .send(
                            .error(
                                ServerError(
                                    type: .invalidRequestError, code: "invalid_audio",
                                    message: "conversation.item.create: input_audio must be base64 audio in the "
                                        + "session's input format.",
                                    param: "item.content", eventID: eventID)))
                    ]
                }
                seconds += Double(samples.count) / Double(effective.effectiveInputFormat.sampleRate)
            }
            let text = (item.content ?? []).compactMap(\.text).joined(separator: " ")
            if item.role == .user || item.role == nil {
                if !text.isEmpty {
                    pending.text = text
                    pending.questionSeconds = Double(text.split(separator: " ").count) * 0.4
                    let lowered = text.lowercased()
                    pending.functionCalls = configuration.functionCalls.filter {
                        lowered.contains($0.trigger.lowercased())
                    }.flatMap(\.calls)
                } else if seconds > 0 {
                    pending.questionSeconds = seconds
                    pending.text = nil
                }
            }
            record(itemID, ItemRecord(role: item.role, transcript: text, audioMilliseconds: Int(seconds * 1000)))
        case .functionCallOutput:
            guard let callID = item.callID, let name = openCalls.removeValue(forKey: callID) else {
                return [
                    .send(
                        .error(
                            ServerError(
                                type: .invalidRequestError, code: "invalid_call_id",
                                message: "function_call_output names call_id \"\(item.callID ?? "")\", which is "
                                    + "not an open function call of this session.",
                                param: "item.call_id", eventID: eventID)))
                ]
            }
            pending.toolOutputs.append((name, item.output ?? ""))
            record(itemID, ItemRecord(role: nil, transcript: item.output ?? "", audioMilliseconds: 0))
        case .functionCall:
            record(itemID, ItemRecord(role: nil, transcript: item.arguments ?? "", audioMilliseconds: 0))
        case .forceMessage:
            guard active == nil else { return [.send(.error(Self.alreadyActive(eventID: eventID)))] }
            let text = (item.content ?? []).compactMap { $0.text ?? $0.transcript }.joined(separator: " ")
            lastClientItemWasForceMessage = true
            let words = text.split(separator: " ").map(String.init)
            let seconds = max(0.5, Double(words.count) * 0.35)
            return beginSpokenResponse(words: words, seconds: seconds, metadata: nil)
        default:
            return [
                .send(
                    .error(
                        ServerError(
                            type: .invalidRequestError, code: "invalid_item_type",
                            message: "conversation.item.create: item type \"\(item.type)\" is not supported.",
                            param: "item.type", eventID: eventID)))
            ]
        }
        if item.type != .forceMessage { lastClientItemWasForceMessage = false }
        let previous = previousItemID ?? itemOrder.dropLast().last
        return [.send(.conversationItemAdded(ConversationItemAdded(previousItemID: previous, item: stored)))]
    }

    private mutating func truncate(
        itemID: String, contentIndex: Int, audioEndMilliseconds: Int, eventID: String?
    ) -> [Output] {
        guard let record = items[itemID] else {
            return [.send(.error(Self.itemNotFound(itemID, param: "item_id", eventID: eventID)))]
        }
        guard audioEndMilliseconds >= 0 else {
            return [
                .send(
                    .error(
                        ServerError(
                            type: .invalidRequestError, code: "invalid_value",
                            message: "conversation.item.truncate: audio_end_ms must not be negative.",
                            param: "audio_end_ms", eventID: eventID)))
            ]
        }
        let end = min(audioEndMilliseconds, record.audioMilliseconds)
        let words = record.transcript.split(separator: " ")
        let kept = record.audioMilliseconds > 0 ? words.count * end / record.audioMilliseconds : words.count
        let transcript = words.prefix(kept).joined(separator: " ")
        items[itemID]?.transcript = transcript
        items[itemID]?.audioMilliseconds = end
        return [
            .send(
                .conversationItemTruncated(
                    ConversationItemTruncated(
                        itemID: itemID, contentIndex: contentIndex, audioEndMilliseconds: end,
                        transcript: transcript)))
        ]
    }

    private mutating func createResponse(_ parameters: ResponseParameters?, eventID: String?) -> [Output] {
        guard active == nil else { return [.send(.error(Self.alreadyActive(eventID: eventID)))] }
        if lastClientItemWasForceMessage {
            return [
                .send(
                    .error(
                        ServerError(
                            type: .invalidRequestError, code: "response_after_force_message",
                            message: "A force_message runs its own response; do not send response.create after it.",
                            eventID: eventID)))
            ]
        }
        if reservedToolConflict {
            // A client function named like a built-in next to that built-in fails the first response
            // (reference §2, Reserved names).
            reservedToolConflict = false
            return [
                .send(
                    .error(
                        ServerError(
                            type: .internalError, code: "internal_error",
                            message: "The server had an error while processing your request.", eventID: eventID)))
            ]
        }
        let metadata = parameters?.metadata.map { JSONValue.object($0.mapValues(JSONValue.string)) }
        return startResponse(metadata: metadata)
    }

    private mutating func cancel(responseID: String?, eventID: String?) -> [Output] {
        guard let response = active, responseID == nil || responseID == response.id else {
            return [
                .send(
                    .error(
                        ServerError(
                            type: .invalidRequestError, code: "response_cancel_not_active",
                            message: "Cancellation failed: no active response found"
                                + (responseID.map { " with id \"\($0)\"" } ?? "") + ".",
                            eventID: eventID)))
            ]
        }
        return finishCancelled(response)
    }

    // MARK: - Responses

    /// Starts the reply the pending turn calls for.
    private mutating func startResponse(metadata: JSONValue?) -> [Output] {
        let turn = pending
        pending = PendingTurn()
        if !turn.functionCalls.isEmpty {
            return beginFunctionCallResponse(turn.functionCalls, metadata: metadata)
        }
        let text: String
        let questionSeconds = turn.questionSeconds ?? 0
        if !turn.toolOutputs.isEmpty {
            text = turn.toolOutputs.map { "The \($0.name) call returned \($0.output)." }.joined(separator: " ")
        } else if let typed = turn.text {
            text = "You wrote: \(typed)."
        } else {
            text = String(format: "I heard %.1f seconds of speech.", questionSeconds)
        }
        let seconds = min(
            configuration.maximumReplySeconds,
            max(configuration.minimumReplySeconds, questionSeconds * configuration.replySecondsPerQuestionSecond))
        var words = text.split(separator: " ").map(String.init)
        // About 2.5 words a second, like unhurried speech, in whole sentences: the transcript is what a demo shows.
        let target = max(words.count, Int(seconds * 2.5))
        var sentence = 0
        while words.count < target {
            words += Self.fillerSentences[sentence % Self.fillerSentences.count].split(separator: " ").map(String.init)
            sentence += 1
        }
        return beginSpokenResponse(words: words, seconds: seconds, metadata: metadata)
    }

    /// What a spoken reply goes on with until it lasts about as long as the question.
    static let fillerSentences = [
        "This is the simulator talking.", "Its reply lasts about as long as your question.",
        "No network, no key and no sound card were needed.",
    ]

    private mutating func beginSpokenResponse(words: [String], seconds: Double, metadata: JSONValue?) -> [Output] {
        let responseID = nextResponseID()
        let itemID = nextItemID()
        let previous = itemOrder.last
        let format = effective.effectiveOutputFormat
        let rate = format.sampleRate
        var synthesizer = SpeechSynthesizer(sampleRate: rate, seed: UInt64(connection) << 32 | UInt64(responseCounter))
        let samples = synthesizer.speak(seconds: seconds, words: words.count)
        let chunkSamples = max(1, rate * configuration.audioChunkMilliseconds / 1000)
        let chunkCount = (samples.count + chunkSamples - 1) / chunkSamples
        let reference = ResponseContentReference(responseID: responseID, itemID: itemID)
        let transcript = words.joined(separator: " ")
        let binary = effective.audio?.output?.transport == .binary
        let inProgress = ConversationItem(
            id: itemID, object: "realtime.item", type: .message, status: "in_progress", role: .assistant, content: [])
        let completed = ConversationItem(
            id: itemID, object: "realtime.item", type: .message, status: "completed", role: .assistant,
            content: [ContentPart(type: .audio, transcript: transcript)])
        record(itemID, ItemRecord(role: .assistant, transcript: transcript, audioMilliseconds: 0))

        var steps: [ResponseStep] = [
            ResponseStep(
                outputs: [
                    .send(.responseCreated(ResponseInfo(id: responseID, status: .inProgress, metadata: metadata))),
                    .send(.responseOutputItemAdded(OutputItemEvent(responseID: responseID, item: inProgress))),
                    .send(.conversationItemAdded(ConversationItemAdded(previousItemID: previous, item: inProgress))),
                    .send(
                        .responseContentPartAdded(
                            ContentPartEvent(reference: reference, part: ContentPart(type: .audio, transcript: "")))),
                ], audioMilliseconds: 0)
        ]
        for chunk in 0..<chunkCount {
            let slice = Array(samples[(chunk * chunkSamples)..<min(samples.count, (chunk + 1) * chunkSamples)])
            let bytes = WireAudio.encode(slice, as: format) ?? []
            var outputs: [Output] = [
                binary
                    ? .sendBinary(bytes)
                    : .send(
                        .responseOutputAudioDelta(
                            ResponseDelta(reference: reference, delta: AudioPayload.encodeBytes(bytes))))
            ]
            let firstWord = words.count * chunk / chunkCount
            let endWord = words.count * (chunk + 1) / chunkCount
            if firstWord < endWord {
                let text = (firstWord == 0 ? "" : " ") + words[firstWord..<endWord].joined(separator: " ")
                outputs.append(
                    .send(.responseOutputAudioTranscriptDelta(ResponseDelta(reference: reference, delta: text))))
            }
            steps.append(
                ResponseStep(
                    outputs: outputs, audioMilliseconds: slice.count * 1000 / max(1, rate), audioChunks: 1))
        }
        let usage = Usage(inputTokens: 40 + 10 * itemOrder.count, outputTokens: 2 * words.count + 20)
        steps.append(
            ResponseStep(
                outputs: [
                    .send(.responseOutputAudioDone(reference)),
                    .send(.responseOutputAudioTranscriptDone(ResponseTextDone(reference: reference, text: transcript))),
                    .send(
                        .responseContentPartDone(
                            ContentPartEvent(
                                reference: reference, part: ContentPart(type: .audio, transcript: transcript)))),
                    .send(.responseOutputItemDone(OutputItemEvent(responseID: responseID, item: completed))),
                    .send(
                        .responseDone(
                            ResponseInfo(
                                id: responseID, status: .completed, output: [completed],
                                usage: usage.withTotal, metadata: metadata))),
                ], audioMilliseconds: 0))
        active = ActiveResponse(
            id: responseID, itemID: itemID, steps: steps, metadata: metadata, transcriptWords: words,
            totalAudioMilliseconds: samples.count * 1000 / max(1, rate), outputItems: [completed])
        return [.startResponse]
    }

    private mutating func beginFunctionCallResponse(
        _ calls: [FunctionCallScript.Call], metadata: JSONValue?
    ) -> [Output] {
        let responseID = nextResponseID()
        var steps: [ResponseStep] = [
            ResponseStep(
                outputs: [
                    .send(.responseCreated(ResponseInfo(id: responseID, status: .inProgress, metadata: metadata)))
                ],
                audioMilliseconds: 0)
        ]
        var outputItems: [ConversationItem] = []
        for (index, call) in calls.enumerated() {
            let itemID = nextItemID()
            callCounter += 1
            let callID = String(format: "call_%03d", callCounter)
            let previous = itemOrder.last
            let inProgress = ConversationItem(
                id: itemID, object: "realtime.item", type: .functionCall, status: "in_progress", callID: callID,
                name: call.name, arguments: "")
            var done = inProgress
            done.status = "completed"
            done.arguments = call.arguments
            record(itemID, ItemRecord(role: nil, transcript: call.arguments, audioMilliseconds: 0))
            outputItems.append(done)
            let added = Output.send(
                .conversationItemAdded(ConversationItemAdded(previousItemID: previous, item: inProgress)))
            var outputs: [Output] = [
                .send(
                    .responseOutputItemAdded(
                        OutputItemEvent(responseID: responseID, outputIndex: index, item: inProgress))),
                added,
            ]
            if faults.contains(.duplicateFunctionCallItems) { outputs.append(added) }
            let split = call.arguments.index(
                call.arguments.startIndex, offsetBy: call.arguments.count / 2)
            for piece in [call.arguments[..<split], call.arguments[split...]] where !piece.isEmpty {
                outputs.append(
                    .send(
                        .responseFunctionCallArgumentsDelta(
                            FunctionCallArgumentsDelta(
                                responseID: responseID, itemID: itemID, outputIndex: index, callID: callID,
                                delta: String(piece)))))
            }
            outputs.append(
                .send(
                    .responseFunctionCallArgumentsDone(
                        FunctionCallArgumentsDone(
                            responseID: responseID, itemID: itemID, outputIndex: index, callID: callID,
                            name: call.name, arguments: call.arguments))))
            outputs.append(
                .send(.responseOutputItemDone(OutputItemEvent(responseID: responseID, outputIndex: index, item: done))))
            steps.append(ResponseStep(outputs: outputs, audioMilliseconds: 0, opensCalls: [callID]))
        }
        steps.append(
            ResponseStep(
                outputs: [
                    .send(
                        .responseDone(
                            ResponseInfo(
                                id: responseID, status: .completed, output: outputItems,
                                usage: Usage(inputTokens: 60, outputTokens: 12 * calls.count).withTotal,
                                metadata: metadata)))
                ], audioMilliseconds: 0))
        active = ActiveResponse(
            id: responseID, steps: steps, metadata: metadata, transcriptWords: [], totalAudioMilliseconds: 0,
            outputItems: outputItems)
        return [.startResponse]
    }

    /// Ends the active response as cancelled, keeping what was already sent.
    private mutating func finishCancelled(_ response: ActiveResponse) -> [Output] {
        active = nil
        var output: [ConversationItem] = []
        if let itemID = response.itemID {
            let spoken = response.transcriptWords.prefix(response.wordsSent).joined(separator: " ")
            items[itemID]?.transcript = spoken
            output = [
                ConversationItem(
                    id: itemID, object: "realtime.item", type: .message, status: "incomplete", role: .assistant,
                    content: [ContentPart(type: .audio, transcript: spoken)])
            ]
        }
        return [
            .send(
                .responseDone(
                    ResponseInfo(
                        id: response.id, status: .cancelled, statusDetails: ["type": "cancelled"], output: output,
                        usage: Usage(inputTokens: 40, outputTokens: 2 * response.wordsSent).withTotal,
                        metadata: response.metadata)))
        ]
    }

    // MARK: - Faults

    private mutating func fireFaults(at trigger: FaultTrigger) -> [Output] {
        var outputs: [Output] = []
        for (index, fault) in faults.enumerated() where fault.trigger == trigger && !firedFaults.contains(index) {
            firedFaults.insert(index)
            outputs += self.outputs(for: fault)
            if isTerminated { break }
        }
        return outputs
    }

    private mutating func outputs(for fault: Fault) -> [Output] {
        switch fault {
        case .drop:
            isTerminated = true
            return [.drop]
        case .close(let code, _):
            isTerminated = true
            return [.close(code: code)]
        case .stall:
            isTerminated = true
            return [.stall]
        case .malformedJSON:
            return [.sendRaw(#"{"type":"response.output_audio.delta","delta":"AAAA"#)]
        case .unknownEvent:
            return [
                .send(.unknown(type: "simulator.unknown_event")),
                .sendRaw(#"{"type":"response.future_feature","event_id":"e_future","payload":{"nested":[1,2,3]}}"#),
            ]
        case .oversizedFrame(let bytes, _):
            let prefix = #"{"type":"simulator.oversized","padding":""#
            let suffix = #""}"#
            let padding = String(repeating: "x", count: max(0, bytes - prefix.utf8.count - suffix.utf8.count))
            return [.sendRaw(prefix + padding + suffix)]
        case .error(let type, _):
            var outputs: [Output] = [
                .send(
                    .error(
                        ServerError(
                            type: type, code: type.rawValue, message: Self.faultMessage(for: type))))
            ]
            if type.endsSession {
                isTerminated = true
                outputs.append(.close(code: 1000))
            }
            return outputs
        case .refuseUpgrade, .slowTrickle, .sessionExpiry, .duplicateSpeechStarted, .duplicateFunctionCallItems:
            return []
        }
    }

    private static func faultMessage(for type: ServerErrorType) -> String {
        switch type {
        case .maxDuration: "The session reached its maximum duration. Start a new session."
        case .timeout: "The session timed out after inactivity."
        case .internalError: "The server had an error while processing your request."
        case .invalidEvent: "The server could not parse the last event."
        default: "The request was invalid."
        }
    }

    // MARK: - Validation

    private func validate(_ update: SessionConfiguration, eventID: String?) -> ServerError? {
        func invalid(_ param: String, _ message: String, code: String = "invalid_value") -> ServerError {
            ServerError(type: .invalidRequestError, code: code, message: message, param: param, eventID: eventID)
        }
        if let name = update.extraFields.keys.sorted().first {
            return invalid(
                "session.\(name)", "Unknown parameter 'session.\(name)': the realtime API does not support it.",
                code: "unknown_parameter")
        }
        if let voice = update.voice {
            let lowered = voice.lowercased()
            let known = configuration.knownVoices.map { $0.lowercased() }
            if !known.contains(lowered), !(lowered.hasPrefix("voice_") && lowered.count > 6) {
                return invalid(
                    "session.voice",
                    "Unknown voice '\(voice)'. Use one of \(configuration.knownVoices.joined(separator: ", ")) "
                        + "or a custom voice ID.")
            }
        }
        if case .serverVAD(let vad)? = update.turnDetection {
            if let threshold = vad.threshold, !(0.1...0.9).contains(threshold) {
                return invalid("session.turn_detection.threshold", "threshold must be between 0.1 and 0.9.")
            }
            if let silence = vad.silenceDurationMilliseconds, !(0...10_000).contains(silence) {
                return invalid(
                    "session.turn_detection.silence_duration_ms", "silence_duration_ms must be 0 to 10000.")
            }
            if let padding = vad.prefixPaddingMilliseconds, !(0...10_000).contains(padding) {
                return invalid("session.turn_detection.prefix_padding_ms", "prefix_padding_ms must be 0 to 10000.")
            }
        }
        for (direction, format) in [("input", update.audio?.input?.format), ("output", update.audio?.output?.format)] {
            guard let format else { continue }
            let param = "session.audio.\(direction).format"
            switch format {
            case .pcm(let rate) where !AudioFormat.supportedPCMRates.contains(rate):
                return invalid(
                    param,
                    "audio/pcm rate \(rate) is not supported; use one of "
                        + AudioFormat.supportedPCMRates.map(String.init).joined(separator: ", ") + ".",
                    code: "invalid_audio_format")
            case .opus:
                return invalid(param, "audio/opus is not supported by the simulator.", code: "invalid_audio_format")
            case .other(let type, _):
                return invalid(param, "Audio format '\(type)' is not supported.", code: "invalid_audio_format")
            case .pcm, .pcmu, .pcma:
                break
            }
        }
        if let speed = update.audio?.output?.speed, !(0.7...1.5).contains(speed) {
            return invalid("session.audio.output.speed", "speed must be between 0.7 and 1.5.")
        }
        if let keyterms = update.audio?.input?.transcription?.keyterms {
            if keyterms.count > 100 || keyterms.contains(where: { $0.count > 50 }) {
                return invalid(
                    "session.audio.input.transcription.keyterms", "keyterms: at most 100 terms of 50 characters.")
            }
        }
        for tool in update.tools ?? [] {
            if case .function(let function) = tool, function.name.isEmpty {
                return invalid("session.tools", "Every function tool needs a name.")
            }
        }
        return nil
    }

    private static func hasReservedNameConflict(_ tools: [Tool]) -> Bool {
        let reserved: [String: String] = [
            "web_search": "web_search", "browse_page": "web_search", "x_keyword_search": "x_search",
            "x_semantic_search": "x_search", "x_user_search": "x_search", "x_thread_fetch": "x_search",
            "file_search": "file_search", "collections_search": "file_search",
        ]
        let builtIns = Set(tools.map(\.typeName))
        return tools.contains { tool in
            guard case .function(let function) = tool, let builtIn = reserved[function.name] else { return false }
            return builtIns.contains(builtIn)
        }
    }

    // MARK: - Helpers

    private static func makeDetector(
        for session: SessionConfiguration, configuration: SimulatorConfiguration
    ) -> SpeechDetector? {
        guard case .serverVAD(let vad)? = session.turnDetection else { return nil }
        let threshold = vad.threshold ?? 0.85
        let level = configuration.speechLevelDBFS ?? (-52 + 30 * (threshold - 0.1))
        return SpeechDetector(
            levelDBFS: level, silenceMilliseconds: vad.silenceDurationMilliseconds ?? 500,
            sampleRate: session.effectiveInputFormat.sampleRate)
    }

    private mutating func nextItemID() -> String {
        itemCounter += 1
        return String(format: "msg_%03d", itemCounter)
    }

    private mutating func nextResponseID() -> String {
        responseCounter += 1
        return String(format: "resp_%03d", responseCounter)
    }

    private mutating func record(_ itemID: String, _ record: ItemRecord) {
        if items[itemID] == nil { itemOrder.append(itemID) }
        items[itemID] = record
    }

    private static func error(for error: RealtimeCodingError) -> ServerError {
        switch error {
        case .invalidJSON(let reason):
            ServerError(
                type: .invalidEvent, code: "invalid_json", message: "The message is not valid JSON: \(reason)")
        case .missingType:
            ServerError(type: .invalidEvent, code: "missing_type", message: "The event has no \"type\" field.")
        case .unknownEventType(let type, let eventID):
            ServerError(
                type: .invalidEvent, code: "unknown_event_type",
                message: "Unknown event type '\(type)'.", param: "type", eventID: eventID)
        case .invalidEvent(let type, let eventID, let reason):
            ServerError(
                type: .invalidRequestError, code: "invalid_event",
                message: "Invalid '\(type)' event: \(reason).", eventID: eventID)
        }
    }

    private static func notConfigured(eventID: String?, what: String) -> ServerError {
        ServerError(
            type: .invalidRequestError, code: "session_not_configured",
            message: "\(what) before session.updated: the first message must be session.update, and no audio may "
                + "be sent until session.updated arrives.",
            eventID: eventID)
    }

    private static func oddAudio(byteCount: Int, eventID: String?) -> ServerError {
        ServerError(
            type: .invalidRequestError, code: "invalid_audio",
            message: "The audio has \(byteCount) bytes, not a whole number of 16-bit samples.", param: "audio",
            eventID: eventID)
    }

    private static func itemNotFound(_ itemID: String, param: String, eventID: String?) -> ServerError {
        ServerError(
            type: .invalidRequestError, code: "item_not_found",
            message: "Item '\(itemID)' does not exist in this conversation.", param: param, eventID: eventID)
    }

    private static func alreadyActive(eventID: String?) -> ServerError {
        ServerError(
            type: .invalidRequestError, code: "conversation_already_has_active_response",
            message: "Conversation already has an active response.", eventID: eventID)
    }
}

extension Usage {
    fileprivate var withTotal: Usage {
        Usage(
            inputTokens: inputTokens, outputTokens: outputTokens, totalTokens: (inputTokens ?? 0) + (outputTokens ?? 0))
    }
}

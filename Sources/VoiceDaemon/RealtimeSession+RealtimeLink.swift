import VoiceCore
import VoiceProtocol
import VoiceRealtime

extension RealtimeSession: RealtimeLink {
    // appendAudio(_:), cancelResponse(), truncate(itemID:audioEndMilliseconds:), sendText(_:) and
    // reconnect() are the session's own methods.
    public func commitInput() { commit() }
    public func clearInput() { clear() }
    public func requestResponse() { createResponse() }
    public func changeVoice(_ voice: String) {
        // The coordinator only passes names VoiceCatalog accepted.
        try? updateVoice(voice)
    }
    public func connectionStatus() async -> ConnectionStatus { status() }
}

/// Translates what the session reports into what the coordinator consumes.
enum SessionEventTranslator {
    static func translate(_ event: RealtimeSessionEvent) -> [LinkEvent] {
        switch event {
        case .connection(let status):
            return [.connection(status)]
        case .audioDelta(let responseID, let itemID, let samples):
            return [.replyAudio(responseID: responseID, itemID: itemID, samples: samples)]
        case .inputUndeliverable(let reason):
            return [.turnUndeliverable(reason)]
        case .responseInterrupted(_, let reason):
            return [.error("the reply was interrupted: \(reason)")]
        case .server(let server):
            return translate(server)
        }
    }

    static func translate(_ event: ServerEvent) -> [LinkEvent] {
        switch event {
        case .speechStarted: return [.speechStarted]
        case .speechStopped: return [.speechStopped]
        case .inputAudioBufferCommitted: return [.inputCommitted]
        case .responseCreated(let info): return [.responseCreated(responseID: info.id)]
        case .responseDone(let info): return [.responseDone(responseID: info.id, status: info.status.rawValue)]
        case .responseOutputAudioTranscriptDelta(let delta):
            return [.replyTranscriptDelta(responseID: delta.responseID, text: delta.delta)]
        case .responseOutputAudioTranscriptDone(let done):
            return [.replyTranscriptDone(responseID: done.reference.responseID, text: done.text)]
        case .inputAudioTranscriptionCompleted(let transcription):
            return [.userTranscript(text: transcription.transcript, final: true)]
        case .inputAudioTranscriptionUpdated(let transcription):
            return [.userTranscript(text: transcription.transcript, final: false)]
        case .error(let error):
            return [.error("\(error.type.rawValue): \(error.message)")]
        case .unknown:
            return [.unknownEvent]
        default:
            return []
        }
    }
}

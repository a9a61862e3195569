import VoiceCore

/// What the coordinator needs from the realtime session. `RealtimeSession` conforms (see
/// `RealtimeSession+RealtimeLink.swift`); tests may substitute their own.
public protocol RealtimeLink: Sendable {
    /// Mic audio at the session rate. Buffered by the session until it is ready.
    ///
    /// Synchronous, and must not block: the audio loop calls it once per chunk from the coordinator's
    /// isolation, and an `async` requirement would cost that loop an executor switch (and back) per chunk.
    func appendAudio(_ samples: [Int16])
    // The conversation's commands are synchronous and must not block either (the session queues them): the
    // coordinator applies an input to its state machine and carries out the actions without a suspension
    // point, so no other call on the coordinator (a control `cancel`, a press) can run between an input and
    // its actions and find the audio loop's buffers or the state half-updated (actor reentrancy).
    func commitInput()
    func clearInput()
    func requestResponse()
    func cancelResponse()
    func truncate(itemID: String, audioEndMilliseconds: Int)
    func sendText(_ text: String)
    /// Synchronous for the same reason: while a voice change was awaited, a second one (another control client,
    /// a SIGHUP reload, the model's `set_voice`) ran to the end on the coordinator, and the first then reached
    /// the session last, which kept a voice that status and the state file did not show.
    func changeVoice(_ voice: String)
    func reconnect() async
    func connectionStatus() async -> ConnectionStatus
}

/// Session events, as the coordinator consumes them.
public enum LinkEvent: Sendable {
    case connection(ConnectionStatus)
    case speechStarted
    case speechStopped
    case inputCommitted
    case responseCreated(responseID: String)
    case replyAudio(responseID: String, itemID: String, samples: [Int16])
    case replyTranscriptDelta(responseID: String, text: String)
    case replyTranscriptDone(responseID: String, text: String)
    case userTranscript(text: String, final: Bool)
    case responseDone(responseID: String, status: String)
    /// An `error` event from the service, or a local session problem worth showing.
    case error(String)
    /// Mic audio of a turn could not be delivered (offline too long).
    case turnUndeliverable(String)
    case unknownEvent
}

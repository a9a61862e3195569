import VoiceCore
import VoiceProtocol

/// What the realtime session tells its owner (the daemon's coordinator), in order.
public enum RealtimeSessionEvent: Sendable, Equatable {
    /// The connection's status changed (state, attempts, last error, next attempt).
    case connection(ConnectionStatus)
    /// A server event, except: audio deltas (delivered decoded as ``audioDelta(responseID:itemID:samples:)``),
    /// `ping` (answered here), unknown types (counted), and duplicates the service is known to send
    /// (a second `speech_started` for the same item, a repeated function-call item or arguments `.done`).
    case server(ServerEvent)
    /// Reply audio, decoded to Int16 at the session's output rate (G.711 already expanded). Deltas of a
    /// response that was cancelled (locally or by a barge-in) are dropped and never appear here.
    case audioDelta(responseID: String, itemID: String, samples: [Int16])
    /// User input (mic audio, a commit, a text turn) queued while the session was not ready could not be
    /// delivered: the daemon plays the error earcon and shows `reason` in status.
    case inputUndeliverable(reason: String)
    /// The connection ended while a reply was expected or playing: that reply will not arrive.
    case responseInterrupted(responseID: String?, reason: String)
}

/// Counters the session keeps; the daemon copies them into `DaemonStatus.counters`.
public struct RealtimeSessionStatistics: Sendable, Equatable {
    /// `input_audio_buffer.append` events sent.
    public var audioChunksSent = 0
    /// Mic samples sent.
    public var audioSamplesSent = 0
    /// Reply audio deltas delivered.
    public var audioDeltasReceived = 0
    /// Reply audio deltas dropped because their response was cancelled.
    public var cancelledDeltasDropped = 0
    /// Server events of a type this client does not model.
    public var unknownServerEvents = 0
    /// Messages that were not valid events (malformed JSON, missing fields).
    public var malformedServerMessages = 0
    /// Duplicate events suppressed (speech_started, function-call items).
    public var duplicateServerEvents = 0
    /// `error` events.
    public var serverErrors = 0
    /// Connections that became ready after the first.
    public var reconnects = 0
    /// Rotations (before the session limit, or after `max_duration` / `timeout`).
    public var rotations = 0
    /// Mic samples dropped because the pre-connect buffer was full or input could not be delivered.
    public var droppedInputSamples = 0
    /// Server `ping` events answered with `pong`.
    public var pingsAnswered = 0

    public init() {}
}

/// The status snapshot: what `voicectl status` shows and `voicectl status --json` prints.
///
/// Every field has a default so that older clients decode newer daemons and the other way round;
/// new fields are added, never renamed.
public struct DaemonStatus: Sendable, Codable, Equatable {
    public var version: String = ""
    public var state: VoiceState = .idle
    public var voice: String = VoiceCatalog.defaultVoice
    public var muted: Bool = false
    public var volumePercent: Int = 80
    public var connection: ConnectionStatus = .init()
    public var audio: AudioStatus = .init()
    public var button: ButtonStatus = .init()
    public var counters: Counters = .init()
    public var latency: LatencyStatus = .init()
    public var lastUserTranscript: String?
    public var lastReplyTranscript: String?
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double = 0

    public init() {}
}

/// The words a connection error uses for a failed name lookup ("DNS lookup of api.x.ai failed: …", "timed out after
/// 10 s: no answer to the DNS lookup of api.x.ai"), so that `voicectl doctor` can point at the nameserver.
public enum NameLookupProblem {
    public static let marker = "DNS lookup of"
}

public struct ConnectionStatus: Sendable, Codable, Equatable {
    public var state: ConnectionState = .disconnected
    public var endpoint: String = ""
    public var model: String = ""
    public var attempts: Int = 0
    public var lastError: String?
    /// When backing off: milliseconds until the next attempt, as of the snapshot.
    public var nextAttemptInMilliseconds: Int?
    public var sessionID: String?
    public init() {}
}

public struct AudioStatus: Sendable, Codable, Equatable {
    public var captureDevice: String = ""
    public var playbackDevice: String = ""
    /// "running", "stopped", "audio device lost", ...
    public var state: String = "stopped"
    public var captureRate: Int = 0
    public var playbackRate: Int = 0
    public var sessionRate: Int = 24_000
    public var micLevelDBFS: Double = -120
    /// The loudest 10 ms the microphone delivered in the last turn it listened to (not while muted), dBFS; -120 when
    /// every sample was zero; nil until a turn was heard. `voicectl doctor` reads a dead or far too quiet capture
    /// from it.
    public var lastTurnMicPeakDBFS: Double?
    public var lastError: String?
    public init() {}
}

public struct ButtonStatus: Sendable, Codable, Equatable {
    /// "ready", "unavailable", "disabled".
    public var state: String = "disabled"
    public var reason: String?
    public init() {}
}

public struct Counters: Sendable, Codable, Equatable {
    public var turns: Int = 0
    public var presses: Int = 0
    public var bargeIns: Int = 0
    public var captureXruns: Int = 0
    public var playbackXruns: Int = 0
    public var captureDroppedSamples: Int = 0
    public var playbackUnderruns: Int = 0
    public var audioChunksSent: Int = 0
    public var audioDeltasReceived: Int = 0
    public var unknownServerEvents: Int = 0
    public var serverErrors: Int = 0
    public var reconnects: Int = 0
    public init() {}
}

/// Latency probes, in milliseconds; nil until measured.
public struct LatencyStatus: Sendable, Codable, Equatable {
    /// Mic frame captured → its audio sent on the socket.
    public var captureToSendMs: Double?
    /// First reply audio received → the engine reports it played (written, and past the device's
    /// output delay). Includes the jitter pre-buffer wait.
    public var receiveToPlaybackMs: Double?
    /// First reply audio received → written to ALSA (`snd_pcm_writei`). Includes the pre-buffer wait.
    public var receiveToWriteMs: Double?
    /// First reply audio received → the jitter pre-buffer let it play (`audio.playback_prebuffer_ms`
    /// of audio queued, or the first audio waited that long; 0 when audio was already playing).
    public var prebufferWaitMs: Double?
    /// The local processing latency of playback: the pre-buffer let the first reply audio play →
    /// written to ALSA (`receiveToWriteMs − prebufferWaitMs`). Target: at most one period.
    public var playableToWriteMs: Double?
    /// End of the user's speech (or commit) → first reply audio played.
    public var endOfSpeechToFirstAudioMs: Double?
    /// Near-end speech onset → playback stopped and cancel sent.
    public var bargeInReactionMs: Double?
    public init() {}
}

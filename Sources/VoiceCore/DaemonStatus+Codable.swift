// Wire form of the status snapshot: snake_case keys, and decoding that tolerates missing keys (each
// takes its default) so that an older voicectl reads a newer daemon and the other way round.
// A property added to a status struct must get a key here too (VoiceControlTests checks that every
// property is encoded).

extension DaemonStatus {
    enum CodingKeys: String, CodingKey {
        case version, state, voice, muted, connection, audio, button, counters, latency
        case volumePercent = "volume_percent"
        case lastUserTranscript = "last_user_transcript"
        case lastReplyTranscript = "last_reply_transcript"
        case uptimeSeconds = "uptime_seconds"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(String.self, forKey: .version) ?? version
        state = try container.decodeIfPresent(VoiceState.self, forKey: .state) ?? state
        voice = try container.decodeIfPresent(String.self, forKey: .voice) ?? voice
        muted = try container.decodeIfPresent(Bool.self, forKey: .muted) ?? muted
        volumePercent = try container.decodeIfPresent(Int.self, forKey: .volumePercent) ?? volumePercent
        connection = try container.decodeIfPresent(ConnectionStatus.self, forKey: .connection) ?? connection
        audio = try container.decodeIfPresent(AudioStatus.self, forKey: .audio) ?? audio
        button = try container.decodeIfPresent(ButtonStatus.self, forKey: .button) ?? button
        counters = try container.decodeIfPresent(Counters.self, forKey: .counters) ?? counters
        latency = try container.decodeIfPresent(LatencyStatus.self, forKey: .latency) ?? latency
        lastUserTranscript = try container.decodeIfPresent(String.self, forKey: .lastUserTranscript)
        lastReplyTranscript = try container.decodeIfPresent(String.self, forKey: .lastReplyTranscript)
        uptimeSeconds = try container.decodeIfPresent(Double.self, forKey: .uptimeSeconds) ?? uptimeSeconds
    }
}

extension ConnectionStatus {
    enum CodingKeys: String, CodingKey {
        case state, endpoint, model, attempts
        case lastError = "last_error"
        case nextAttemptInMilliseconds = "next_attempt_in_ms"
        case sessionID = "session_id"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        state = try container.decodeIfPresent(ConnectionState.self, forKey: .state) ?? state
        endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint) ?? endpoint
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? model
        attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? attempts
        lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
        nextAttemptInMilliseconds = try container.decodeIfPresent(Int.self, forKey: .nextAttemptInMilliseconds)
        sessionID = try container.decodeIfPresent(String.self, forKey: .sessionID)
    }
}

extension AudioStatus {
    enum CodingKeys: String, CodingKey {
        case state
        case captureDevice = "capture_device"
        case playbackDevice = "playback_device"
        case captureRate = "capture_rate"
        case playbackRate = "playback_rate"
        case sessionRate = "session_rate"
        case micLevelDBFS = "mic_level_dbfs"
        case lastTurnMicPeakDBFS = "last_turn_mic_peak_dbfs"
        case lastError = "last_error"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        captureDevice = try container.decodeIfPresent(String.self, forKey: .captureDevice) ?? captureDevice
        playbackDevice = try container.decodeIfPresent(String.self, forKey: .playbackDevice) ?? playbackDevice
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? state
        captureRate = try container.decodeIfPresent(Int.self, forKey: .captureRate) ?? captureRate
        playbackRate = try container.decodeIfPresent(Int.self, forKey: .playbackRate) ?? playbackRate
        sessionRate = try container.decodeIfPresent(Int.self, forKey: .sessionRate) ?? sessionRate
        micLevelDBFS = try container.decodeIfPresent(Double.self, forKey: .micLevelDBFS) ?? micLevelDBFS
        lastTurnMicPeakDBFS = try container.decodeIfPresent(Double.self, forKey: .lastTurnMicPeakDBFS)
        lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
    }
}

extension ButtonStatus {
    enum CodingKeys: String, CodingKey {
        case state, reason
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        state = try container.decodeIfPresent(String.self, forKey: .state) ?? state
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
    }
}

extension Counters {
    enum CodingKeys: String, CodingKey {
        case turns, presses, reconnects
        case bargeIns = "barge_ins"
        case captureXruns = "capture_xruns"
        case playbackXruns = "playback_xruns"
        case captureDroppedSamples = "capture_dropped_samples"
        case playbackUnderruns = "playback_underruns"
        case audioChunksSent = "audio_chunks_sent"
        case audioDeltasReceived = "audio_deltas_received"
        case unknownServerEvents = "unknown_server_events"
        case serverErrors = "server_errors"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func count(_ key: CodingKeys) throws -> Int { try container.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        turns = try count(.turns)
        presses = try count(.presses)
        bargeIns = try count(.bargeIns)
        captureXruns = try count(.captureXruns)
        playbackXruns = try count(.playbackXruns)
        captureDroppedSamples = try count(.captureDroppedSamples)
        playbackUnderruns = try count(.playbackUnderruns)
        audioChunksSent = try count(.audioChunksSent)
        audioDeltasReceived = try count(.audioDeltasReceived)
        unknownServerEvents = try count(.unknownServerEvents)
        serverErrors = try count(.serverErrors)
        reconnects = try count(.reconnects)
    }
}

extension LatencyStatus {
    enum CodingKeys: String, CodingKey {
        case captureToSendMs = "capture_to_send_ms"
        case receiveToPlaybackMs = "receive_to_playback_ms"
        case receiveToWriteMs = "receive_to_write_ms"
        case prebufferWaitMs = "prebuffer_wait_ms"
        case playableToWriteMs = "playable_to_write_ms"
        case endOfSpeechToFirstAudioMs = "end_of_speech_to_first_audio_ms"
        case bargeInReactionMs = "barge_in_reaction_ms"
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        captureToSendMs = try container.decodeIfPresent(Double.self, forKey: .captureToSendMs)
        receiveToPlaybackMs = try container.decodeIfPresent(Double.self, forKey: .receiveToPlaybackMs)
        receiveToWriteMs = try container.decodeIfPresent(Double.self, forKey: .receiveToWriteMs)
        prebufferWaitMs = try container.decodeIfPresent(Double.self, forKey: .prebufferWaitMs)
        playableToWriteMs = try container.decodeIfPresent(Double.self, forKey: .playableToWriteMs)
        endOfSpeechToFirstAudioMs = try container.decodeIfPresent(Double.self, forKey: .endOfSpeechToFirstAudioMs)
        bargeInReactionMs = try container.decodeIfPresent(Double.self, forKey: .bargeInReactionMs)
    }
}

import Logging
import Synchronization
import VoiceControl
import VoiceCore
import VoiceDSP

/// The brain of the daemon: owns the conversation state machine and carries out its actions.
///
/// Inputs arrive from the button and the control socket (method calls), from the realtime session
/// (`handle(_:)`), and from the audio tick (`audioTick()`), which drains the capture ring in 10 ms
/// frames through the VAD/echo gate and feeds reply audio to the playback ring. Being an actor, it
/// processes one input at a time; the real-time audio threads never wait for it.
public actor DaemonCoordinator {
    public struct Settings: Sendable {
        public var conversation: ConversationSettings
        public var voice: String
        /// Mic audio goes up in chunks of this many milliseconds (the reference advises about 100).
        public var chunkMilliseconds: Int = 100
        public var playbackRingSeconds: Int = 4
        /// How often the idle daemon runs its audio loop (bookkeeping only: idle needs no audio).
        public var idleTickInterval: Duration = .seconds(1)
        /// Blocks (of `chunkMilliseconds`) a recording may queue for a slow client before it drops
        /// (`voicectl record`): 3 s, about 60 KB a second at 24 kHz.
        public var recordingQueueBlocks: Int = 30
        /// The silence the service's VAD waits for before it ends a turn (`realtime.turn_detection`), milliseconds.
        public var serviceTurnSilenceMilliseconds: Int = 600

        public init(conversation: ConversationSettings = .init(), voice: String = VoiceCatalog.defaultVoice) {
            self.conversation = conversation
            self.voice = voice
        }
    }

    public typealias EarconRenderer = @Sendable (Earcon, Int) -> [Int16]

    private let settings: Settings
    private let engine: any AudioEngine
    private let link: any RealtimeLink
    private var detector: any SpeechDetecting
    /// A detector built from reloaded listening settings, waiting for the conversation to be idle: a turn's speech
    /// and echo state live in the detector it started with.
    private var detectorWaitingForIdle: (any SpeechDetecting)?
    private let status: StatusBox
    private let events: EventHub<ControlEvent>
    private let now: @Sendable () -> Duration
    private let renderEarcon: EarconRenderer
    private let logger: Logger

    private var machine: ConversationStateMachine
    private let sampleRate: Int
    private let frameLength: Int

    // Capture side.
    /// Mic audio read from the ring, and the reference played at the same time; the first
    /// `pendingCount` samples are not yet processed (fewer than a frame between ticks).
    private var captureScratch: [Int16]
    private var referenceScratch: [Int16]
    private var pendingCount = 0
    /// The newest mic audio (`bargeInPreRollMs`): the first words of a barge-in, sent with it.
    private var preRoll: SampleHistory
    private var isStreaming = false
    /// Silence goes up in place of the microphone until streaming stops (`streamSilence`: the user ended a turn the
    /// service's VAD must end).
    private var streamsSilence = false
    /// One frame of silence, what `streamsSilence` sends.
    private let silentFrame: [Int16]
    private var outgoing: [Int16] = []
    /// When the newest sample in `outgoing` was captured (estimated at the ring read): the latency probe's start.
    private var outgoingNewestCapturedAt: Duration?
    private let chunkLength: Int
    private var muted = false
    /// What the engine was last told (`AudioEngine.setCaptureNeeded`): the microphone is needed
    /// whenever the daemon is not idle.
    private var captureNeeded = true
    /// Whether the conversation itself needs the microphone (not idle), whatever a recording needs.
    private var captureNeededForTurns = false
    /// Reference and capture closer than this in time are aligned by count (jitter), further apart
    /// the reference is shifted (a stream restarted after a gap).
    private let alignmentTolerance: Int
    private var lastLevel: Double = -120
    /// The loudest frame heard (not muted) since the conversation last entered `listening`, and whether any was heard:
    /// published as `lastTurnMicPeakDBFS` when it leaves.
    private var listeningPeakDBFS = -120.0
    private var listeningFramesHeard = false
    /// A recording for a control client (`voicectl record`): it observes the frames, changes nothing.
    private var recording: RecordingTap?
    /// Samples at the front of what is pending and in the capture ring that were heard while idle, kept on
    /// only for the recording: the turn that just began must not hear them (without a recording, the
    /// ring is discarded when the microphone is needed again).
    private var heardForRecordingOnly = 0

    // Playback side.
    private var playbackBacklog: [[Int16]] = []
    private var replyStartFrame: Int?
    private var firstReplyAudioReceivedAt: Duration?
    /// The engine watches the first reply sample through its pre-buffer to the device
    /// (`AudioEngine.watchPlayback`) until its report is read.
    private var playbackWatchPending = false
    private var endOfSpeechAt: Duration?
    /// Set while the coordinator acts on a frame on which the VAD heard the user stop: the capture time of that
    /// frame, which becomes the end of the user's speech if the turn ends on it (a held button keeps it open).
    private var speechEndHeardAt: Duration?
    /// The last `AudioEngine.setCaptureLookPoint`.
    private var captureLookPoint: Int?
    private var lastLevelPublishedAt: Duration = .zero
    /// The connection left `ready` straight for a new attempt (a session rotation, `voicectl reconnect`, a drop
    /// retried at once): the offline earcon waits for that attempt, so a reconnect that succeeds is silent.
    private var offlineEarconDeferred = false
    /// The user stopped a reply (a press or cancel while it was coming or playing) and asked nothing since (no turn,
    /// no typed question): the follow-up of that reply's function calls, which waited for its playback to end,
    /// must not start talking.
    private var replyStoppedByUser = false

    public init(
        settings: Settings,
        engine: any AudioEngine,
        link: any RealtimeLink,
        detector: any SpeechDetecting,
        status: StatusBox,
        events: EventHub<ControlEvent>,
        now: @escaping @Sendable () -> Duration,
        renderEarcon: @escaping EarconRenderer,
        logger: Logger
    ) {
        self.settings = settings
        self.engine = engine
        self.link = link
        self.detector = detector
        self.status = status
        self.events = events
        self.now = now
        self.renderEarcon = renderEarcon
        self.logger = logger
        var machineConfiguration = settings.conversation.machineConfiguration
        // Under the service's VAD a turn the user ended waits for the service to hear its silence, and then for the
        // commit to come back.
        machineConfiguration.serverTurnEndWait = .milliseconds(settings.serviceTurnSilenceMilliseconds + 2_500)
        machine = ConversationStateMachine(configuration: machineConfiguration)
        sampleRate = engine.sessionRate
        frameLength = engine.sessionRate / 100
        chunkLength = engine.sessionRate * settings.chunkMilliseconds / 1000
        preRoll = SampleHistory(capacity: engine.sessionRate * settings.conversation.bargeInPreRollMs / 1000)
        // One second per tick at most, plus the unprocessed rest of the previous one.
        captureScratch = [Int16](repeating: 0, count: engine.sessionRate + frameLength)
        silentFrame = [Int16](repeating: 0, count: frameLength)
        referenceScratch = [Int16](repeating: 0, count: engine.sessionRate + frameLength)
        alignmentTolerance = engine.sessionRate / 50
        status.update { $0.voice = settings.voice }
        // The daemon starts idle: the engine may keep the microphone paused until a turn.
        captureNeeded = false
        engine.setCaptureNeeded(false)
    }

    /// When the audio loop should run `audioTick()` again.
    public struct AudioWake: Sendable, Equatable {
        /// Run once the capture ring holds this many samples (0: audio does not matter now).
        public var captureSamples: Int
        /// ...or after this long at the latest.
        public var timeout: Duration
        /// The state the tick left the conversation in.
        public var state: VoiceState
    }

    /// The tick plan for the current state: idle needs no audio (a long timer for the bookkeeping);
    /// a turn being spoken runs once per outgoing chunk, the moment its audio is captured, or sooner for
    /// the frame that would end the turn if the silence so far holds; while a
    /// reply can be interrupted, every captured period is checked for a barge-in at once.
    public var nextWake: AudioWake {
        switch machine.state {
        case .idle where recording != nil:
            // A recording needs its audio drained and handed on per block, turn or no turn.
            return AudioWake(
                captureSamples: chunkLength, timeout: .milliseconds(2 * settings.chunkMilliseconds), state: .idle)
        case .idle:
            return AudioWake(captureSamples: 0, timeout: settings.idleTickInterval, state: .idle)
        case .listening:
            var missing = chunkLength - outgoing.count - pendingCount
            if let untilTurnEnd = samplesUntilTurnEndsInSilence {
                // The frame that would end the turn, if the silence holds: checked when it arrives.
                missing = min(missing, untilTurnEnd)
            }
            return AudioWake(
                captureSamples: max(frameLength, missing), timeout: .milliseconds(2 * settings.chunkMilliseconds),
                state: .listening
            )
        case .thinking, .speaking:
            return AudioWake(captureSamples: frameLength, timeout: .milliseconds(50), state: machine.state)
        }
    }

    /// Set by the control server's subscriptions: level events cost a wake-up of every event
    /// consumer ten times a second, so they are published only while someone wants them.
    public nonisolated let levelEventsWanted = Atomic<Bool>(true)

    public var state: VoiceState { machine.state }

    // MARK: - Inputs: the user

    /// A tap of the button. While the microphone is muted, a tap that would start a turn is refused with the error
    /// earcon (the turn would hear nothing and be cancelled eight seconds later); one that stops a reply stops it.
    /// Returns the refusal, if any.
    @discardableResult
    public func press() async -> ControlError? {
        status.update { $0.counters.presses += 1 }
        if muted && machine.state == .idle { return refuseTurnWhileMuted() }
        noteUserStop()
        perform(machine.press(now: now()))
        return nil
    }

    /// The start of a hold (push-to-talk). While the microphone is muted the hold stops a reply under way but starts
    /// no turn. Returns the refusal, if any.
    @discardableResult
    public func holdStarted() async -> ControlError? {
        status.update { $0.counters.presses += 1 }
        if muted && machine.state != .listening {
            if machine.state != .idle {
                noteUserStop()
                perform(machine.cancel())
            }
            return refuseTurnWhileMuted()
        }
        perform(machine.holdStarted(now: now()))
        return nil
    }

    private func refuseTurnWhileMuted() -> ControlError {
        let message = "the microphone is muted: `voicectl unmute` (or the mute button) first, then press again"
        play(.error)
        events.publish(.error(message: message))
        logger.notice("press refused: \(message)")
        return ControlError(.unavailable, message)
    }

    public func release() async { perform(machine.released(now: now())) }

    public func cancel() async {
        noteUserStop()
        perform(machine.cancel())
    }

    private func noteUserStop() {
        if machine.state == .thinking || machine.state == .speaking { replyStoppedByUser = true }
    }

    public func say(_ text: String) async { perform(machine.say(text)) }

    public func setMuted(_ value: Bool) {
        muted = value
        status.update { $0.muted = value }
        publishSettings()
    }

    /// Mutes when unmuted and unmutes when muted, as one step on the coordinator (the button's toggle: a
    /// `voicectl mute` at the same moment cannot make it toggle the wrong way). Returns whether muted now.
    public func toggleMuted() -> Bool {
        setMuted(!muted)
        return muted
    }

    public func setVoice(_ voice: String) {
        status.update { $0.voice = voice }
        link.changeVoice(voice)
        publishSettings()
    }

    /// Listens with `replacement` from now on if the conversation is idle, else from the end of the turn.
    /// (`voicectl reload` after tuning the `listening:` keys.)
    public func replaceSpeechDetector(_ replacement: any SpeechDetecting) {
        detectorWaitingForIdle = replacement
        adoptWaitingDetectorIfIdle()
    }

    private func adoptWaitingDetectorIfIdle() {
        guard machine.state == .idle, let replacement = detectorWaitingForIdle else { return }
        detector = replacement
        detectorWaitingForIdle = nil
    }

    public func setVolume(percent: Int) {
        let clamped = max(0, min(100, percent))
        engine.setVolume(percent: clamped)
        status.update { $0.volumePercent = clamped }
        publishSettings()
    }

    /// Moves the volume `step` points from where it is now, as one step on the coordinator (two clients
    /// turning it up at once both count). Returns the volume set.
    public func changeVolume(by step: Int) -> Int {
        setVolume(percent: status.snapshot().volumePercent + step)
        return status.snapshot().volumePercent
    }

    public func reconnect() async { await link.reconnect() }

    // MARK: - Inputs: recordings

    /// Starts recording what the pipeline hears (mono at the session rate, after the device
    /// conversion; the mute's silence while muted) and the reference aligned with it, for `seconds`.
    /// Keeps the microphone on meanwhile, even when idle. One recording at a time.
    public func startRecording(seconds: Int) -> Result<RecordingFeed, ControlError> {
        if let current = recording, !current.channel.isCancelled {
            let left = (current.totalSamples - current.taken + sampleRate - 1) / sampleRate
            return .failure(
                ControlError(
                    .busy, "a recording is already running (one at a time); it ends in \(left) s at most"))
        }
        guard !muted else {
            return .failure(
                ControlError(
                    .unavailable,
                    "the microphone is muted: `voicectl unmute` first, or nothing but silence would be recorded"))
        }
        guard (1...RecordingLimits.maximumSeconds).contains(seconds) else {
            return .failure(
                ControlError(
                    .invalidArgument,
                    "record: seconds must be from 1 to \(RecordingLimits.maximumSeconds), got \(seconds)"))
        }
        recording?.finish(reason: .cancelled)
        let info = RecordingInfo(sampleRate: sampleRate, seconds: seconds, blockSamples: chunkLength)
        let channel = RecordingChannel(totalSamples: info.samples, queueBlocks: settings.recordingQueueBlocks)
        recording = RecordingTap(channel: channel, totalSamples: info.samples, blockSamples: chunkLength)
        updateCaptureNeeded()
        return .success(
            RecordingFeed(
                info: info, blocks: channel.blocks, summary: { channel.summary }, cancel: { channel.cancel() }))
    }

    private func endRecording(reason: RecordingEndReason) {
        recording?.finish(reason: reason)
        if let tap = recording, tap.lostSamples > 0 {
            logger.notice(
                "recording ended: \(tap.lostSamples * 1000 / sampleRate) ms were dropped (the client was too slow)")
        }
        recording = nil
        updateCaptureNeeded()
    }

    /// Asks for the response that answers the model's function calls, and expects it (it is played). One step:
    /// requested by the tools' task after this returned, a press or hold in between cancelled a response that
    /// did not exist yet, and the request then went out after the cancel.
    ///
    /// Only when the conversation takes it (idle, or a follow-up window nobody spoke in): while the user speaks
    /// a new turn, or another reply is already coming (`voicectl say` during the calls), a `response.create`
    /// would answer over the user (with server turn detection, end the user's turn) or collide with the
    /// response in progress. The calls' outputs are in the conversation either way, for the next reply.
    public func requestFollowUpReply() {
        guard !replyStoppedByUser else {
            replyStoppedByUser = false
            logger.info("tool follow-up not requested: the user stopped the reply")
            return
        }
        let actions = machine.expectReply()
        perform(actions)
        guard actions.contains(.enteredState(.thinking)) else {
            logger.info("tool follow-up not requested: the conversation moved on (\(machine.state.rawValue))")
            return
        }
        link.requestResponse()
    }

    private func publishSettings() {
        let current = status.snapshot()
        events.publish(
            .settings(SettingsEvent(voice: current.voice, volumePercent: current.volumePercent, muted: current.muted)))
    }

    /// Plays an earcon outside a turn (connected, offline, error).
    public func play(_ earcon: Earcon) { queuePlayback(renderEarcon(earcon, sampleRate)) }

    /// The offline earcon, once per time offline: at once when the session waits to retry or was refused,
    /// deferred while a new attempt is already under way, never for a deliberate disconnect (idle policy, stop).
    private func announceOffline(_ state: ConnectionState) {
        switch state {
        case .connecting:
            offlineEarconDeferred = true
        case .backingOff, .authFailed:
            offlineEarconDeferred = false
            play(.offline)
        case .disconnected, .ready:
            offlineEarconDeferred = false
        }
    }

    // MARK: - Inputs: the session

    public func handle(_ event: LinkEvent) async {
        let time = now()
        switch event {
        case .connection(let connection):
            let previous = status.snapshot().connection.state
            status.update {
                $0.connection = connection
                if connection.state == .ready && previous != .ready && $0.connection.attempts > 1 {
                    $0.counters.reconnects += 1
                }
            }
            events.publish(.connection(connection))
            if connection.state == .ready, previous != .ready {
                offlineEarconDeferred = false
                perform(machine.sessionBecameReady())
            } else if connection.state != .ready, previous == .ready {
                perform(machine.sessionLost(reason: connection.lastError ?? connection.state.rawValue))
                announceOffline(connection.state)
            } else if offlineEarconDeferred, connection.state != .connecting {
                announceOffline(connection.state)
            }
            if connection.state == .authFailed, previous != .authFailed { play(.error) }
        case .speechStarted:
            perform(machine.serverSpeechStarted(now: time))
        case .speechStopped:
            if machine.state == .listening { endOfSpeechAt = time }
        case .inputCommitted:
            perform(machine.serverCommittedInput())
        case .responseCreated(let responseID):
            perform(machine.responseCreated(responseID: responseID))
        case .replyAudio(let responseID, let itemID, let samples):
            status.update { $0.counters.audioDeltasReceived += 1 }
            let actions = machine.replyAudioReceived(responseID: responseID, itemID: itemID)
            if actions.contains(.playReplyAudio) {
                if replyStartFrame == nil {
                    replyStartFrame = engine.playedFrames + engine.playbackRing.availableToRead + backlogLength
                    firstReplyAudioReceivedAt = time
                    // Watched from now, before it is queued: the engine's report starts at receipt.
                    engine.watchPlayback(position: engine.playbackRing.writePosition + backlogLength)
                    playbackWatchPending = true
                }
                queuePlayback(samples)
            }
            perform(actions.filter { $0 != .playReplyAudio })
        case .replyTranscriptDelta:
            break
        case .replyTranscriptDone(_, let text):
            status.update { $0.lastReplyTranscript = text }
            events.publish(.transcript(TranscriptEvent(role: .assistant, text: text, isFinal: true)))
        case .userTranscript(let text, let isFinal):
            if isFinal { status.update { $0.lastUserTranscript = text } }
            events.publish(.transcript(TranscriptEvent(role: .user, text: text, isFinal: isFinal)))
        case .responseDone(let responseID, let responseStatus):
            perform(
                machine.responseDone(responseID: responseID, status: responseStatus, playbackIdle: isPlaybackDrained))
        case .error(let message):
            status.update {
                $0.counters.serverErrors += 1
                $0.connection.lastError = message
            }
            events.publish(.error(message: message))
            logger.warning("realtime session: \(message)")
        case .turnUndeliverable(let reason):
            perform(machine.turnUndeliverable(reason: reason))
        case .unknownEvent:
            status.update { $0.counters.unknownServerEvents += 1 }
        }
    }

    // MARK: - The audio tick

    /// Drains the capture ring through the detector, streams mic audio, feeds playback and checks
    /// the time limits. The daemon runs it per `nextWake`, which it returns.
    @discardableResult
    public func audioTick() -> AudioWake {
        inAudioTick = true
        defer { inAudioTick = false }
        if detectorWaitingForIdle != nil { adoptWaitingDetectorIfIdle() }
        if let tap = recording, tap.channel.isCancelled { endRecording(reason: .cancelled) }
        feedPlaybackRing()
        let ring = engine.captureRing
        let room = captureScratch.count - pendingCount
        if ring.availableToRead > 0, room > 0 {
            let captureStart = ring.readPosition
            let offset = pendingCount
            let read = captureScratch.withUnsafeMutableBufferPointer { buffer in
                ring.read(into: UnsafeMutableBufferPointer(rebasing: buffer[offset..<offset + room]))
            }
            readReference(count: read, captureStart: captureStart, at: offset)
            if muted {
                for index in offset..<offset + read { captureScratch[index] = 0 }
            }
            pendingCount += read
            processPendingFrames(readAt: now())
            if let tap = recording, tap.isComplete { endRecording(reason: .complete) }
        }
        let time = now()
        if machine.state == .speaking, let start = replyStartFrame, firstReplyAudioReceivedAt != nil,
            engine.playedFrames > start
        {
            recordFirstAudioPlayed(at: time)
        }
        if playbackWatchPending, let report = engine.playbackWatchReport() { recordFirstAudioWritten(report) }
        if isPlaybackDrained, machine.state == .speaking {
            perform(machine.playbackDrained(now: time))
        }
        perform(machine.tick(now: time))
        updateCaptureLookPoint()
        if machine.state != .idle, time - lastLevelPublishedAt >= .milliseconds(100) {
            lastLevelPublishedAt = time
            let level = lastLevel
            status.update { $0.audio.micLevelDBFS = level }
            if levelEventsWanted.load(ordering: .relaxed) { events.publish(.level(micDBFS: level)) }
        }
        return nextWake
    }

    /// Capture samples still to read before the frame that would end the user's turn, if the silence so far holds.
    private var samplesUntilTurnEndsInSilence: Int? {
        detector.framesUntilTurnEndsInSilence.map { $0 * frameLength - pendingCount }
    }

    /// Tells the engine where in the capture ring the frame that would end the user's turn lies, if the silence so far
    /// holds: an engine reading a chunk per wake-up chooses its next batch before this loop arms its next wait, so it
    /// needs to know a chunk ahead to stop there (see `nextWake`).
    private func updateCaptureLookPoint() {
        var lookPoint: Int?
        if machine.state == .listening, let untilTurnEnd = samplesUntilTurnEndsInSilence {
            lookPoint = engine.captureRing.readPosition + untilTurnEnd
        }
        guard lookPoint != captureLookPoint else { return }
        captureLookPoint = lookPoint
        engine.setCaptureLookPoint(lookPoint)
    }

    /// Fills `referenceScratch[offset..<offset + count]` with what the speaker played while the
    /// `count` capture samples from ring position `captureStart` were heard: silence where it
    /// played nothing (playback stopped, or not yet started).
    private func readReference(count: Int, captureStart: Int, at offset: Int) {
        let ring = engine.referenceRing
        var lead = 0
        if let captureOrigin = engine.captureOrigin, let referenceOrigin = engine.referenceOrigin {
            // Both streams are stamped in samples of the engine's clock: compare their oldest unread samples.
            let difference = (referenceOrigin + ring.readPosition) - (captureOrigin + captureStart)
            if difference < -alignmentTolerance {
                discardReference(min(-difference, ring.availableToRead))  // played before this audio was heard
            } else if difference > alignmentTolerance {
                lead = min(difference, count)  // the speaker was silent (stopped) before it
            }
        } else if ring.availableToRead > count + sampleRate {
            // No timing from the engine: keep the reference aligned by count, dropping what ran ahead.
            discardReference(ring.availableToRead - count)
        }
        referenceScratch.withUnsafeMutableBufferPointer { buffer in
            UnsafeMutableBufferPointer(rebasing: buffer[offset..<offset + lead]).update(repeating: 0)
            let got = ring.read(into: UnsafeMutableBufferPointer(rebasing: buffer[offset + lead..<offset + count]))
            UnsafeMutableBufferPointer(rebasing: buffer[offset + lead + got..<offset + count]).update(repeating: 0)
        }
    }

    private func discardReference(_ count: Int) {
        var remaining = count
        let ring = engine.referenceRing
        let scratchStart = pendingCount
        while remaining > 0 {
            // The scratch past the pending samples is free until the reference is read into it.
            let got = referenceScratch.withUnsafeMutableBufferPointer { buffer in
                let end = min(buffer.count, scratchStart + remaining)
                return ring.read(into: UnsafeMutableBufferPointer(rebasing: buffer[scratchStart..<end]))
            }
            guard got > 0 else { return }
            remaining -= got
        }
    }

    private func processPendingFrames(readAt readTime: Duration) {
        var offset = 0
        while pendingCount - offset >= frameLength {
            // When this frame's last sample was captured, given that the newest one just arrived.
            let samplesAfter = pendingCount - (offset + frameLength)
            let frameCapturedAt = readTime - .nanoseconds(samplesAfter * 1_000_000_000 / sampleRate)
            let range = offset..<offset + frameLength
            if recording != nil {
                captureScratch.withUnsafeBufferPointer { capture in
                    referenceScratch.withUnsafeBufferPointer { reference in
                        recording?.append(
                            mic: UnsafeBufferPointer(rebasing: capture[range]),
                            played: UnsafeBufferPointer(rebasing: reference[range]), muted: muted)
                    }
                }
            }
            // Heard only because a recording kept the microphone on: while idle the daemon itself does not
            // listen (its microphone would be paused), and a turn starts from the moment it began.
            if (recording != nil && machine.state == .idle) || heardForRecordingOnly > 0 {
                heardForRecordingOnly = max(0, heardForRecordingOnly - frameLength)
                offset += frameLength
                continue
            }
            let decision = captureScratch.withUnsafeBufferPointer { capture in
                referenceScratch.withUnsafeBufferPointer { reference in
                    let frame = UnsafeBufferPointer(rebasing: capture[range])
                    let played = UnsafeBufferPointer(rebasing: reference[range])
                    return muted
                        ? detector.process(mutedFrame: frame, reference: played)
                        : detector.process(frame: frame, reference: played)
                }
            }
            lastLevel = decision.levelDBFS
            if machine.state == .listening && !muted {
                listeningPeakDBFS = max(listeningPeakDBFS, decision.levelDBFS)
                listeningFramesHeard = true
            }
            let frameTime = now()
            // The frame counts before any action it triggers: a barge-in's pre-roll includes it.
            captureScratch.withUnsafeBufferPointer { preRoll.append(UnsafeBufferPointer(rebasing: $0[range])) }
            if isStreaming {
                if streamsSilence {
                    stream(silentFrame[...], capturedAt: frameCapturedAt)
                } else {
                    stream(captureScratch[range], capturedAt: frameCapturedAt)
                }
            }
            if decision.bargeIn {
                if machine.state == .listening {
                    // Speech over our own sound (an earcon) while listening is simply the user talking.
                    perform(machine.localSpeechStarted(now: frameTime))
                } else {
                    lastBargeInFrameTime = frameCapturedAt
                    perform(machine.bargeIn(now: frameTime))
                }
            }
            if decision.speechStarted { perform(machine.localSpeechStarted(now: frameTime)) }
            if decision.speechEnded {
                // Stamped when the deciding frame was heard, not when it was looked at: the wait for the
                // audio loop's wake-up is part of the latency the probe reports.
                speechEndHeardAt = frameCapturedAt
                perform(machine.localSpeechEnded(now: frameTime))
                speechEndHeardAt = nil
            }
            offset += frameLength
        }
        // Keep the unprocessed rest (less than a frame) at the front for the next tick.
        let rest = pendingCount - offset
        if rest > 0, offset > 0 {
            for index in 0..<rest {
                captureScratch[index] = captureScratch[offset + index]
                referenceScratch[index] = referenceScratch[offset + index]
            }
        }
        pendingCount = rest
    }

    /// The microphone is needed outside idle, and while a recording runs.
    private func updateCaptureNeeded() {
        setCaptureNeeded(captureNeededForTurns || recording != nil)
    }

    /// Tells the engine whether the microphone is needed. Coming out of idle, what the ring still
    /// holds from before is stale (a paused microphone's last period): a turn starts from now.
    private func setCaptureNeeded(_ needed: Bool) {
        guard needed != captureNeeded else { return }
        captureNeeded = needed
        if needed {
            engine.captureRing.discardAll()
            pendingCount = 0
        }
        engine.setCaptureNeeded(needed)
    }

    /// Synchronous, like everything the audio tick does per frame: an `await` here would cost the audio loop
    /// an executor check (and with a task executor preference, a lock) per 10 ms frame.
    private func stream(_ samples: ArraySlice<Int16>, capturedAt: Duration? = nil) {
        outgoing.append(contentsOf: samples)
        if let capturedAt { outgoingNewestCapturedAt = capturedAt }
        if outgoing.count >= chunkLength { flushOutgoing() }
    }

    private func flushOutgoing() {
        guard !outgoing.isEmpty else { return }
        let chunk = outgoing
        outgoing.removeAll(keepingCapacity: true)
        link.appendAudio(chunk)
        // Captured → handed to the session, which encodes and writes it to the socket at once.
        let sendDelay = outgoingNewestCapturedAt.map { Self.milliseconds(now() - $0) }
        outgoingNewestCapturedAt = nil
        status.update {
            $0.counters.audioChunksSent += 1
            if let sendDelay { $0.latency.captureToSendMs = sendDelay }
        }
    }

    // MARK: - Actions

    private func perform(_ actions: [ConversationStateMachine.Action]) {
        for action in actions {
            switch action {
            case .startStreaming(let preRoll):
                replyStoppedByUser = false
                isStreaming = true
                streamsSilence = false
                outgoing.removeAll(keepingCapacity: true)
                // A barge-in's speech is already under way in the detector: keep it, so its end
                // ends the new turn. A press starts from a clean slate.
                if !preRoll { detector.resetTurn() }
                endOfSpeechAt = nil
                setCaptureNeeded(true)
                if preRoll { stream(self.preRoll.ordered()[...]) }
            case .stopStreaming:
                flushOutgoing()
                isStreaming = false
                streamsSilence = false
            case .streamSilence:
                // What the microphone heard up to here goes as it was; from the next frame on, silence.
                streamsSilence = true
            case .commitInput:
                // The turn ends here: on the frame the VAD ended it, or now (a release, a tap, the time limit). A
                // silence the VAD heard earlier while the button was held did not end it: the reply could not
                // start before the release, so the wait the user is owed is counted from the release.
                endOfSpeechAt = speechEndHeardAt ?? now()
                link.commitInput()
            case .clearInput:
                link.clearInput()
            case .createResponse:
                link.requestResponse()
            case .cancelResponse:
                link.cancelResponse()
            case .truncatePlayed(let itemID):
                link.truncate(
                    itemID: itemID, audioEndMilliseconds: playedBeforeFlushMilliseconds ?? playedReplyMilliseconds)
                playedBeforeFlushMilliseconds = nil
            case .flushPlayback:
                // Truncation comes after the flush and must report what was heard before it.
                playedBeforeFlushMilliseconds = playedReplyMilliseconds
                playbackBacklog.removeAll()
                engine.flushPlayback()
                replyStartFrame = nil
                firstReplyAudioReceivedAt = nil
                playbackWatchPending = false
            case .playReplyAudio:
                break  // handled where the audio is at hand
            case .playEarcon(let earcon):
                play(earcon)
            case .sendText(let text):
                replyStoppedByUser = false
                endOfSpeechAt = now()
                link.sendText(text)
            case .enteredState(let state):
                if state == .listening {
                    listeningPeakDBFS = -120
                    listeningFramesHeard = false
                } else if listeningFramesHeard {
                    let peak = listeningPeakDBFS
                    status.update { $0.audio.lastTurnMicPeakDBFS = peak }
                    listeningFramesHeard = false
                }
                if state != .idle, recording != nil, !captureNeededForTurns {
                    // Leaving idle while the recording kept the microphone on: what it heard so far is the
                    // recording's alone, as a paused microphone's stale audio would be discarded.
                    heardForRecordingOnly = pendingCount + engine.captureRing.availableToRead
                }
                captureNeededForTurns = state != .idle
                setCaptureNeeded(state != .idle || recording != nil)
                // The audio loop's wait was planned for the old state: a release (or a reply) arriving during the
                // rest of a listening chunk would otherwise leave the first frames of the reply unchecked for a
                // barge-in, and its start unnoticed, for up to one chunk. The loop plans its own next wait.
                if !inAudioTick { engine.endCaptureWait() }
                status.update { $0.state = state }
                events.publish(.state(state))
                logger.info("state: \(state.rawValue)")
                if state == .idle || state == .listening {
                    replyStartFrame = nil
                    firstReplyAudioReceivedAt = nil
                    playbackWatchPending = false
                }
            case .turnCompleted:
                status.update { $0.counters.turns += 1 }
                events.publish(.turn(status.snapshot().latency))
            case .bargedIn:
                let reaction = Self.milliseconds(now() - (lastBargeInFrameTime ?? now()))
                status.update {
                    $0.latency.bargeInReactionMs = reaction
                    $0.counters.bargeIns += 1
                }
            case .report(let message):
                logger.notice("\(message)")
                events.publish(.error(message: message))
            }
        }
    }

    private var lastBargeInFrameTime: Duration?
    private var playedBeforeFlushMilliseconds: Int?
    /// True while `audioTick` runs: a state it changes is planned for by the wait it returns.
    private var inAudioTick = false

    private var playedReplyMilliseconds: Int {
        guard let start = replyStartFrame else { return 0 }
        return max(0, engine.playedFrames - start) * 1000 / sampleRate
    }

    private func recordFirstAudioPlayed(at time: Duration) {
        if let received = firstReplyAudioReceivedAt {
            status.update { $0.latency.receiveToPlaybackMs = Self.milliseconds(time - received) }
        }
        if let end = endOfSpeechAt {
            status.update { $0.latency.endOfSpeechToFirstAudioMs = Self.milliseconds(time - end) }
            endOfSpeechAt = nil
        }
        firstReplyAudioReceivedAt = nil
    }

    /// Splits received → written at the jitter pre-buffer: the deliberate wait, and the local
    /// processing (the next playback period run, conversion, `snd_pcm_writei`).
    private func recordFirstAudioWritten(_ report: PlaybackWatchReport) {
        playbackWatchPending = false
        status.update {
            $0.latency.receiveToWriteMs = Self.milliseconds(report.written)
            $0.latency.prebufferWaitMs = Self.milliseconds(report.playable)
            $0.latency.playableToWriteMs = Self.milliseconds(report.written - report.playable)
        }
    }

    // MARK: - Playback

    private var backlogLength: Int { playbackBacklog.reduce(0) { $0 + $1.count } }

    private var isPlaybackDrained: Bool { playbackBacklog.isEmpty && engine.isPlaybackIdle }

    private func queuePlayback(_ samples: [Int16]) {
        guard !samples.isEmpty else { return }
        playbackBacklog.append(samples)
        feedPlaybackRing()
    }

    /// Moves reply audio from the backlog into the (small, fixed) playback ring as room appears.
    private func feedPlaybackRing() {
        let ring = engine.playbackRing
        var wrote = false
        while let first = playbackBacklog.first {
            let room = ring.capacity - ring.availableToRead
            guard room > 0 else { return }
            if first.count <= room {
                _ = first.withUnsafeBufferPointer { ring.write($0) }
                playbackBacklog.removeFirst()
                wrote = true
            } else {
                _ = first.withUnsafeBufferPointer { ring.write(UnsafeBufferPointer(rebasing: $0[0..<room])) }
                playbackBacklog[0] = Array(first[room...])
                engine.playbackRingWritten()
                return
            }
        }
        if wrote { engine.playbackRingWritten() }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

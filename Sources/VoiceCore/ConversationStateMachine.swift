import VoiceDSP

/// The conversation's turn-taking logic: a pure state machine.
///
/// Every input is one `mutating` method that returns the actions the owner (the daemon's
/// coordinator) must carry out, in order. Time is passed in as `now` (monotonic, since an arbitrary
/// origin), so tests drive it with plain numbers and the daemon with its clock.
///
/// States: idle → listening → thinking → speaking → idle. Barge-in goes speaking → listening.
public struct ConversationStateMachine: Sendable {
    /// Who decides that the user's turn is over.
    public enum TurnEnding: String, Sendable, Codable, CaseIterable {
        /// Our own VAD (silence after speech) or a second press commits the turn; the session runs
        /// with manual turn detection.
        case local
        /// The service's VAD ends the turn (`speech_stopped` → `committed` → automatic response).
        case server
    }

    public struct Configuration: Sendable, Equatable {
        public var turnEnding: TurnEnding
        /// A tapped turn in which nobody speaks is abandoned after this long (with an earcon).
        public var noSpeechTimeout: Duration
        /// A turn is committed after this long even if the user keeps talking.
        public var maximumTurnDuration: Duration
        /// After a reply, listen this long for a follow-up without a press (nil: off).
        public var followUpWindow: Duration?
        /// Under the service's VAD, how long a turn the user ended (a tap, a release, the time limit) waits for the
        /// service to end it on the silence sent in place of the microphone, before it is abandoned.
        public var serverTurnEndWait: Duration

        public init(
            turnEnding: TurnEnding = .local,
            noSpeechTimeout: Duration = .seconds(8),
            maximumTurnDuration: Duration = .seconds(60),
            followUpWindow: Duration? = nil,
            serverTurnEndWait: Duration = .seconds(3)
        ) {
            self.turnEnding = turnEnding
            self.noSpeechTimeout = noSpeechTimeout
            self.maximumTurnDuration = maximumTurnDuration
            self.followUpWindow = followUpWindow
            self.serverTurnEndWait = serverTurnEndWait
        }
    }

    /// What the owner must do.
    public enum Action: Sendable, Equatable {
        /// Start sending mic audio upstream; with `preRoll`, include the recent audio kept before now
        /// (the first words of a barge-in).
        case startStreaming(preRoll: Bool)
        /// Stop sending mic audio upstream.
        case stopStreaming
        /// Go on streaming, but silence in place of the microphone: under the service's VAD the user's turn ends when
        /// the service hears silence, and a commit is not allowed (the turn is over when it commits).
        case streamSilence
        /// `input_audio_buffer.commit` (local turn ending only).
        case commitInput
        /// `input_audio_buffer.clear`.
        case clearInput
        /// `response.create`.
        case createResponse
        /// `response.cancel` for the active response.
        case cancelResponse(responseID: String)
        /// `conversation.item.truncate` of `itemID` at the milliseconds actually played.
        case truncatePlayed(itemID: String)
        /// Drop everything queued for playback.
        case flushPlayback
        /// Queue this reply audio delta for playback.
        case playReplyAudio
        case playEarcon(Earcon)
        /// A text turn: `conversation.item.create` with `input_text`, then `response.create`.
        case sendText(String)
        /// The visible state changed.
        case enteredState(VoiceState)
        /// Count a completed turn.
        case turnCompleted
        /// Count a barge-in.
        case bargedIn
        /// Something a person should know about (shown in status, logged).
        case report(String)
    }

    public let configuration: Configuration
    public private(set) var state: VoiceState = .idle
    public private(set) var isSessionReady = false

    /// The response whose audio is (or will be) playing.
    public private(set) var activeResponseID: String?
    /// The assistant item of the active response (for truncation).
    public private(set) var activeItemID: String?
    private var activeResponseDone = false
    private var activeResponseHadAudio = false
    /// Responses we cancelled: their late audio deltas are dropped.
    private var cancelledResponseIDs: [String] = []

    private var listeningSince: Duration = .zero
    private var userHasSpoken = false
    private var inFollowUpWindow = false
    private var isPushToTalkHeld = false
    /// Under the service's VAD: the user ended the turn and silence is being sent until the service ends it.
    private var endingOnServiceSilenceSince: Duration?

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    // MARK: - Inputs: the user

    /// A tap of the button (or `voicectl press`): start a turn, end it, or stop the reply.
    public mutating func press(now: Duration) -> [Action] {
        switch state {
        case .idle:
            return startListening(now: now, preRoll: false, earcon: true)
        case .listening:
            if inFollowUpWindow && !userHasSpoken { return startListening(now: now, preRoll: false, earcon: true) }
            return endUserTurn(now: now)
        case .thinking, .speaking:
            return stopReply(reason: nil) + [.playEarcon(.done)]
        }
    }

    /// The start of a hold (push-to-talk).
    public mutating func holdStarted(now: Duration) -> [Action] {
        isPushToTalkHeld = true
        switch state {
        case .idle: return startListening(now: now, preRoll: false, earcon: true)
        case .listening: return []
        case .thinking, .speaking:
            return stopReply(reason: nil) + startListening(now: now, preRoll: false, earcon: true)
        }
    }

    /// The end of a hold (`voicectl release`): the push-to-talk turn is over. With local turn ending it ends here;
    /// under the service's VAD the service ends it on the silence sent from now on.
    public mutating func released(now: Duration) -> [Action] {
        let wasHeld = isPushToTalkHeld
        isPushToTalkHeld = false
        guard wasHeld, state == .listening else { return [] }
        return endUserTurn(now: now)
    }

    /// Stop whatever is happening (`voicectl cancel`, a double tap).
    public mutating func cancel() -> [Action] {
        switch state {
        case .idle: return []
        case .listening:
            var actions: [Action] = [.stopStreaming, .clearInput]
            actions += enter(.idle)
            return actions
        case .thinking, .speaking:
            return stopReply(reason: nil)
        }
    }

    /// A typed question (`voicectl say`): answered aloud.
    public mutating func say(_ text: String) -> [Action] {
        var actions: [Action] = []
        switch state {
        case .idle: break
        case .listening: actions += [.stopStreaming, .clearInput]
        case .thinking, .speaking: actions += stopReply(reason: nil)
        }
        actions.append(.sendText(text))
        actions += enter(.thinking)
        return actions
    }

    /// The daemon itself asked for a response (the follow-up after function calls): its audio must
    /// be played even though the previous response already ended the turn.
    public mutating func expectReply() -> [Action] {
        switch state {
        case .idle:
            return enter(.thinking)
        case .listening where inFollowUpWindow && !userHasSpoken:
            var actions: [Action] = [.stopStreaming, .clearInput]
            actions += enter(.thinking)
            return actions
        case .listening, .thinking, .speaking:
            return []
        }
    }

    // MARK: - Inputs: local listening

    /// Our VAD heard near-end speech begin (not echo).
    public mutating func localSpeechStarted(now: Duration) -> [Action] {
        if state == .listening { userHasSpoken = true }
        return []
    }

    /// Our VAD heard the user stop (after the configured silence).
    public mutating func localSpeechEnded(now: Duration) -> [Action] {
        guard state == .listening, userHasSpoken, !isPushToTalkHeld, configuration.turnEnding == .local else {
            return []
        }
        return endUserTurn(now: now)
    }

    /// Near-end speech over the reply, louder than its echo: interrupt.
    public mutating func bargeIn(now: Duration) -> [Action] {
        guard state == .speaking || state == .thinking else { return [] }
        var actions = stopReply(reason: nil, toIdle: false)
        actions.append(.bargedIn)
        actions += startListening(now: now, preRoll: true, earcon: false)
        userHasSpoken = true
        return actions
    }

    /// Periodic check of the time limits.
    public mutating func tick(now: Duration) -> [Action] {
        guard state == .listening, !isPushToTalkHeld else { return [] }
        if let since = endingOnServiceSilenceSince {
            guard now - since >= configuration.serverTurnEndWait else { return [] }
            // The service never heard the turn end (it may not have heard speech in it at all).
            var actions: [Action] = [.stopStreaming, .clearInput, .playEarcon(.error)]
            actions.append(.report("the service did not end the turn on the silence after it; the turn was cancelled"))
            actions += enter(.idle)
            return actions
        }
        let elapsed = now - listeningSince
        if !userHasSpoken {
            if inFollowUpWindow, let window = configuration.followUpWindow, elapsed >= window {
                var actions: [Action] = [.stopStreaming, .clearInput]
                actions += enter(.idle)
                return actions
            }
            if !inFollowUpWindow, elapsed >= configuration.noSpeechTimeout {
                var actions: [Action] = [.stopStreaming, .clearInput, .playEarcon(.error)]
                actions.append(.report("no speech heard; the turn was cancelled"))
                actions += enter(.idle)
                return actions
            }
        } else if elapsed >= configuration.maximumTurnDuration {
            return endUserTurn(now: now)
        }
        return []
    }

    // MARK: - Inputs: the session

    public mutating func sessionBecameReady() -> [Action] {
        isSessionReady = true
        // Response IDs are a session's own: a new one may number its responses afresh (`resp_001` again), and
        // nothing of the old connection can arrive any more.
        cancelledResponseIDs.removeAll()
        return []
    }

    /// The connection dropped. Audio of a turn being spoken is kept by the session and sent on
    /// reconnect; a reply in flight is lost, but one received whole (after `response.done`) plays out.
    public mutating func sessionLost(reason: String) -> [Action] {
        isSessionReady = false
        cancelledResponseIDs.removeAll()  // the connection that could send their stragglers is gone
        switch state {
        case .idle, .listening:
            return []
        case .speaking where activeResponseDone:
            // The whole reply is here (the connection ended between the service's turns, e.g. a rotation while
            // it still plays): let it play out. Its item belonged to the old session: nothing to truncate.
            activeItemID = nil
            return []
        case .thinking, .speaking:
            var actions: [Action] = [
                .flushPlayback, .playEarcon(.error), .report("connection lost during the reply: \(reason)"),
            ]
            forgetActiveResponse(cancelled: false)
            actions += enter(.idle)
            return actions
        }
    }

    /// The session could not deliver the turn's audio in time (it was offline too long).
    public mutating func turnUndeliverable(reason: String) -> [Action] {
        guard state == .listening || state == .thinking else { return [] }
        var actions: [Action] = [.stopStreaming, .playEarcon(.error), .report(reason)]
        actions += enter(.idle)
        return actions
    }

    /// `input_audio_buffer.speech_started` (server VAD).
    public mutating func serverSpeechStarted(now: Duration) -> [Action] {
        switch state {
        case .listening:
            userHasSpoken = true
            return []
        case .speaking, .thinking:
            // The service cancels its own response on server-side barge-in; stop playing at once.
            guard configuration.turnEnding == .server else { return [] }
            var actions = stopReply(reason: nil, toIdle: false, sendCancel: false)
            actions.append(.bargedIn)
            actions += startListening(now: now, preRoll: false, earcon: false)
            userHasSpoken = true
            return actions
        case .idle:
            return []
        }
    }

    /// `input_audio_buffer.committed` (server VAD ended the turn, or our commit was accepted).
    public mutating func serverCommittedInput() -> [Action] {
        guard state == .listening, configuration.turnEnding == .server else { return [] }
        var actions: [Action] = [.stopStreaming]
        actions += enter(.thinking)
        return actions
    }

    /// `response.created`.
    public mutating func responseCreated(responseID: String) -> [Action] {
        if cancelledResponseIDs.contains(responseID) { return [] }
        var actions: [Action] = []
        if state == .listening && configuration.turnEnding == .server {
            // The service answered on its own (server VAD); the user's turn is over.
            actions.append(.stopStreaming)
            actions += enter(.thinking)
        }
        guard state == .thinking || state == .speaking else { return actions }
        activeResponseID = responseID
        activeItemID = nil
        activeResponseDone = false
        activeResponseHadAudio = false
        return actions
    }

    /// A `response.output_audio.delta`. Returns `.playReplyAudio` when the delta should be played.
    public mutating func replyAudioReceived(responseID: String, itemID: String) -> [Action] {
        if cancelledResponseIDs.contains(responseID) { return [] }
        if activeResponseID == nil, state == .thinking { activeResponseID = responseID }
        guard responseID == activeResponseID else { return [] }
        activeItemID = itemID
        activeResponseHadAudio = true
        var actions: [Action] = []
        if state == .thinking { actions += enter(.speaking) }
        guard state == .speaking else { return [] }
        actions.append(.playReplyAudio)
        return actions
    }

    /// `response.done` with its status.
    public mutating func responseDone(responseID: String, status: String, playbackIdle: Bool) -> [Action] {
        if let index = cancelledResponseIDs.firstIndex(of: responseID) {
            cancelledResponseIDs.remove(at: index)
            return []
        }
        guard responseID == activeResponseID || (activeResponseID == nil && state == .thinking) else { return [] }
        activeResponseDone = true
        if !activeResponseHadAudio || playbackIdle {
            return finishReply(now: nil)
        }
        return []
    }

    /// Everything queued has been played.
    public mutating func playbackDrained(now: Duration) -> [Action] {
        guard state == .speaking, activeResponseDone else { return [] }
        return finishReply(now: now)
    }

    // MARK: - Helpers

    private mutating func startListening(now: Duration, preRoll: Bool, earcon: Bool) -> [Action] {
        listeningSince = now
        userHasSpoken = false
        inFollowUpWindow = false
        endingOnServiceSilenceSince = nil
        var actions: [Action] = []
        if earcon { actions.append(.playEarcon(.listening)) }
        actions.append(.startStreaming(preRoll: preRoll))
        actions += enter(.listening)
        return actions
    }

    private mutating func endUserTurn(now: Duration) -> [Action] {
        switch configuration.turnEnding {
        case .local:
            var actions: [Action] = [.stopStreaming, .commitInput, .createResponse]
            actions += enter(.thinking)
            return actions
        case .server:
            // A commit is not allowed under the service's VAD, and a turn nobody spoke in has nothing to end.
            guard userHasSpoken else {
                var actions: [Action] = [.stopStreaming, .clearInput]
                actions += enter(.idle)
                return actions
            }
            // The service ends the turn when it hears silence after the last words. The microphone may never give it
            // that (a television, people talking), so silence goes up in its place; `serverCommittedInput` or
            // `responseCreated` then ends the turn, or `tick` abandons it after `serverTurnEndWait`.
            guard endingOnServiceSilenceSince == nil else { return [] }
            endingOnServiceSilenceSince = now
            return [.streamSilence]
        }
    }

    private mutating func stopReply(reason: String?, toIdle: Bool = true, sendCancel: Bool = true) -> [Action] {
        var actions: [Action] = [.flushPlayback]
        if let responseID = activeResponseID {
            if sendCancel && !activeResponseDone { actions.append(.cancelResponse(responseID: responseID)) }
            if let itemID = activeItemID { actions.append(.truncatePlayed(itemID: itemID)) }
        } else if sendCancel && state == .thinking {
            actions.append(.cancelResponse(responseID: ""))
        }
        if let reason { actions.append(.report(reason)) }
        forgetActiveResponse(cancelled: !activeResponseDone)
        if toIdle { actions += enter(.idle) }
        return actions
    }

    private mutating func finishReply(now: Duration?) -> [Action] {
        forgetActiveResponse(cancelled: false)
        var actions: [Action] = [.turnCompleted]
        if let window = configuration.followUpWindow, window > .zero, let now {
            actions += startListening(now: now, preRoll: false, earcon: false)
            inFollowUpWindow = true
            return actions
        }
        actions += enter(.idle)
        return actions
    }

    private mutating func forgetActiveResponse(cancelled: Bool) {
        if cancelled, let responseID = activeResponseID, !responseID.isEmpty {
            cancelledResponseIDs.append(responseID)
            if cancelledResponseIDs.count > 16 { cancelledResponseIDs.removeFirst() }
        }
        activeResponseID = nil
        activeItemID = nil
        activeResponseDone = false
        activeResponseHadAudio = false
    }

    private mutating func enter(_ newState: VoiceState) -> [Action] {
        guard newState != state else { return [] }
        state = newState
        if newState != .listening {
            isPushToTalkHeld = false
            endingOnServiceSilenceSince = nil
        }
        return [.enteredState(newState)]
    }
}

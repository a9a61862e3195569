/// A gesture recognized on the talk button.
public enum ButtonGesture: String, Sendable, Equatable, CaseIterable {
    /// A short press and release (not followed by a second press when double taps are recognized).
    case tap
    /// Two taps in quick succession; reported at the second release.
    case doubleTap = "double_tap"
    /// The button has been held past the hold threshold and is still down (push-to-talk begins).
    case holdStarted = "hold_started"
    /// A hold ended with the release (push-to-talk ends).
    case holdEnded = "hold_ended"
    /// A hold turned into a long hold: undo what `holdStarted` began (no `holdEnded` follows).
    case holdCancelled = "hold_cancelled"
    /// The button has been held past the long-hold threshold; nothing more follows until release.
    case longHold = "long_hold"
}

/// What the daemon carries out for a gesture (see ``ButtonSettings/commands(for:)``), in terms of
/// the conversation state machine's inputs.
public enum ButtonCommand: Sendable, Equatable {
    /// `ConversationStateMachine.press(now:)`: talk, end the turn, or stop the reply.
    case press
    /// `ConversationStateMachine.holdStarted(now:)`.
    case pushToTalkStart
    /// `ConversationStateMachine.released(now:)`.
    case pushToTalkEnd
    /// `ConversationStateMachine.cancel()`.
    case cancel
    /// Mute or unmute the speaker.
    case toggleMute
}

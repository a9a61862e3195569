/// What the coordinator needs from the local VAD and echo gate, per 10 ms frame.
public protocol SpeechDetecting: Sendable {
    /// - Parameters:
    ///   - frame: 10 ms of mic audio at the session rate.
    ///   - reference: the same 10 ms of what the speaker played (aligned by the engine), if any.
    mutating func process(frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?) -> FrameDecision
    /// The same for a frame heard while the daemon's microphone is muted (`frame` is the mute's silence): it must end
    /// a turn as silence does, but it says nothing about the room, so a detector that learns the room learns nothing
    /// from it.
    mutating func process(mutedFrame frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?)
        -> FrameDecision
    /// Forget the current utterance (a new turn starts).
    mutating func resetTurn()
    /// If every frame from now on were silent, the frame that reports `speechEnded` would be this many
    /// frames away (1: the next); nil when no turn is open or the detector cannot tell. While a turn is
    /// spoken the coordinator looks at the microphone once per outgoing chunk; this lets it look when
    /// the turn would end, so the end of a turn is not heard up to a chunk late.
    var framesUntilTurnEndsInSilence: Int? { get }
}

extension SpeechDetecting {
    public var framesUntilTurnEndsInSilence: Int? { nil }

    /// A detector that learns nothing about the room takes a muted frame as any other.
    public mutating func process(mutedFrame frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?)
        -> FrameDecision
    {
        process(frame: frame, reference: reference)
    }
}

public struct FrameDecision: Sendable, Equatable {
    public var speechStarted = false
    /// The user stopped talking (after the configured end-of-turn silence).
    public var speechEnded = false
    /// Near-end speech over playback, clearly louder than its echo.
    public var bargeIn = false
    public var levelDBFS: Double = -120
    public init(speechStarted: Bool = false, speechEnded: Bool = false, bargeIn: Bool = false, levelDBFS: Double = -120)
    {
        self.speechStarted = speechStarted
        self.speechEnded = speechEnded
        self.bargeIn = bargeIn
        self.levelDBFS = levelDBFS
    }
}

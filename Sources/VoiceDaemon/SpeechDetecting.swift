/// What the coordinator needs from the local VAD and echo gate, per 10 ms frame.
public protocol SpeechDetecting: Sendable {
    /// - Parameters:
    ///   - frame: 10 ms of mic audio at the session rate.
    ///   - reference: the same 10 ms of what the speaker played (aligned by the engine), if any.
    mutating func process(frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?) -> FrameDecision
    /// Forget the current utterance (a new turn starts).
    mutating func resetTurn()
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

/// What the listening detector concluded about one 10 ms capture frame.
///
/// Everything is causal: a field describes the detector's knowledge at the end of the frame it was
/// returned for. Edge fields (`speechStarted`, `speechEnded`, `bargeIn`) are true on exactly one frame.
public struct ListeningDecision: Sendable, Equatable {
    /// Near-end (user) speech in this frame, after hangover; the echo of our own playback is not speech.
    public var isSpeech: Bool = false
    /// The first speech frame of a turn: the user started talking (not while playback is audible;
    /// that is `bargeIn`).
    public var speechStarted: Bool = false
    /// The user stopped: `endOfTurnSilence` of no speech followed a turn's speech.
    public var speechEnded: Bool = false
    /// Near-end speech louder than the echo estimate, for the minimum time, while our playback (or
    /// its tail) was audible: the user interrupts. Also starts a turn (`speechStarted` stays false).
    public var bargeIn: Bool = false
    /// Our playback, or its tail, is audible at the mic: half-duplex callers hold mic audio back.
    public var echoActive: Bool = false
    /// RMS level of the capture frame, dBFS (-120 for digital silence).
    public var levelDBFS: Double = -120
    /// Every sample of the capture frame was zero: a muted microphone, a gated one between words, or a stream that
    /// is not delivering yet.
    public var isDigitalSilence = false

    public init() {}
}

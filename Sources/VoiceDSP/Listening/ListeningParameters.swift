/// Everything `ListeningDetector` can be tuned with. `ListeningSettings` (VoiceCore) is the
/// config-file view of the same values.
public struct ListeningParameters: Sendable, Equatable {
    public var vad = EnergyVADParameters()
    public var echo = EchoGateParameters()
    /// A turn's speech has ended after this much silence, milliseconds.
    public var endOfTurnSilenceMilliseconds: Int = 700
    /// A turn whose last `talkerGoneMilliseconds` of frames all sat this far under the loudest level it held for
    /// 50 ms (the talker's; an impact's peak does not count), while the VAD still heard speech, is held on by the
    /// room (babble, music), not by its talker: those frames count as the turn's silence, the VAD's speech ends and
    /// its noise spread learns them. 0 turns it off, dB.
    public var talkerGoneDropDB: Double = 12
    /// ...for this long, milliseconds.
    public var talkerGoneMilliseconds: Int = 700

    public init() {}
}

/// Everything `ListeningDetector` can be tuned with. `ListeningSettings` (VoiceCore) is the
/// config-file view of the same values.
public struct ListeningParameters: Sendable, Equatable {
    public var vad = EnergyVADParameters()
    public var echo = EchoGateParameters()
    /// A turn's speech has ended after this much silence, milliseconds.
    public var endOfTurnSilenceMilliseconds: Int = 700

    public init() {}
}

/// Tuning of `EnergyVAD`. Defaults are the values measured in docs/listening.md.
///
/// Levels are in dB relative to the adaptive noise floor unless a name says dBFS.
public struct EnergyVADParameters: Sendable, Equatable {
    /// Speech score (dB above the noise floor) a frame needs to count toward an onset.
    public var onsetThresholdDB: Double = 8
    /// Score below which a frame counts toward the end of speech (hysteresis: lower than onset).
    public var offsetThresholdDB: Double = 3
    /// Consecutive frames above the onset threshold before speech is declared.
    public var onsetFrames: Int = 2
    /// Speech is held this long after the score falls below the offset threshold.
    public var hangoverMilliseconds: Int = 150
    /// The noise floor is the minimum of the smoothed energy over this window (minimum
    /// statistics), so it follows a rise in the noise within this time, speech or not.
    public var noiseFloorWindowMilliseconds: Int = 1600
    /// Per-frame smoothing of the energy the minimum is taken over (0: none, toward 1: more).
    public var noiseFloorSmoothing: Double = 0.6
    /// Added to the tracked minimum: the mean of noise sits above its minimum.
    public var noiseFloorBiasDB: Double = 1.5
    /// The noise floor never goes below this (mic self-noise, digital silence), dBFS.
    public var minimumNoiseFloorDBFS: Double = -75
    /// Frames never count as speech below this absolute level, dBFS.
    public var minimumSpeechLevelDBFS: Double = -65
    /// Frames after start-up during which the floor settles and no speech is declared.
    public var warmUpMilliseconds: Int = 100

    public init() {}
}

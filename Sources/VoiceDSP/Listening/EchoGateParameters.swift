/// Tuning of `EchoGate`. Defaults are the values measured in docs/listening.md.
public struct EchoGateParameters: Sendable, Equatable {
    /// Delay from the reference to the mic that is not already compensated by the caller
    /// (acoustic path and converter latency beyond `outputDelayFrames`), milliseconds.
    public var echoDelayMilliseconds: Int = 0
    /// The echo estimate holds the loudest reference frame of this window (covers delay jitter
    /// and the direct-path spread), milliseconds.
    public var echoWindowMilliseconds: Int = 60
    /// Room decay: the echo estimate falls this many dB per second after the reference drops.
    public var echoDecayDBPerSecond: Double = 120
    /// Echo level relative to the reference before anything is learned, dB (a loud small speaker
    /// next to the mic; the estimate adapts within a second of playback).
    public var initialCouplingDB: Double = -10
    /// Near-end speech must exceed the echo estimate by this much, dB.
    public var bargeInMarginDB: Double = 5
    /// ...for at least this long, milliseconds.
    public var bargeInMinimumMilliseconds: Int = 20
    /// A frame also counts toward a barge-in when one of seven bands of the speech band (`SpectralBands`) exceeds
    /// that band's own echo estimate, and the room's level in that band, by this much, dB; 0: off (the full-band
    /// margin alone). A user's voice and the reply rarely put their energy in the same bands at the same moment,
    /// so a user's first syllable clears the reply in some band long before it clears it over the whole band;
    /// the margin is wider than the full-band one because the largest of seven bands fluctuates more than their sum.
    public var bargeInBandMarginDB: Double = 8
    /// A reference frame louder than this is "the device is speaking", dBFS.
    public var referenceActiveDBFS: Double = -60
    /// After the reference goes quiet, the echo stays "active" this long (output delay plus room
    /// decay: the reverberation time the echo estimate's decay assumes, RT60 0.5 s), milliseconds.
    /// Onsets in the tail need the barge-in margin, because the room's fluctuation (the noise spread)
    /// could not be measured under the reply.
    public var tailMilliseconds: Int = 500
    /// Coupling adaptation: quantile tracked of (mic - reference) while only the device speaks.
    public var couplingQuantile: Double = 0.9
    /// Coupling adaptation step per frame, dB.
    public var couplingStepDB: Double = 1
    /// For this long of learning after start-up the coupling is the loudest (mic - reference)
    /// seen (but not above `initialCouplingDB`), instead of creeping down from `initialCouplingDB`:
    /// a fast, still conservative start, milliseconds of frames learned from. Until the reference has
    /// played this long, the estimate uses `initialCouplingDB`: the first frames hear the direct sound
    /// before the room's reverberation has built up, and learn a coupling below the echo to come.
    /// No barge-in is decided in the first playback's warm-up, and only there may the warm-up learn a
    /// coupling above `initialCouplingDB` (a speaker next to the mic, heard louder than what is played).
    public var couplingWarmUpMilliseconds: Int = 200
    /// The coupling learns only from frames at least this far above the noise floor, dB: where the
    /// echo is quieter than the room's noise, (mic - reference) measures the noise, not the echo.
    public var couplingMinimumEchoDB: Double = 6
    /// A frame whose mic is within `couplingMinimumEchoDB` of the noise floor while the echo estimate is at least
    /// this far above that, the reference having played steadily over the echo window, lowers the coupling by the
    /// quantile's downward step: the echo is evidently quieter than estimated. Where the echo stays under the
    /// room's noise nothing else brings the coupling down; 0: off (such frames teach nothing).
    public var quietEchoEvidenceDB: Double = 5
    /// ...where "steadily" means every reference frame of the echo window within this of the loudest, dB (a
    /// reference that just rose, or paused, would show a quiet mic before its echo arrived).
    public var quietEchoSustainedDB: Double = 6
    /// The coupling the estimate uses stays at most this far under the steady coupling, dB; 0: off. The coupling
    /// steps down on every frame quieter than it, and a reply's weak syllables and falling edges, where the held
    /// envelope overstates what reaches the mic, pull it well under the echo of its next loud syllable, which then
    /// counts as a barge-in. The steady coupling is a second, ten times slower tracker of the same quantile that
    /// steps down only where the reference played steadily (`quietEchoSustainedDB`). It cannot replace the fast one:
    /// a user's first syllables, learned before they count, push a coupling up, and only the fast tracker's every
    /// quieter frame brings it back down in time for the user to be heard.
    public var couplingDriftLimitDB: Double = 2
    /// When near-end speech starts, the coupling goes back to what it was this long before, if it has risen
    /// since: the frames that led up to the onset (a barge-in's first syllable, before it is loud and long
    /// enough to count) were the user's voice, not our echo, milliseconds; 0: off.
    public var couplingUnlearnMilliseconds: Int = 300
    /// The same for the band test's couplings, over a shorter span: the user stands out of the reply in some band
    /// from their first syllable on, so only that syllable's frames taught a band coupling; a longer span reaches
    /// back past them into echo the bands had learned (a barge-in soon after the bands' warm-up threw away most of
    /// it), milliseconds; 0: off.
    public var bandCouplingUnlearnMilliseconds: Int = 150
    /// While the echo is active, a barge-in must also exceed the noise floor by the onset threshold
    /// plus this factor times the noise spread (instead of the VAD's `spreadOnsetFactor`): a false
    /// barge-in cuts the reply off, so fluctuating room noise (babble) needs a wider margin then.
    public var bargeInSpreadFactor: Double = 4
    /// While the echo is active, the spread in the barge-in margin is at least this factor times how far the
    /// noise floor has fallen below the floor the spread was measured against (`EnergyVAD.spreadFloor`);
    /// 0: off. The spread cannot learn under the echo, so a floor that drops there (minimum statistics catch
    /// a dip of babble in a pause of the reply) shows a fluctuation the stale spread does not.
    public var bargeInFloorDropFactor: Double = 1

    public init() {}
}

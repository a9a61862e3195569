/// Tuning of `EnergyVAD`. Defaults are the values measured in docs/listening.md.
///
/// Levels are in dB relative to the adaptive noise floor unless a name says dBFS.
public struct EnergyVADParameters: Sendable, Equatable {
    /// Speech score (dB above the noise floor) a frame needs to count toward an onset.
    public var onsetThresholdDB: Double = 4
    /// Score below which a frame counts toward the end of speech (hysteresis: lower than onset).
    public var offsetThresholdDB: Double = 2
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

    /// The noise spread is how far the energy of non-speech frames sits above the floor on average,
    /// dB: near zero for steady noise (hiss, hum, fans), several dB for fluctuating noise (babble,
    /// music). The onset threshold rises by this factor times the spread, so the VAD is sensitive in
    /// steady noise and cautious in fluctuating noise.
    public var spreadOnsetFactor: Double = 2
    /// The offset threshold rises by this factor times the noise spread.
    public var spreadOffsetFactor: Double = 1
    /// The spread used in the thresholds is capped here, dB (a VAD that missed speech must recover).
    public var maximumSpreadDB: Double = 12
    /// Time constant of the noise spread's average over non-speech frames, milliseconds.
    public var spreadTimeMilliseconds: Int = 500
    /// Time constant of a second, faster average of the same frames, for the echo gate's barge-in margin
    /// only (the larger of the two is used there), milliseconds; 0 turns it off. The room is measured
    /// only in the few frames of a reply's pauses where the echo has died away, and the slow average
    /// lags babble there; the VAD's own thresholds keep the slow one (onset latency).
    public var bargeInSpreadTimeMilliseconds: Int = 250
    /// What the barge-in margin assumes of a room it has not measured yet, dB: its spread starts here and gives way
    /// as the spread learns (its weight falls as the spread's own average fills: about a tenth after
    /// `spreadTimeMilliseconds` × 2.3 of learned frames); 0 turns it off. Nothing is learned while the VAD holds
    /// speech or our echo is audible, so a room that turned loud during a lock-in (a television switched on, talk that
    /// started from silence) reaches the first reply unmeasured, and a steady-room assumption there lets its bursts
    /// in the reply's pauses cut the reply off. The VAD's own thresholds are untouched (onset latency).
    public var bargeInSpreadPriorDB: Double = 5
    /// The spread also learns while our playback (or its tail) is audible, in frames where the echo
    /// estimate is this far below the noise floor: the echo then adds little to the mic energy, and
    /// the room's noise (babble between a reply's sentences) is measured instead of left at the
    /// value it had before the reply, dB.
    public var spreadEchoClearanceDB: Double = 3

    /// Impulse rejection (knocks, claps, a dropped spoon). An onset whose energy jumps this far above
    /// the lower of the two frames before it within its first frames is a possible impulse, dB (two: an
    /// impact's attack can straddle a frame boundary).
    public var impulseRiseDB: Double = 25
    /// The same rise while our echo is active (the caller passes a required level), dB. The frames before an onset
    /// then hold the reply's echo, not the room's floor, so a knock or a clap over a playing reply rises less from
    /// them than from silence; at the full `impulseRiseDB` they were taken for a user and cut the reply off.
    public var impulseRiseUnderEchoDB: Double = 15
    /// A possible impulse whose energy already falls this far below its peak by the second half of
    /// the frame that would start speech waits one more frame, dB.
    public var impulseAttackDropDB: Double = 1
    /// ...and if that frame is this far below the onset's peak, it decays like an impact, not like
    /// speech: it is rejected, dB.
    public var impulseDecayDB: Double = 2
    /// A possible impulse also waits (`impulseKnockConfirmationFrames`) when it sounds like a knock: the share of its energy
    /// above 1.5 kHz (the click band) fell this far from the onset's first frame (the click) to the
    /// frame that would start speech (the body), dB...
    public var impulseClickDropDB: Double = 5
    /// ...and that frame's click-band share is below this, dB (−10: 90 % of the energy under 1.5 kHz).
    public var impulseBodyClickShareDB: Double = -10
    /// Frames such a knock-like onset waits for the decay test (a plain steep onset waits one).
    public var impulseKnockConfirmationFrames: Int = 2
    /// A possible impulse also waits one frame for the decay test when the frame that would start speech has more
    /// than this share of its energy above 1.5 kHz, dB (0: off). A clap is a burst of noise in the upper speech band,
    /// and over a few milliseconds its level can hold as well as a voice's, so the second half of its frame need not
    /// have fallen yet; a voiced onset's share is −6 to −23 dB and keeps its latency. A fricative or a plosive
    /// burst pays a frame: one that fades before its vowel is rejected, and its vowel, louder, starts speech.
    public var impulseBrightShareDB: Double = -4
    /// A high pure tone (a dish clink, a beep) is rejected like an impact: the frame that would start
    /// speech has its energy almost all above 1.5 kHz (share above this, dB)...
    public var highToneClickShareDB: Double = -3
    /// ...and an order-6 linear predictor (covariance method) predicts it this well (up to three
    /// dominant sinusoids: a clink's partials in the speech band), dB. Fricatives, the only speech
    /// that high, are noise: at the onsets in the speech clips of the kit's five corpora that reach this
    /// test, at most 12.3 dB at 16 kHz and 6 dB at 24 kHz. A glass whose three partials all reach the band
    /// gives an order-4 predictor 10–13 dB, and order 6 well over 20.
    public var highTonePredictionGainDB: Double = 13
    /// After a rejected impulse, frames must exceed its peak, lowered at this rate, to count toward
    /// an onset (its ringing tail and the next knock of a series are ignored), dB per second.
    public var impulseReleaseDBPerSecond: Double = 150

    /// Steady-spectrum rejection (an organ's or a synth's held notes). A frame whose seven band
    /// levels (150 Hz…4 kHz) changed by less than this on average over `spectralFluxLagMilliseconds`
    /// is a sustained tone, not speech: it neither counts toward an onset nor holds speech on. The
    /// band levels of steady random noise (hiss, a fan) change by 1–1.5 dB from estimation noise
    /// alone (15 % of its frames fall below 1 dB), speech by 2–15 dB, an organ's held notes by
    /// 0.05–0.5 dB. 0 (the default) turns it and its filters off; 1 is the measured setting (it
    /// makes the eval kit's onset median 40 ms together with the knock test: docs/listening.md), dB.
    public var stationaryFluxDB: Double = 0
    /// The spectral change is measured against the frame this long ago, milliseconds.
    public var spectralFluxLagMilliseconds: Int = 100

    /// Struck-tone rooms (bells, chimes, a plucked or struck instrument). A struck note rises to its
    /// peak within milliseconds and then decays freely: after the attack its band levels all fall
    /// together, its level never rises again. Speech changes its spectrum and rises within tens of
    /// milliseconds. A room is marked as a struck-tone room for this long when two runs of speech
    /// within `struckTonePairMilliseconds` looked struck (see `struckToneWatchMilliseconds`), and
    /// stays marked while its onsets are rejected; while it is marked, an onset that would start
    /// speech waits up to `struckToneWaitMilliseconds` for a spectral change or a rise, and is
    /// rejected without one. Only such rooms pay that wait. 0 turns the test and its band filters
    /// off, milliseconds.
    public var struckToneRoomMilliseconds: Int = 10000
    /// Two struck-looking runs within this time mark the room, milliseconds.
    public var struckTonePairMilliseconds: Int = 3000
    /// Shape change of the seven band levels (mean absolute change after removing the mean change)
    /// that shows an onset or a run is not a struck tone, dB.
    public var struckToneChangeDB: Double = 1.5
    /// ...or a rise of the level above the frame that would have started speech (or did), dB.
    public var struckToneRiseDB: Double = 2
    /// In a struck-tone room, an onset waits at most this long for the change or the rise; without
    /// either it is rejected (and, if its level fell by `struckToneDecayDB`, the room stays marked),
    /// milliseconds.
    public var struckToneWaitMilliseconds: Int = 40
    /// Every run of speech is watched for this long after it starts: it looked struck when its
    /// shape changed less than `struckToneChangeDB`, its level rose less than `struckToneRiseDB`
    /// and fell by `struckToneDecayDB`, and its first onset frame jumped `struckToneAttackDB` above
    /// the lower of the two frames before it (an attack), milliseconds.
    public var struckToneWatchMilliseconds: Int = 60
    /// The free decay a struck run or a rejected onset shows over its watch or wait, dB.
    public var struckToneDecayDB: Double = 1
    /// The attack a struck run starts with: its first onset frame above the lower of the two frames before it, dB.
    /// An attack as large within a wait starts the wait over, once (a strike whose attack straddled two frames).
    public var struckToneAttackDB: Double = 6
    /// While a room is marked, the noise spread its thresholds count is capped here, dB: the strikes taught the spread
    /// (up to 6–10 dB), and a threshold that high is over a user 10 dB louder than the bells. The wait rejects the
    /// strikes instead (docs/listening.md, twenty-fifth session). `maximumSpreadDB` or more: no cap.
    public var struckToneSpreadCapDB: Double = 3
    /// In a marked room an onset that rose less than this above the quietest frame of the last 100 ms is rejected
    /// without a wait: a note still ringing, crossing a threshold that came down under it, dB; 0: every onset waits.
    public var struckToneOnsetRiseDB: Double = 4

    /// Speech held on by a sound that only rings out (a bell between strikes, a note dying away, the room's
    /// reverberation): once the level, held over 50 ms, has not risen for this long, has fallen `ringOutDropDB`
    /// since it last rose and keeps falling (1 dB over each of the last two 100 ms spans), a frame neither holds
    /// speech on (it counts toward its end) nor counts toward an onset. A talker's level rises again with every
    /// syllable. 0 turns the test off, milliseconds.
    public var ringOutMilliseconds: Int = 200
    /// ...the fall since the held level last rose, dB.
    public var ringOutDropDB: Double = 6

    /// A talker's first frames in a steady room (hiss, a fan, hum) stand out in one band before the whole band shows
    /// them: a frame also counts toward an onset when one of the seven bands exceeds its own floor by this much plus
    /// `bandOnsetSpreadFactor` times its own spread, in a room whose every band's spread is under
    /// `bandOnsetSteadyRoomDB` (`BandOnsetTest`). 0 turns the test and its band filters off, dB.
    public var bandOnsetDB: Double = 8
    /// ...the factor on the band's spread.
    public var bandOnsetSpreadFactor: Double = 2
    /// ...and the band spread under which a room is steady, dB.
    public var bandOnsetSteadyRoomDB: Double = 5

    /// Tonal rooms (bells, an organ): the share of a frame's spectral bins that stand 10 dB over their own floor
    /// (`SpectralOccupancy`) is 0.01–0.03 in steady noise, 0.2–0.4 in a room of struck or held notes and 0.4–1 in a
    /// voice. In a room whose frames, averaged where the spread learns, occupy between `tonalRoomMinimumOccupancy`
    /// and `tonalRoomMaximumOccupancy`, a frame that occupies less than this does not count toward an onset (a note,
    /// not a voice). Not under our echo. 0 with `tonalHoldOccupancy` 0 turns the test and its FFT off.
    public var tonalOnsetOccupancy: Double = 0.3
    /// ...and a frame that occupies less than this does not hold speech on (it counts toward the end).
    public var tonalHoldOccupancy: Double = 0.15
    /// ...the room's occupancy over which it is tonal (under it: steady noise or quiet, where a voice at 0 dB SNR
    /// occupies little)...
    public var tonalRoomMinimumOccupancy: Double = 0.08
    /// ...and under which (over it, a room whose frames are broad: dense babble; the kit's babble rooms sit at 0.35–0.4,
    /// inside the range, where their frames, broad like a voice, pass the test).
    public var tonalRoomMaximumOccupancy: Double = 0.45

    public init() {}
}

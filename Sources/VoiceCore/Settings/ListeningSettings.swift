import VoiceDSP

/// The local VAD and echo gate. The `listening:` section of the config file.
///
/// Every key is optional; the defaults are the values measured in docs/listening.md. Levels are dB
/// above the adaptive noise floor unless the name says dBFS.
public struct ListeningSettings: Sendable, Codable, Equatable {
    // MARK: Turn
    /// A turn's speech has ended after this much silence.
    public var endOfTurnSilenceMs: Int = 700

    // MARK: Energy VAD
    /// Score (dB above the noise floor) a frame needs to count toward a speech onset.
    public var onsetThresholdDB: Double = 4
    /// Score below which a frame counts toward the end of speech (lower than onset: hysteresis).
    public var offsetThresholdDB: Double = 2
    /// Consecutive frames (10 ms) above the onset threshold before speech is declared.
    public var onsetFrames: Int = 2
    /// Speech is held this long after the score drops below the offset threshold.
    public var hangoverMs: Int = 150
    /// The noise floor is the minimum of the smoothed energy over this window, so it follows a
    /// rise in the noise within this time.
    public var noiseFloorWindowMs: Int = 1600
    /// Per-frame smoothing of the energy the floor's minimum is taken over (0: none).
    public var noiseFloorSmoothing: Double = 0.6
    /// Added to the tracked minimum (noise's mean sits above its minimum), dB.
    public var noiseFloorBiasDB: Double = 1.5
    /// The noise floor never goes below this, dBFS.
    public var minimumNoiseFloorDBFS: Double = -75
    /// Nothing quieter than this is speech, dBFS.
    public var minimumSpeechLevelDBFS: Double = -65
    /// After start-up the floor settles this long before speech can be declared.
    public var warmUpMs: Int = 100
    /// The onset threshold rises by this factor times the noise spread (how far non-speech frames
    /// sit above the floor on average: ~0 dB for steady noise, several dB for babble or music).
    public var spreadOnsetFactor: Double = 2
    /// The offset threshold rises by this factor times the noise spread.
    public var spreadOffsetFactor: Double = 1
    /// The spread used in the thresholds is capped here, dB.
    public var maximumSpreadDB: Double = 12
    /// Time constant of the noise spread's average over non-speech frames.
    public var spreadTimeMs: Int = 500
    /// Time constant of a faster spread average used (with the slow one, the larger) in the barge-in
    /// margin only; 0: off.
    public var bargeInSpreadTimeMs: Int = 250
    /// The spread the barge-in margin assumes of a room it has not measured yet; it gives way as the spread learns
    /// (0: off), dB.
    public var bargeInSpreadPriorDB: Double = 5
    /// The spread also learns during playback in frames whose echo estimate is this far below the floor, dB.
    public var spreadEchoClearanceDB: Double = 3
    /// A turn whose last `talkerGoneMs` all sat this far under the loudest level it held for 50 ms, while the VAD still
    /// heard speech, is held on by the room, not its talker: those frames count as silence and the spread learns them
    /// (0: off), dB.
    public var talkerGoneDropDB: Double = 12
    /// ...for this long.
    public var talkerGoneMs: Int = 700
    /// Impulse rejection: an onset rising this far above the lower of the two frames before it may be an impact, dB.
    public var impulseRiseDB: Double = 25
    /// The same while our echo is active (the frames before the onset hold the reply's echo), dB.
    public var impulseRiseUnderEchoDB: Double = 15
    /// ...it waits one more frame if its second half-frame is already this far below its peak, dB;
    public var impulseAttackDropDB: Double = 1
    /// ...and is rejected if that frame is this far below its peak (it decays like a knock), dB.
    public var impulseDecayDB: Double = 2
    /// A steep onset also waits a frame when it sounds like a knock: its share of energy above 1.5 kHz
    /// fell this far from its first frame (the click) to the next (the body), dB...
    public var impulseClickDropDB: Double = 5
    /// ...and the body's share above 1.5 kHz is below this, dB.
    public var impulseBodyClickShareDB: Double = -10
    /// Frames a knock-like onset waits for the decay test.
    public var impulseKnockFrames: Int = 2
    /// A steep onset with more than this share of its energy above 1.5 kHz (a clap) waits a frame for the decay
    /// test, dB (0: off).
    public var impulseBrightShareDB: Double = -4
    /// A frame with its energy almost all above 1.5 kHz (share above this, dB)...
    public var highToneBandShareDB: Double = -3
    /// ...and predictable like up to three sinusoids (order-6 prediction gain above this, dB) does not
    /// start speech: a dish clink, a glass, a beep.
    public var highTonePredictionGainDB: Double = 13
    /// After a rejected impulse, onsets must exceed its peak lowered at this rate, dB per second.
    public var impulseReleaseDBPerSecond: Double = 150
    /// A frame whose band levels changed less than this (mean over 7 bands) over
    /// `spectral_flux_lag_ms` is a sustained tone (organ, held note), not speech; 0 (default): off,
    /// 1: the measured setting, dB.
    public var stationaryFluxDB: Double = 0
    /// The spectral change is measured against the frame this long ago.
    public var spectralFluxLagMs: Int = 100
    /// A room where two runs of speech within `struck_tone_pair_ms` started with an attack and then
    /// decayed without changing their spectrum (bells, chimes) is a struck-tone room for this long:
    /// onsets there wait up to `struck_tone_wait_ms` for a spectral change or a rise; 0: off.
    public var struckToneRoomMs: Int = 10000
    /// Two struck-looking runs within this time mark the room.
    public var struckTonePairMs: Int = 3000
    /// Band-shape change (mean over 7 bands, gain removed) that shows an onset is not a struck note, dB.
    public var struckToneChangeDB: Double = 1.5
    /// ...or a rise of the level above the onset, dB.
    public var struckToneRiseDB: Double = 2
    /// In a struck-tone room an onset waits at most this long for either; without one it is rejected.
    public var struckToneWaitMs: Int = 40
    /// Each new run of speech is watched this long for the struck signature.
    public var struckToneWatchMs: Int = 60
    /// The decay a struck run (or a rejected onset) shows over its watch (or wait), dB.
    public var struckToneDecayDB: Double = 1
    /// The attack a struck run starts with (its first onset frame above the lower of the two frames before), dB.
    public var struckToneAttackDB: Double = 6
    /// While the room is marked, its thresholds count at most this much of the noise spread, dB (the wait, not the
    /// threshold, rejects the strikes; `maximum_spread_db` or more: no cap).
    public var struckToneSpreadCapDB: Double = 3
    /// In a marked room an onset that rose less than this above the quietest frame of the last 100 ms is a note still
    /// ringing and does not wait, dB; 0: every onset waits.
    public var struckToneOnsetRiseDB: Double = 4
    /// Speech held on by a sound that only rings out (a bell between strikes, a note dying away): once the level, held
    /// over 50 ms, has not risen for this long, has fallen `ringOutDropDB` since it last rose and keeps falling, the frames
    /// neither start nor hold speech, ms; 0: off.
    public var ringOutMs: Int = 200
    /// ...the fall since the level last rose, dB.
    public var ringOutDropDB: Double = 6
    /// A talker's first frames in a steady room (hiss, a fan, hum), heard in one band before the whole band: a frame also
    /// counts toward an onset when one of seven bands exceeds its own floor by this much plus
    /// `bandOnsetSpreadFactor` times its own spread, where every band's spread is under `bandOnsetSteadyRoomDB`, dB;
    /// 0: off.
    public var bandOnsetDB: Double = 8
    /// ...the factor on the band's spread.
    public var bandOnsetSpreadFactor: Double = 2
    /// ...the band spread under which a room is steady, dB.
    public var bandOnsetSteadyRoomDB: Double = 5
    /// Tonal rooms (bells, an organ): in a room whose frames occupy between `tonalRoomMinimumOccupancy` and
    /// `tonalRoomMaximumOccupancy` of the spectrum's bins (10 dB over each bin's floor), a frame occupying less than
    /// this does not count toward an onset, a share 0...1; 0 with `tonalHoldOccupancy` 0: off.
    public var tonalOnsetOccupancy: Double = 0.3
    /// ...and a frame occupying less than this does not hold speech on.
    public var tonalHoldOccupancy: Double = 0.15
    /// ...the room's occupancy over which it is tonal (steady noise: 0.01–0.03)...
    public var tonalRoomMinimumOccupancy: Double = 0.08
    /// ...and under which (a room whose frames are broad: the kit's babble rooms sit at 0.35–0.4, inside the range,
    /// where their broad frames pass the test, and reach 0.6).
    public var tonalRoomMaximumOccupancy: Double = 0.45

    // MARK: Echo gate
    /// Reference-to-mic delay not already compensated by the audio engine's output delay.
    public var echoDelayMs: Int = 0
    /// The echo estimate holds the loudest reference frame over this window.
    public var echoWindowMs: Int = 60
    /// Room decay of the echo estimate after the reference drops, dB per second.
    public var echoDecayDBPerSecond: Double = 120
    /// Echo level relative to the reference before anything is learned, dB.
    public var initialCouplingDB: Double = -10
    /// Near-end speech must exceed the echo estimate by this much to barge in, dB.
    public var bargeInMarginDB: Double = 5
    /// ...for at least this long.
    public var bargeInMinimumMs: Int = 20
    /// A frame also counts toward a barge-in when one of seven bands exceeds its own echo estimate (and the room's
    /// level there) by this much, dB; 0: the full-band margin alone.
    public var bargeInBandMarginDB: Double = 8
    /// A reference louder than this means the device is speaking, dBFS.
    public var referenceActiveDBFS: Double = -60
    /// After playback goes quiet, the echo counts as active this long (mic held back).
    public var echoTailMs: Int = 500
    /// Quantile of (mic - reference) the coupling estimate tracks while only the device speaks.
    public var couplingQuantile: Double = 0.9
    /// Coupling adaptation step per frame, dB.
    public var couplingStepDB: Double = 1
    /// For this long of learning the coupling is the loudest (mic - reference) seen (fast start).
    public var couplingWarmUpMs: Int = 200
    /// The coupling learns only from frames this far above the noise floor (echo, not noise), dB.
    public var couplingMinimumEchoDB: Double = 6
    /// While the echo is active a barge-in must clear the floor by the onset threshold plus this × the spread.
    public var bargeInSpreadFactor: Double = 4
    /// While the echo is active the barge-in margin's spread is at least this × how far the floor fell below the
    /// floor the spread was measured against; 0: off.
    public var bargeInFloorDropFactor: Double = 1
    /// A frame whose mic hears only the room while the echo estimate is this far above the level the coupling
    /// learns from (and the reply played steadily) lowers the coupling a step: the echo is quieter than estimated;
    /// 0: off.
    public var quietEchoEvidenceDB: Double = 5
    /// "Steadily": every reference frame of the echo window within this of the loudest, dB.
    public var quietEchoSustainedDB: Double = 6
    /// The coupling the echo estimate uses stays at most this far under the steady coupling (a ten times slower
    /// tracker that steps down only where the reply played steadily), dB; 0: off.
    public var couplingDriftLimitDB: Double = 2
    /// When near-end speech starts, the coupling goes back to what it was this long before if it rose since
    /// (the onset's first frames were the user, not echo), ms; 0: off.
    public var couplingUnlearnMs: Int = 300
    /// The same for the band test's couplings, over this shorter span, ms; 0: off.
    public var bandCouplingUnlearnMs: Int = 150

    public init() {}

    enum CodingKeys: String, CodingKey {
        case endOfTurnSilenceMs = "end_of_turn_silence_ms"
        case onsetThresholdDB = "onset_threshold_db"
        case offsetThresholdDB = "offset_threshold_db"
        case onsetFrames = "onset_frames"
        case hangoverMs = "hangover_ms"
        case noiseFloorWindowMs = "noise_floor_window_ms"
        case noiseFloorSmoothing = "noise_floor_smoothing"
        case noiseFloorBiasDB = "noise_floor_bias_db"
        case minimumNoiseFloorDBFS = "minimum_noise_floor_dbfs"
        case minimumSpeechLevelDBFS = "minimum_speech_level_dbfs"
        case warmUpMs = "warm_up_ms"
        case spreadOnsetFactor = "spread_onset_factor"
        case spreadOffsetFactor = "spread_offset_factor"
        case maximumSpreadDB = "maximum_spread_db"
        case spreadTimeMs = "spread_time_ms"
        case bargeInSpreadTimeMs = "barge_in_spread_time_ms"
        case bargeInSpreadPriorDB = "barge_in_spread_prior_db"
        case spreadEchoClearanceDB = "spread_echo_clearance_db"
        case talkerGoneDropDB = "talker_gone_drop_db"
        case talkerGoneMs = "talker_gone_ms"
        case impulseRiseDB = "impulse_rise_db"
        case impulseRiseUnderEchoDB = "impulse_rise_under_echo_db"
        case impulseAttackDropDB = "impulse_attack_drop_db"
        case impulseDecayDB = "impulse_decay_db"
        case impulseClickDropDB = "impulse_click_drop_db"
        case impulseBodyClickShareDB = "impulse_body_click_share_db"
        case impulseKnockFrames = "impulse_knock_frames"
        case impulseBrightShareDB = "impulse_bright_share_db"
        case highToneBandShareDB = "high_tone_band_share_db"
        case highTonePredictionGainDB = "high_tone_prediction_gain_db"
        case impulseReleaseDBPerSecond = "impulse_release_db_per_second"
        case stationaryFluxDB = "stationary_flux_db"
        case spectralFluxLagMs = "spectral_flux_lag_ms"
        case struckToneRoomMs = "struck_tone_room_ms"
        case struckTonePairMs = "struck_tone_pair_ms"
        case struckToneChangeDB = "struck_tone_change_db"
        case struckToneRiseDB = "struck_tone_rise_db"
        case struckToneWaitMs = "struck_tone_wait_ms"
        case struckToneWatchMs = "struck_tone_watch_ms"
        case struckToneDecayDB = "struck_tone_decay_db"
        case struckToneAttackDB = "struck_tone_attack_db"
        case struckToneSpreadCapDB = "struck_tone_spread_cap_db"
        case struckToneOnsetRiseDB = "struck_tone_onset_rise_db"
        case ringOutMs = "ring_out_ms"
        case ringOutDropDB = "ring_out_drop_db"
        case bandOnsetDB = "band_onset_db"
        case bandOnsetSpreadFactor = "band_onset_spread_factor"
        case bandOnsetSteadyRoomDB = "band_onset_steady_room_db"
        case tonalOnsetOccupancy = "tonal_onset_occupancy"
        case tonalHoldOccupancy = "tonal_hold_occupancy"
        case tonalRoomMinimumOccupancy = "tonal_room_minimum_occupancy"
        case tonalRoomMaximumOccupancy = "tonal_room_maximum_occupancy"
        case echoDelayMs = "echo_delay_ms"
        case echoWindowMs = "echo_window_ms"
        case echoDecayDBPerSecond = "echo_decay_db_per_second"
        case initialCouplingDB = "initial_coupling_db"
        case bargeInMarginDB = "barge_in_margin_db"
        case bargeInMinimumMs = "barge_in_minimum_ms"
        case bargeInBandMarginDB = "barge_in_band_margin_db"
        case referenceActiveDBFS = "reference_active_dbfs"
        case echoTailMs = "echo_tail_ms"
        case couplingQuantile = "coupling_quantile"
        case couplingStepDB = "coupling_step_db"
        case couplingWarmUpMs = "coupling_warm_up_ms"
        case couplingMinimumEchoDB = "coupling_minimum_echo_db"
        case bargeInSpreadFactor = "barge_in_spread_factor"
        case bargeInFloorDropFactor = "barge_in_floor_drop_factor"
        case quietEchoEvidenceDB = "quiet_echo_evidence_db"
        case quietEchoSustainedDB = "quiet_echo_sustained_db"
        case couplingDriftLimitDB = "coupling_drift_limit_db"
        case couplingUnlearnMs = "coupling_unlearn_ms"
        case bandCouplingUnlearnMs = "band_coupling_unlearn_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var settings = ListeningSettings()
        func read<Value: Decodable>(_ key: CodingKeys, into value: inout Value) throws {
            if let decoded = try container.decodeIfPresent(Value.self, forKey: key) { value = decoded }
        }
        try read(.endOfTurnSilenceMs, into: &settings.endOfTurnSilenceMs)
        try read(.onsetThresholdDB, into: &settings.onsetThresholdDB)
        try read(.offsetThresholdDB, into: &settings.offsetThresholdDB)
        try read(.onsetFrames, into: &settings.onsetFrames)
        try read(.hangoverMs, into: &settings.hangoverMs)
        try read(.noiseFloorWindowMs, into: &settings.noiseFloorWindowMs)
        try read(.noiseFloorSmoothing, into: &settings.noiseFloorSmoothing)
        try read(.noiseFloorBiasDB, into: &settings.noiseFloorBiasDB)
        try read(.minimumNoiseFloorDBFS, into: &settings.minimumNoiseFloorDBFS)
        try read(.minimumSpeechLevelDBFS, into: &settings.minimumSpeechLevelDBFS)
        try read(.warmUpMs, into: &settings.warmUpMs)
        try read(.spreadOnsetFactor, into: &settings.spreadOnsetFactor)
        try read(.spreadOffsetFactor, into: &settings.spreadOffsetFactor)
        try read(.maximumSpreadDB, into: &settings.maximumSpreadDB)
        try read(.spreadTimeMs, into: &settings.spreadTimeMs)
        try read(.bargeInSpreadTimeMs, into: &settings.bargeInSpreadTimeMs)
        try read(.bargeInSpreadPriorDB, into: &settings.bargeInSpreadPriorDB)
        try read(.talkerGoneDropDB, into: &settings.talkerGoneDropDB)
        try read(.talkerGoneMs, into: &settings.talkerGoneMs)
        try read(.spreadEchoClearanceDB, into: &settings.spreadEchoClearanceDB)
        try read(.impulseRiseDB, into: &settings.impulseRiseDB)
        try read(.impulseRiseUnderEchoDB, into: &settings.impulseRiseUnderEchoDB)
        try read(.impulseAttackDropDB, into: &settings.impulseAttackDropDB)
        try read(.impulseDecayDB, into: &settings.impulseDecayDB)
        try read(.impulseClickDropDB, into: &settings.impulseClickDropDB)
        try read(.impulseBodyClickShareDB, into: &settings.impulseBodyClickShareDB)
        try read(.impulseKnockFrames, into: &settings.impulseKnockFrames)
        try read(.impulseBrightShareDB, into: &settings.impulseBrightShareDB)
        try read(.highToneBandShareDB, into: &settings.highToneBandShareDB)
        try read(.highTonePredictionGainDB, into: &settings.highTonePredictionGainDB)
        try read(.impulseReleaseDBPerSecond, into: &settings.impulseReleaseDBPerSecond)
        try read(.stationaryFluxDB, into: &settings.stationaryFluxDB)
        try read(.spectralFluxLagMs, into: &settings.spectralFluxLagMs)
        try read(.struckToneRoomMs, into: &settings.struckToneRoomMs)
        try read(.struckTonePairMs, into: &settings.struckTonePairMs)
        try read(.struckToneChangeDB, into: &settings.struckToneChangeDB)
        try read(.struckToneRiseDB, into: &settings.struckToneRiseDB)
        try read(.struckToneWaitMs, into: &settings.struckToneWaitMs)
        try read(.struckToneWatchMs, into: &settings.struckToneWatchMs)
        try read(.struckToneDecayDB, into: &settings.struckToneDecayDB)
        try read(.struckToneAttackDB, into: &settings.struckToneAttackDB)
        try read(.struckToneSpreadCapDB, into: &settings.struckToneSpreadCapDB)
        try read(.struckToneOnsetRiseDB, into: &settings.struckToneOnsetRiseDB)
        try read(.ringOutMs, into: &settings.ringOutMs)
        try read(.ringOutDropDB, into: &settings.ringOutDropDB)
        try read(.bandOnsetDB, into: &settings.bandOnsetDB)
        try read(.bandOnsetSpreadFactor, into: &settings.bandOnsetSpreadFactor)
        try read(.bandOnsetSteadyRoomDB, into: &settings.bandOnsetSteadyRoomDB)
        try read(.tonalOnsetOccupancy, into: &settings.tonalOnsetOccupancy)
        try read(.tonalHoldOccupancy, into: &settings.tonalHoldOccupancy)
        try read(.tonalRoomMinimumOccupancy, into: &settings.tonalRoomMinimumOccupancy)
        try read(.tonalRoomMaximumOccupancy, into: &settings.tonalRoomMaximumOccupancy)
        try read(.echoDelayMs, into: &settings.echoDelayMs)
        try read(.echoWindowMs, into: &settings.echoWindowMs)
        try read(.echoDecayDBPerSecond, into: &settings.echoDecayDBPerSecond)
        try read(.initialCouplingDB, into: &settings.initialCouplingDB)
        try read(.bargeInMarginDB, into: &settings.bargeInMarginDB)
        try read(.bargeInMinimumMs, into: &settings.bargeInMinimumMs)
        try read(.bargeInBandMarginDB, into: &settings.bargeInBandMarginDB)
        try read(.referenceActiveDBFS, into: &settings.referenceActiveDBFS)
        try read(.echoTailMs, into: &settings.echoTailMs)
        try read(.couplingQuantile, into: &settings.couplingQuantile)
        try read(.couplingStepDB, into: &settings.couplingStepDB)
        try read(.couplingWarmUpMs, into: &settings.couplingWarmUpMs)
        try read(.couplingMinimumEchoDB, into: &settings.couplingMinimumEchoDB)
        try read(.bargeInSpreadFactor, into: &settings.bargeInSpreadFactor)
        try read(.bargeInFloorDropFactor, into: &settings.bargeInFloorDropFactor)
        try read(.quietEchoEvidenceDB, into: &settings.quietEchoEvidenceDB)
        try read(.quietEchoSustainedDB, into: &settings.quietEchoSustainedDB)
        try read(.couplingDriftLimitDB, into: &settings.couplingDriftLimitDB)
        try read(.couplingUnlearnMs, into: &settings.couplingUnlearnMs)
        try read(.bandCouplingUnlearnMs, into: &settings.bandCouplingUnlearnMs)
        self = settings
    }

    /// The detector's view of these settings.
    public var detectorParameters: ListeningParameters {
        var parameters = ListeningParameters()
        parameters.endOfTurnSilenceMilliseconds = endOfTurnSilenceMs
        parameters.vad.onsetThresholdDB = onsetThresholdDB
        parameters.vad.offsetThresholdDB = offsetThresholdDB
        parameters.vad.onsetFrames = onsetFrames
        parameters.vad.hangoverMilliseconds = hangoverMs
        parameters.vad.noiseFloorWindowMilliseconds = noiseFloorWindowMs
        parameters.vad.noiseFloorSmoothing = noiseFloorSmoothing
        parameters.vad.noiseFloorBiasDB = noiseFloorBiasDB
        parameters.vad.minimumNoiseFloorDBFS = minimumNoiseFloorDBFS
        parameters.vad.minimumSpeechLevelDBFS = minimumSpeechLevelDBFS
        parameters.vad.warmUpMilliseconds = warmUpMs
        parameters.vad.spreadOnsetFactor = spreadOnsetFactor
        parameters.vad.spreadOffsetFactor = spreadOffsetFactor
        parameters.vad.maximumSpreadDB = maximumSpreadDB
        parameters.vad.spreadTimeMilliseconds = spreadTimeMs
        parameters.vad.bargeInSpreadTimeMilliseconds = bargeInSpreadTimeMs
        parameters.vad.bargeInSpreadPriorDB = bargeInSpreadPriorDB
        parameters.vad.spreadEchoClearanceDB = spreadEchoClearanceDB
        parameters.talkerGoneDropDB = talkerGoneDropDB
        parameters.talkerGoneMilliseconds = talkerGoneMs
        parameters.vad.impulseRiseDB = impulseRiseDB
        parameters.vad.impulseRiseUnderEchoDB = impulseRiseUnderEchoDB
        parameters.vad.impulseAttackDropDB = impulseAttackDropDB
        parameters.vad.impulseDecayDB = impulseDecayDB
        parameters.vad.impulseClickDropDB = impulseClickDropDB
        parameters.vad.impulseBodyClickShareDB = impulseBodyClickShareDB
        parameters.vad.impulseKnockConfirmationFrames = impulseKnockFrames
        parameters.vad.impulseBrightShareDB = impulseBrightShareDB
        parameters.vad.highToneClickShareDB = highToneBandShareDB
        parameters.vad.highTonePredictionGainDB = highTonePredictionGainDB
        parameters.vad.impulseReleaseDBPerSecond = impulseReleaseDBPerSecond
        parameters.vad.stationaryFluxDB = stationaryFluxDB
        parameters.vad.spectralFluxLagMilliseconds = spectralFluxLagMs
        parameters.vad.struckToneRoomMilliseconds = struckToneRoomMs
        parameters.vad.struckTonePairMilliseconds = struckTonePairMs
        parameters.vad.struckToneChangeDB = struckToneChangeDB
        parameters.vad.struckToneRiseDB = struckToneRiseDB
        parameters.vad.struckToneWaitMilliseconds = struckToneWaitMs
        parameters.vad.struckToneWatchMilliseconds = struckToneWatchMs
        parameters.vad.struckToneDecayDB = struckToneDecayDB
        parameters.vad.struckToneAttackDB = struckToneAttackDB
        parameters.vad.struckToneSpreadCapDB = struckToneSpreadCapDB
        parameters.vad.struckToneOnsetRiseDB = struckToneOnsetRiseDB
        parameters.vad.ringOutMilliseconds = ringOutMs
        parameters.vad.ringOutDropDB = ringOutDropDB
        parameters.vad.bandOnsetDB = bandOnsetDB
        parameters.vad.bandOnsetSpreadFactor = bandOnsetSpreadFactor
        parameters.vad.bandOnsetSteadyRoomDB = bandOnsetSteadyRoomDB
        parameters.vad.tonalOnsetOccupancy = tonalOnsetOccupancy
        parameters.vad.tonalHoldOccupancy = tonalHoldOccupancy
        parameters.vad.tonalRoomMinimumOccupancy = tonalRoomMinimumOccupancy
        parameters.vad.tonalRoomMaximumOccupancy = tonalRoomMaximumOccupancy
        parameters.echo.echoDelayMilliseconds = echoDelayMs
        parameters.echo.echoWindowMilliseconds = echoWindowMs
        parameters.echo.echoDecayDBPerSecond = echoDecayDBPerSecond
        parameters.echo.initialCouplingDB = initialCouplingDB
        parameters.echo.bargeInMarginDB = bargeInMarginDB
        parameters.echo.bargeInMinimumMilliseconds = bargeInMinimumMs
        parameters.echo.bargeInBandMarginDB = bargeInBandMarginDB
        parameters.echo.referenceActiveDBFS = referenceActiveDBFS
        parameters.echo.tailMilliseconds = echoTailMs
        parameters.echo.couplingQuantile = couplingQuantile
        parameters.echo.couplingStepDB = couplingStepDB
        parameters.echo.couplingWarmUpMilliseconds = couplingWarmUpMs
        parameters.echo.couplingMinimumEchoDB = couplingMinimumEchoDB
        parameters.echo.bargeInSpreadFactor = bargeInSpreadFactor
        parameters.echo.bargeInFloorDropFactor = bargeInFloorDropFactor
        parameters.echo.quietEchoEvidenceDB = quietEchoEvidenceDB
        parameters.echo.quietEchoSustainedDB = quietEchoSustainedDB
        parameters.echo.couplingDriftLimitDB = couplingDriftLimitDB
        parameters.echo.couplingUnlearnMilliseconds = couplingUnlearnMs
        parameters.echo.bandCouplingUnlearnMilliseconds = bandCouplingUnlearnMs
        return parameters
    }
}

extension ListeningSettings {
    /// Durations longer than this are refused: the VAD and the echo gate size their histories from them, and no
    /// setting is meant to span more than a minute.
    static let longestDurationMs = 60_000

    /// What is wrong with these settings, each naming its key and what it accepts; empty when they can be used.
    /// A typo (a stray digit, a sign) is refused with the key named, not turned into a huge history or a
    /// detector that never fires.
    public func validationProblems() -> [String] {
        let durations: [(CodingKeys, Int)] = [
            (.endOfTurnSilenceMs, endOfTurnSilenceMs), (.hangoverMs, hangoverMs),
            (.noiseFloorWindowMs, noiseFloorWindowMs), (.warmUpMs, warmUpMs), (.spreadTimeMs, spreadTimeMs),
            (.bargeInSpreadTimeMs, bargeInSpreadTimeMs), (.spectralFluxLagMs, spectralFluxLagMs),
            (.struckToneRoomMs, struckToneRoomMs), (.struckTonePairMs, struckTonePairMs),
            (.struckToneWaitMs, struckToneWaitMs), (.struckToneWatchMs, struckToneWatchMs), (.ringOutMs, ringOutMs),
            (.echoDelayMs, echoDelayMs), (.echoWindowMs, echoWindowMs), (.bargeInMinimumMs, bargeInMinimumMs),
            (.echoTailMs, echoTailMs), (.couplingWarmUpMs, couplingWarmUpMs), (.couplingUnlearnMs, couplingUnlearnMs),
            (.bandCouplingUnlearnMs, bandCouplingUnlearnMs), (.talkerGoneMs, talkerGoneMs),
        ]
        var problems = durations.compactMap { key, value -> String? in
            (0...Self.longestDurationMs).contains(value)
                ? nil : "listening.\(key.stringValue) must be between 0 and \(Self.longestDurationMs) ms, not \(value)"
        }
        if !(1...50).contains(onsetFrames) {
            problems.append("listening.onset_frames must be between 1 and 50 (10 ms frames), not \(onsetFrames)")
        }
        if !(0...50).contains(impulseKnockFrames) {
            problems.append(
                "listening.impulse_knock_frames must be between 0 and 50 (10 ms frames), not \(impulseKnockFrames)")
        }
        if !(0..<1).contains(noiseFloorSmoothing) {
            problems.append(
                "listening.noise_floor_smoothing must be at least 0 and below 1, not \(noiseFloorSmoothing)")
        }
        if !(0...1).contains(couplingQuantile) {
            problems.append("listening.coupling_quantile must be between 0 and 1, not \(couplingQuantile)")
        }
        let shares: [(CodingKeys, Double)] = [
            (.tonalOnsetOccupancy, tonalOnsetOccupancy), (.tonalHoldOccupancy, tonalHoldOccupancy),
            (.tonalRoomMinimumOccupancy, tonalRoomMinimumOccupancy),
            (.tonalRoomMaximumOccupancy, tonalRoomMaximumOccupancy),
        ]
        problems += shares.compactMap { key, value in
            (0...1).contains(value)
                ? nil : "listening.\(key.stringValue) must be a share of the spectrum between 0 and 1, not \(value)"
        }
        let levels: [(CodingKeys, Double)] = [
            (.onsetThresholdDB, onsetThresholdDB), (.offsetThresholdDB, offsetThresholdDB),
            (.noiseFloorBiasDB, noiseFloorBiasDB), (.minimumNoiseFloorDBFS, minimumNoiseFloorDBFS),
            (.minimumSpeechLevelDBFS, minimumSpeechLevelDBFS), (.spreadOnsetFactor, spreadOnsetFactor),
            (.spreadOffsetFactor, spreadOffsetFactor), (.maximumSpreadDB, maximumSpreadDB),
            (.spreadEchoClearanceDB, spreadEchoClearanceDB), (.talkerGoneDropDB, talkerGoneDropDB),
            (.impulseRiseDB, impulseRiseDB), (.impulseRiseUnderEchoDB, impulseRiseUnderEchoDB),
            (.bargeInSpreadPriorDB, bargeInSpreadPriorDB), (.impulseAttackDropDB, impulseAttackDropDB),
            (.impulseDecayDB, impulseDecayDB),
            (.impulseClickDropDB, impulseClickDropDB), (.impulseBodyClickShareDB, impulseBodyClickShareDB),
            (.impulseBrightShareDB, impulseBrightShareDB),
            (.highToneBandShareDB, highToneBandShareDB), (.highTonePredictionGainDB, highTonePredictionGainDB),
            (.impulseReleaseDBPerSecond, impulseReleaseDBPerSecond), (.stationaryFluxDB, stationaryFluxDB),
            (.struckToneChangeDB, struckToneChangeDB), (.struckToneRiseDB, struckToneRiseDB),
            (.struckToneDecayDB, struckToneDecayDB), (.struckToneAttackDB, struckToneAttackDB),
            (.struckToneSpreadCapDB, struckToneSpreadCapDB), (.struckToneOnsetRiseDB, struckToneOnsetRiseDB),
            (.ringOutDropDB, ringOutDropDB), (.bandOnsetDB, bandOnsetDB),
            (.bandOnsetSpreadFactor, bandOnsetSpreadFactor),
            (.bandOnsetSteadyRoomDB, bandOnsetSteadyRoomDB),
            (.echoDecayDBPerSecond, echoDecayDBPerSecond), (.initialCouplingDB, initialCouplingDB),
            (.bargeInMarginDB, bargeInMarginDB), (.bargeInBandMarginDB, bargeInBandMarginDB),
            (.referenceActiveDBFS, referenceActiveDBFS),
            (.couplingStepDB, couplingStepDB), (.couplingMinimumEchoDB, couplingMinimumEchoDB),
            (.bargeInSpreadFactor, bargeInSpreadFactor), (.bargeInFloorDropFactor, bargeInFloorDropFactor),
            (.quietEchoEvidenceDB, quietEchoEvidenceDB), (.quietEchoSustainedDB, quietEchoSustainedDB),
            (.couplingDriftLimitDB, couplingDriftLimitDB),
        ]
        problems += levels.compactMap { key, value in
            value.magnitude <= 1_000 ? nil : "listening.\(key.stringValue) must be a number within ±1000, not \(value)"
        }
        return problems
    }
}

import RealModule

/// Echo-aware gate: estimates how loud our own playback is at the mic, so near-end speech is
/// only declared when it exceeds that estimate by a margin.
///
/// The reference is what the device played, aligned sample-for-sample with capture (the caller
/// compensates the device's output delay). Its frame energy is held over a short window (delay
/// spread) and released at the room's decay rate; adding the learned coupling (echo level minus
/// reference level, tracked as a high quantile while only the device speaks) gives the echo
/// estimate. For `tailMilliseconds` after the reference goes quiet the echo still counts as active.
public struct EchoGate: Sendable {
    /// The gate's view of one frame.
    public struct Frame: Sendable, Equatable {
        /// Playback (or its tail) is audible: hold mic audio back in half-duplex.
        public var echoActive: Bool
        /// Estimated echo energy at the mic, dBFS (-120 when nothing plays).
        public var echoEstimateDBFS: Double
        /// Level near-end speech must exceed in this frame, dBFS; nil when the echo is negligible.
        public var requiredLevelDBFS: Double?
        /// Estimated echo in each of `SpectralBands`' seven bands, dBFS (lane 7 and every lane when nothing plays
        /// or the band test is off: -120).
        public var echoBandEstimateDBFS = SIMD8<Double>(repeating: -120)
        /// The coupling is still being learned from the first playback since start (`couplingWarmUpMilliseconds`):
        /// no barge-in is decided (see `ListeningDetector`).
        public var warmingUp = false
    }

    public let sampleRate: Int
    public var parameters: EchoGateParameters
    /// Learned echo coupling, dB (echo energy at the mic relative to the reference energy).
    public private(set) var couplingDB: Double
    /// The same quantile, tracked ten times more slowly and stepped down only where the reference played steadily:
    /// the floor under `couplingDB` (`EchoGateParameters.couplingDriftLimitDB`).
    public private(set) var steadyCouplingDB: Double

    private var highPass: Biquad
    private var lowPass: Biquad
    private var history: [Double]
    private var historyIndex = 0
    private var heldDBFS = -120.0
    private var framesSinceActive = 1_000_000
    private var lastEnvelopeDBFS = -120.0
    /// The quietest reference frame of the last echo window, dBFS: all of it was played at least this loud.
    private var lastWindowMinimumDBFS = -120.0
    private var learnedFrames = 0
    private var warmUpMaximumDB = -60.0
    /// Frames so far with the reference audible (capped): the first `couplingWarmUpMilliseconds` of them
    /// estimate the echo with the cautious initial coupling.
    private var playedFrames = 0

    /// The band test (`EchoGateParameters.bargeInBandMarginDB`): the reference's seven band levels, held and
    /// released like the full band, and a coupling per band. nil when the test is off.
    private var referenceBands: SpectralBands?
    /// This frame's band-limited reference samples (allocated once; empty when the band test is off).
    private var referenceBandSignal: [Double] = []
    private var bandHistory: [SIMD8<Double>] = []
    private var heldBandsDBFS = SIMD8<Double>(repeating: -120)
    private var lastBandEnvelopeDBFS = SIMD8<Double>(repeating: -120)
    /// Learned echo coupling per band, dB.
    public private(set) var bandCouplingDB: SIMD8<Double>
    private var bandWarmUpMaximumDB = SIMD8<Double>(repeating: -60)
    /// The most the warm-up may learn: the cautious starting coupling, or the louder echo the first playback's
    /// warm-up heard (full band and per band).
    private var warmUpCeilingDB: Double
    private var bandWarmUpCeilingDB: SIMD8<Double>
    /// The bands whose coupling has learned from at least one frame.
    private var bandsLearned = SIMDMask<SIMD8<Double>.MaskStorage>(repeating: false)

    public init(sampleRate: Int, parameters: EchoGateParameters = EchoGateParameters()) {
        self.sampleRate = sampleRate
        self.parameters = parameters
        self.couplingDB = parameters.initialCouplingDB
        self.steadyCouplingDB = parameters.initialCouplingDB
        self.highPass = .highPass(cutoff: 150, sampleRate: sampleRate)
        self.lowPass = .lowPass(cutoff: EnergyVAD.bandTopHertz, sampleRate: sampleRate)
        let delayFrames = max(parameters.echoDelayMilliseconds, 0) / 10
        self.history = Array(repeating: -120, count: delayFrames + max(parameters.echoWindowMilliseconds / 10, 1))
        self.bandCouplingDB = SIMD8(repeating: parameters.initialCouplingDB)
        self.warmUpCeilingDB = parameters.initialCouplingDB
        self.bandWarmUpCeilingDB = SIMD8(repeating: parameters.initialCouplingDB)
        if parameters.bargeInBandMarginDB > 0 {
            self.referenceBands = SpectralBands(sampleRate: sampleRate)
            self.referenceBandSignal = Array(repeating: 0, count: max(sampleRate / 100, 1))
            self.bandHistory = Array(repeating: SIMD8(repeating: -120), count: history.count)
        }
    }

    /// The first playback since start is still within `couplingWarmUpMilliseconds`: no barge-in is decided.
    private var playbackWarmingUp: Bool { playedFrames * 10 <= parameters.couplingWarmUpMilliseconds }

    /// Whether the band test is on (`EchoGateParameters.bargeInBandMarginDB` > 0).
    public var testsBands: Bool { referenceBands != nil }

    /// What the band test had learned at one moment: its couplings, and which bands had learned at all.
    public struct BandMemory: Sendable {
        var couplingDB: SIMD8<Double>
        var learned: SIMDMask<SIMD8<Double>.MaskStorage>
    }

    /// The band couplings as they stand, to be unlearned down to later (`unlearnBands(downTo:)`).
    public var bandMemory: BandMemory { BandMemory(couplingDB: bandCouplingDB, learned: bandsLearned) }

    /// Lowers the coupling to `couplingDB` if it is above it (what it learned since was near-end speech).
    public mutating func unlearn(downTo couplingDB: Double) {
        self.couplingDB = min(self.couplingDB, couplingDB)
    }

    /// Lowers each band coupling to what `memory` held if it is above it, and forgets a band's learning since then
    /// (what it learned since was near-end speech): a band that had learned nothing is cautious again.
    public mutating func unlearnBands(downTo memory: BandMemory) {
        bandCouplingDB = pointwiseMin(bandCouplingDB, memory.couplingDB)
        bandsLearned .&= memory.learned
    }

    /// Forgets the reference history; keeps the learned coupling (the room did not change).
    public mutating func resetHistory() {
        for index in history.indices { history[index] = -120 }
        for index in bandHistory.indices { bandHistory[index] = SIMD8(repeating: -120) }
        heldBandsDBFS = SIMD8(repeating: -120)
        referenceBands?.resetState()
        heldDBFS = -120
        framesSinceActive = 1_000_000
    }

    /// Feeds one reference frame (nil or empty: nothing played) and returns the echo estimate for
    /// the capture frame of the same time.
    public mutating func estimate(reference: UnsafeBufferPointer<Int16>?) -> Frame {
        var energy = -120.0
        var bandLevels = SIMD8<Double>(repeating: -120)
        // Digital silence into filters at rest gives exactly zero output: skip the filters (the
        // capture path feeds an all-zero reference whenever nothing plays). A frame right after
        // playback still runs them until their ringing has been flushed to zero.
        if let reference, !reference.isEmpty,
            !(highPass.isAtRest && lowPass.isAtRest && Self.isDigitalSilence(reference))
        {
            var sum = 0.0
            let kept = testsBands ? min(reference.count, referenceBandSignal.count) : 0
            // Moved out while it is written (no copy, no allocation), so the filters stay accessible.
            var band = referenceBandSignal
            referenceBandSignal = []
            band.withUnsafeMutableBufferPointer { band in
                for index in reference.indices {
                    let y = lowPass.process(highPass.process(Double(reference[index]) / 32768))
                    sum += y * y
                    if index < kept { band[index] = y }
                }
            }
            energy = EnergyVAD.decibels(sum / Double(reference.count))
            highPass.flushTinyState()
            lowPass.flushTinyState()
            if kept > 0, var bands = referenceBands {
                bandLevels = band.withUnsafeBufferPointer { band in
                    bands.levels(bandSignal: UnsafeBufferPointer(rebasing: band[0..<kept]))
                }
                referenceBands = bands
            }
            referenceBandSignal = band
        } else {
            // Skipped filters: the next frame that plays starts them from rest.
            referenceBands?.resetState()
        }
        history[historyIndex] = energy
        if testsBands { bandHistory[historyIndex] = bandLevels }
        historyIndex = (historyIndex + 1) % history.count
        // The window of frames that can reach the mic now: all but the newest `delay` frames.
        let delayFrames = max(parameters.echoDelayMilliseconds, 0) / 10
        var windowMax = -120.0
        var windowMin = 0.0
        var bandWindowMax = SIMD8<Double>(repeating: -120)
        for back in delayFrames..<history.count {
            let index = (historyIndex - 1 - back + 2 * history.count) % history.count
            windowMax = max(windowMax, history[index])
            windowMin = min(windowMin, history[index])
            if testsBands { bandWindowMax = pointwiseMax(bandWindowMax, bandHistory[index]) }
        }
        lastWindowMinimumDBFS = windowMin
        heldDBFS = max(windowMax, heldDBFS - parameters.echoDecayDBPerSecond / 100)
        lastEnvelopeDBFS = heldDBFS
        if testsBands {
            heldBandsDBFS = pointwiseMax(
                bandWindowMax, heldBandsDBFS - SIMD8(repeating: parameters.echoDecayDBPerSecond / 100))
            lastBandEnvelopeDBFS = heldBandsDBFS
        }
        if windowMax > parameters.referenceActiveDBFS {
            framesSinceActive = 0
        } else {
            framesSinceActive = min(framesSinceActive + 1, 1_000_000)
        }
        let active = framesSinceActive * 10 <= parameters.tailMilliseconds
        if heldDBFS > parameters.referenceActiveDBFS { playedFrames = min(playedFrames + 1, 1_000_000) }
        var coupling = playbackWarmingUp ? max(couplingDB, parameters.initialCouplingDB) : couplingDB
        if parameters.couplingDriftLimitDB > 0 {
            coupling = max(coupling, steadyCouplingDB - parameters.couplingDriftLimitDB)
        }
        let estimate = heldDBFS > parameters.referenceActiveDBFS - 30 ? heldDBFS + coupling : -120
        let required: Double? = active || estimate > -100 ? estimate + parameters.bargeInMarginDB : nil
        var frame = Frame(echoActive: active, echoEstimateDBFS: estimate, requiredLevelDBFS: required)
        frame.warmingUp = estimate > -120 && playbackWarmingUp
        if testsBands && estimate > -120 {
            var bandCoupling =
                playbackWarmingUp
                ? pointwiseMax(bandCouplingDB, SIMD8(repeating: parameters.initialCouplingDB)) : bandCouplingDB
            // A band whose echo has never stood clear of the room (the reply is quiet there) has learned nothing
            // of its own; a speaker heard louder than the cautious start is as loud there as over the whole band.
            bandCoupling.replace(
                with: pointwiseMax(bandCoupling, SIMD8(repeating: max(couplingDB, parameters.initialCouplingDB))),
                where: .!bandsLearned)
            frame.echoBandEstimateDBFS = heldBandsDBFS + bandCoupling
            frame.echoBandEstimateDBFS[SpectralBands.bandCount] = -120
        }
        return frame
    }

    @inline(__always)
    static func isDigitalSilence(_ samples: UnsafeBufferPointer<Int16>) -> Bool {
        var bits: Int16 = 0
        for sample in samples { bits |= sample }
        return bits == 0
    }

    /// Learns the coupling from the mic energy of the frame just estimated, when only the device
    /// spoke (no near-end speech detected), the reference was clearly active and the mic is far
    /// enough above `noiseFloorDBFS` for the echo, not the room noise, to dominate.
    ///
    /// A frame in which the mic hears only the room, although the device has played loudly for the whole
    /// echo window and the estimate puts the echo clearly above the room, shows that the echo is quieter than
    /// estimated: the coupling takes a step down (as for any frame below it). Where the echo stays under the
    /// room's noise nothing else could bring the coupling down again after the user's voice raised it (the
    /// first frames of every barge-in are learned before they count as speech).
    ///
    /// With the band test on, `micBandsDBFS` (the capture's seven band levels) teaches the band couplings in the
    /// same frames, each band only where the mic is `couplingMinimumEchoDB` above the room's level in that band
    /// (`roomBandsDBFS`): a band the echo does not reach keeps its cautious coupling and never clears a barge-in.
    public mutating func learn(
        micEnergyDBFS: Double,
        nearEndSpeech: Bool,
        noiseFloorDBFS: Double = -120,
        micBandsDBFS: SIMD8<Double>? = nil,
        roomBandsDBFS: SIMD8<Double>? = nil
    ) {
        guard !nearEndSpeech, lastEnvelopeDBFS > parameters.referenceActiveDBFS else { return }
        guard micEnergyDBFS > noiseFloorDBFS + parameters.couplingMinimumEchoDB else {
            let evidence = parameters.quietEchoEvidenceDB
            if evidence > 0, referenceHeldSteady,
                lastEnvelopeDBFS + couplingDB >= noiseFloorDBFS + parameters.couplingMinimumEchoDB + evidence
            {
                couplingDB = quantileStep(couplingDB, observedBelow: true)
                steadyCouplingDB = quantileStep(steadyCouplingDB, observedBelow: true, scale: Self.steadyStepFraction)
            }
            return
        }
        let observed = micEnergyDBFS - lastEnvelopeDBFS
        learnedFrames = min(learnedFrames + 1, 1_000_000)
        let warmingUp = learnedFrames <= parameters.couplingWarmUpMilliseconds / 10
        if let micBandsDBFS, referenceBands != nil {
            learnBands(mic: micBandsDBFS, room: roomBandsDBFS ?? SIMD8(repeating: -120), warmingUp: warmingUp)
        }
        if warmingUp {
            warmUpMaximumDB = max(warmUpMaximumDB, observed)
            // Above the cautious starting value only what the first playback's own warm-up heard: a speaker next to
            // the mic can be louder than that value, and the estimate must follow it at once, or the echo's first
            // syllable counts as a barge-in and every reply cuts itself off before the coupling ever learns
            // (learning stops once a turn is open). Barge-ins wait out that warm-up, so nobody has talked in it;
            // a frame learned later may be a user talking over an echo too quiet to be heard, and only teaches
            // that the room is quieter.
            if playbackWarmingUp { warmUpCeilingDB = min(max(warmUpCeilingDB, observed), Self.maximumCouplingDB) }
            couplingDB = min(max(warmUpMaximumDB, -60), warmUpCeilingDB)
            steadyCouplingDB = couplingDB
            return
        }
        couplingDB = quantileStep(couplingDB, observedBelow: observed <= couplingDB)
        // The steady tracker steps down only where the reference held steady, so the held envelope was the level that
        // reached the mic (not a falling edge it overstates).
        if observed > steadyCouplingDB || referenceHeldSteady {
            steadyCouplingDB = quantileStep(
                steadyCouplingDB, observedBelow: observed <= steadyCouplingDB, scale: Self.steadyStepFraction)
        }
    }

    /// Every reference frame of the last echo window was within `quietEchoSustainedDB` of the loudest: the reply
    /// played steadily, and the held envelope is what reached the mic.
    private var referenceHeldSteady: Bool {
        lastWindowMinimumDBFS >= lastEnvelopeDBFS - parameters.quietEchoSustainedDB
    }

    /// The band couplings' share of `learn`: the same warm-up and quantile tracker as the full band, per band, in
    /// the bands where the echo stands clear of the room.
    private mutating func learnBands(mic: SIMD8<Double>, room: SIMD8<Double>, warmingUp: Bool) {
        let observed = mic - lastBandEnvelopeDBFS
        let echoDominates =
            (mic .> room + SIMD8(repeating: parameters.couplingMinimumEchoDB))
            .& (lastBandEnvelopeDBFS .> SIMD8(repeating: parameters.referenceActiveDBFS))
        bandsLearned .|= echoDominates
        if warmingUp {
            bandWarmUpMaximumDB.replace(with: pointwiseMax(bandWarmUpMaximumDB, observed), where: echoDominates)
            if playbackWarmingUp {
                bandWarmUpCeilingDB.replace(
                    with: pointwiseMin(
                        pointwiseMax(bandWarmUpCeilingDB, observed), SIMD8(repeating: Self.maximumCouplingDB)),
                    where: echoDominates)
            }
            bandCouplingDB.replace(
                with: pointwiseMin(pointwiseMax(bandWarmUpMaximumDB, SIMD8(repeating: -60)), bandWarmUpCeilingDB),
                where: echoDominates)
            return
        }
        let step = parameters.couplingStepDB
        let up = SIMD8<Double>(repeating: step * parameters.couplingQuantile)
        let down = SIMD8<Double>(repeating: step * (parameters.couplingQuantile - 1))
        var stepped = bandCouplingDB
        stepped.replace(with: bandCouplingDB + up, where: observed .> bandCouplingDB)
        stepped.replace(with: bandCouplingDB + down, where: observed .<= bandCouplingDB)
        stepped = pointwiseMin(pointwiseMax(stepped, SIMD8(repeating: -60)), SIMD8(repeating: Self.maximumCouplingDB))
        bandCouplingDB.replace(with: stepped, where: echoDominates)
    }

    /// One step of a quantile tracker: up by `step × quantile` for an observation above `coupling`, down by
    /// `step × (1 − quantile)` for one at or below it, so it settles where that share of frames lies; `scale` slows
    /// the steady tracker.
    private func quantileStep(_ coupling: Double, observedBelow: Bool, scale: Double = 1) -> Double {
        let stepped =
            coupling + scale * parameters.couplingStepDB * (parameters.couplingQuantile - (observedBelow ? 1 : 0))
        return min(max(stepped, -60), Self.maximumCouplingDB)
    }

    /// The steady tracker's step as a share of the quantile tracker's: ten times slower, so that a few loud frames
    /// (a user's onset before it counts) barely move it.
    static let steadyStepFraction = 0.1

    /// The loudest coupling learned, dB: a mic 20 dB louder than what is played is beyond any speaker and mic
    /// gain a device ships with.
    static let maximumCouplingDB = 20.0
}

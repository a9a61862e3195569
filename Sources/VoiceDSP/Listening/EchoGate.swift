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
    }

    public let sampleRate: Int
    public var parameters: EchoGateParameters
    /// Learned echo coupling, dB (echo energy at the mic relative to the reference energy).
    public private(set) var couplingDB: Double

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

    public init(sampleRate: Int, parameters: EchoGateParameters = EchoGateParameters()) {
        self.sampleRate = sampleRate
        self.parameters = parameters
        self.couplingDB = parameters.initialCouplingDB
        self.highPass = .highPass(cutoff: 150, sampleRate: sampleRate)
        self.lowPass = .lowPass(cutoff: EnergyVAD.bandTopHertz, sampleRate: sampleRate)
        let delayFrames = max(parameters.echoDelayMilliseconds, 0) / 10
        self.history = Array(repeating: -120, count: delayFrames + max(parameters.echoWindowMilliseconds / 10, 1))
    }

    /// Lowers the coupling to `couplingDB` if it is above it (what it learned since was near-end speech).
    public mutating func unlearn(downTo couplingDB: Double) {
        self.couplingDB = min(self.couplingDB, couplingDB)
    }

    /// Forgets the reference history; keeps the learned coupling (the room did not change).
    public mutating func resetHistory() {
        for index in history.indices { history[index] = -120 }
        heldDBFS = -120
        framesSinceActive = 1_000_000
    }

    /// Feeds one reference frame (nil or empty: nothing played) and returns the echo estimate for
    /// the capture frame of the same time.
    public mutating func estimate(reference: UnsafeBufferPointer<Int16>?) -> Frame {
        var energy = -120.0
        // Digital silence into filters at rest gives exactly zero output: skip the filters (the
        // capture path feeds an all-zero reference whenever nothing plays). A frame right after
        // playback still runs them until their ringing has been flushed to zero.
        if let reference, !reference.isEmpty,
            !(highPass.isAtRest && lowPass.isAtRest && Self.isDigitalSilence(reference))
        {
            var sum = 0.0
            for sample in reference {
                let y = lowPass.process(highPass.process(Double(sample) / 32768))
                sum += y * y
            }
            energy = EnergyVAD.decibels(sum / Double(reference.count))
            highPass.flushTinyState()
            lowPass.flushTinyState()
        }
        history[historyIndex] = energy
        historyIndex = (historyIndex + 1) % history.count
        // The window of frames that can reach the mic now: all but the newest `delay` frames.
        let delayFrames = max(parameters.echoDelayMilliseconds, 0) / 10
        var windowMax = -120.0
        var windowMin = 0.0
        for back in delayFrames..<history.count {
            let index = (historyIndex - 1 - back + 2 * history.count) % history.count
            windowMax = max(windowMax, history[index])
            windowMin = min(windowMin, history[index])
        }
        lastWindowMinimumDBFS = windowMin
        heldDBFS = max(windowMax, heldDBFS - parameters.echoDecayDBPerSecond / 100)
        lastEnvelopeDBFS = heldDBFS
        if windowMax > parameters.referenceActiveDBFS {
            framesSinceActive = 0
        } else {
            framesSinceActive = min(framesSinceActive + 1, 1_000_000)
        }
        let active = framesSinceActive * 10 <= parameters.tailMilliseconds
        if heldDBFS > parameters.referenceActiveDBFS { playedFrames = min(playedFrames + 1, 1_000_000) }
        let coupling =
            playedFrames * 10 <= parameters.couplingWarmUpMilliseconds
            ? max(couplingDB, parameters.initialCouplingDB) : couplingDB
        let estimate = heldDBFS > parameters.referenceActiveDBFS - 30 ? heldDBFS + coupling : -120
        let required: Double? = active || estimate > -100 ? estimate + parameters.bargeInMarginDB : nil
        return Frame(echoActive: active, echoEstimateDBFS: estimate, requiredLevelDBFS: required)
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
    public mutating func learn(micEnergyDBFS: Double, nearEndSpeech: Bool, noiseFloorDBFS: Double = -120) {
        guard !nearEndSpeech, lastEnvelopeDBFS > parameters.referenceActiveDBFS else { return }
        guard micEnergyDBFS > noiseFloorDBFS + parameters.couplingMinimumEchoDB else {
            let evidence = parameters.quietEchoEvidenceDB
            if evidence > 0, lastWindowMinimumDBFS >= lastEnvelopeDBFS - parameters.quietEchoSustainedDB,
                lastEnvelopeDBFS + couplingDB >= noiseFloorDBFS + parameters.couplingMinimumEchoDB + evidence
            {
                stepCoupling(observedBelow: true)
            }
            return
        }
        let observed = micEnergyDBFS - lastEnvelopeDBFS
        learnedFrames = min(learnedFrames + 1, 1_000_000)
        if learnedFrames <= parameters.couplingWarmUpMilliseconds / 10 {
            warmUpMaximumDB = max(warmUpMaximumDB, observed)
            // Never above the cautious starting value: the warm-up only learns that the room is quieter.
            couplingDB = min(max(warmUpMaximumDB, -60), parameters.initialCouplingDB)
            return
        }
        stepCoupling(observedBelow: observed <= couplingDB)
    }

    /// One step of the quantile tracker: up by `step × quantile` for an observation above the coupling, down by
    /// `step × (1 − quantile)` for one at or below it, so the coupling settles where that share of frames lies.
    private mutating func stepCoupling(observedBelow: Bool) {
        couplingDB += parameters.couplingStepDB * (parameters.couplingQuantile - (observedBelow ? 1 : 0))
        couplingDB = min(max(couplingDB, -60), 20)
    }
}

import RealModule

/// A causal energy voice-activity detector over 10 ms frames at any sample rate.
///
/// The frame energy in the speech band (150 Hz…4 kHz: rumble, most hum and hiss removed) is compared with an adaptive
/// noise floor; speech starts after `onsetFrames` frames above the onset threshold, and ends when
/// the energy stays below the lower offset threshold for the hangover time. Both thresholds rise with
/// the noise spread (how much non-speech frames fluctuate above the floor), and an onset that
/// jumps from the floor and then decays like an impact (a knock, a clap) is rejected. In a steady room a frame that
/// stands out in one of seven bands counts toward an onset too (`BandOnsetTest`), before the whole band shows it. In a
/// room of notes (bells, an organ), a frame that occupies few spectral bins over their own floors neither starts nor
/// holds speech (`SpectralOccupancy`). A caller (the echo gate) can raise the thresholds per frame with an absolute
/// level the frame must also exceed.
public struct EnergyVAD: Sendable {
    /// What the VAD measured and decided for one frame.
    public struct Frame: Sendable, Equatable {
        /// RMS level of the unfiltered frame, dBFS.
        public var levelDBFS: Double
        /// Energy the decision uses (filtered), dBFS.
        public var energyDBFS: Double
        /// The adaptive noise floor after this frame, dBFS.
        public var noiseFloorDBFS: Double
        /// Speech after hysteresis and hangover.
        public var isSpeech: Bool
        /// Every sample of the frame was zero (a muted microphone, a gated one between words, a stream that is not
        /// delivering yet).
        public var isDigitalSilence = false
        /// The frame's seven band levels (`SpectralBands`), dBFS, when the VAD measures them for the echo gate's band
        /// test; -120 otherwise.
        public var bandLevelsDBFS = SIMD8<Double>(repeating: -120)
    }

    /// The echo gate's band test for one frame (`EchoGateParameters.bargeInBandMarginDB`): when one band of the
    /// capture exceeds both that band's echo estimate and the room's level in it by `marginDB`, the frame needs only
    /// `roomRequiredLevelDBFS` (the room's part of the barge-in bar), not the full-band echo bar.
    public struct EchoBandTest: Sendable {
        public var estimateDBFS: SIMD8<Double>
        public var marginDB: Double
        public var roomRequiredLevelDBFS: Double

        public init(estimateDBFS: SIMD8<Double>, marginDB: Double, roomRequiredLevelDBFS: Double) {
            self.estimateDBFS = estimateDBFS
            self.marginDB = marginDB
            self.roomRequiredLevelDBFS = roomRequiredLevelDBFS
        }
    }

    public let sampleRate: Int
    /// Samples per 10 ms frame.
    public let frameLength: Int
    public var parameters: EnergyVADParameters

    private var highPass: Biquad
    private var lowPass: Biquad
    /// The speech band's part above `clickBandHertz`: an impact's click is there, a knock's body is not. Only onset
    /// candidates need it, so it runs from rest on demand (see `clickShareDB`), not on every sample.
    private let clickBand: Biquad
    /// Lag of the high-tone predictor, samples: about 62 µs at every rate (1 at 16 kHz, 2 at 24 kHz),
    /// so a band-limited fricative is as unpredictable at 24 kHz as at 16 kHz.
    private let toneLag: Int
    private var noiseFloorDBFS: Double
    /// The noise floor's minimum statistics (the full band's power in both lanes; lane 0 is read).
    private var floorStatistics: MinimumStatistics<SIMD2<Double>>
    /// Frames processed: the detector's clock (the struck-tone room's timing).
    private var framesSeen = 0
    /// Frames the microphone was not muted for: the warm-up and the noise statistics count these.
    private var framesHeard = 0
    private var onsetCount = 0
    private var hangoverLeft = 0
    private var speaking = false
    /// Mean excess of non-speech frames over the floor, dB (see `EnergyVADParameters.spreadOnsetFactor`).
    private var spreadDB = 0.0
    /// What is left of the barge-in spread's prior (`EnergyVADParameters.bargeInSpreadPriorDB`): 1 before the
    /// spread has learned from any frame, times (1 - the spread's rate) for each frame it learns from.
    private var spreadPriorWeight = 1.0
    /// The same average over `bargeInSpreadTimeMilliseconds` (see `bargeInNoiseSpread`).
    private var fastSpreadDB = 0.0
    /// The noise floor averaged over the frames the spread learned from (see `spreadFloor`), dBFS.
    private var spreadFloorDBFS: Double
    private var previousEnergyDBFS = -120.0
    /// Filtered energy of the frame before the last one, dBFS (an impact's attack can straddle a frame boundary).
    private var energyTwoFramesAgoDBFS = -120.0
    /// The quieter of the two frames before this one, dBFS: what an attack is measured from.
    private var quieterOfTwoFramesBeforeDBFS: Double { min(previousEnergyDBFS, energyTwoFramesAgoDBFS) }
    /// Impulse rejection: the onset run's start level, peaks, and whether it looks like an impact.
    private var runStartDBFS = -120.0
    private var runPeakDBFS = -120.0
    private var runHalfPeakDBFS = -120.0
    private var runIsSharp = false
    /// Share of the run's first frame energy above `clickBandHertz`, dB (0: all of it).
    private var runFirstClickShareDB = 0.0
    /// Frames a steep onset waits beyond `onsetFrames` for the decay test (0, 1, or more for a knock).
    private var runConfirmationFrames = 0
    /// Peak of the last rejected impulse, released over time; onsets must exceed it.
    private var impulseEnvelopeDBFS = -120.0
    /// Steady-spectrum rejection; nil when `stationaryFluxDB` is 0.
    private var spectralFlux: SpectralFlux?
    /// This frame's band-limited samples, for the high-tone test and the spectral flux (allocated once).
    private var bandSignal: [Double] = []
    /// The frame before's (the two swap each frame: no copy): the click band settles on its last samples.
    private var previousBandSignal: [Double] = []
    /// Samples of `bandSignal` this frame wrote, and of `previousBandSignal` the frame before wrote.
    private var bandSignalCount = 0
    private var previousBandSignalCount = 0
    /// Level of the onset run's first frame, dBFS (the struck-tone test's attack).
    private var runFirstEnergyDBFS = -120.0
    /// Struck-tone rooms (see `EnergyVADParameters.struckToneRoomMilliseconds`); nil when the test is off.
    private var struckTone: StruckToneTest?
    /// Whether the level is only ringing out (see `EnergyVADParameters.ringOutMilliseconds`); nil when the test is off.
    private var ringOut: RingOutTest?
    /// A talker's first frames in a steady room, heard in one band (see `EnergyVADParameters.bandOnsetDB`); nil when the
    /// test is off.
    private var bandOnset: BandOnsetTest?
    /// The capture's band levels for the echo gate's band test and the band onset test: in every frame under the echo
    /// (continuous filter state) and in every `roomBandStride`-th frame the room's levels learn from, or in every frame
    /// heard when the band onset test is on; nil unless asked for at `init` or the band onset test is on.
    private var echoBands: SpectralBands?
    /// The band filters ran on the last frame heard (their state continues into this one).
    private var echoBandsContinuous = false
    private var bandsRanThisFrame = false
    /// The room's mean power per band, learned where the spread learns (neither speech nor our audible echo), and
    /// the same in dBFS.
    private var roomBandPower = SIMD8<Double>(repeating: 0)
    private var roomBandsDBFS = SIMD8<Double>(repeating: -120)
    private var roomBandsLearned = false
    /// The room's band levels learn from every `roomBandStride`-th frame the spread learns from: the room changes
    /// over the spread's half second, and the band filters cost as much as the rest of the VAD.
    static let roomBandStride = 4
    /// How much of each frame's spectrum stands over its own floor (see `EnergyVADParameters.tonalOnsetOccupancy`);
    /// nil when the test is off.
    private var occupancy: SpectralOccupancy?
    /// The mean occupancy of the frames the spread learns from (a plain mean until the spread's time constant is
    /// reached), and how many frames it has learned from: a room is judged tonal once it has been heard for
    /// `tonalRoomLearningFrames`.
    private var roomOccupancyShare = 0.0
    private var roomOccupancyFrames = 0
    static let tonalRoomLearningFrames = 50

    /// `measuresBands`: also measure each frame's seven band levels, for the echo gate's band test
    /// (`EchoBandTest`), and the room's level in each band.
    public init(sampleRate: Int, parameters: EnergyVADParameters = EnergyVADParameters(), measuresBands: Bool = false) {
        precondition(sampleRate >= 8000 && sampleRate % 100 == 0, "EnergyVAD needs a rate that is a multiple of 100 Hz")
        self.sampleRate = sampleRate
        self.frameLength = sampleRate / 100
        self.parameters = parameters
        self.highPass = .highPass(cutoff: 150, sampleRate: sampleRate)
        self.lowPass = .lowPass(cutoff: Self.bandTopHertz, sampleRate: sampleRate)
        self.clickBand = .highPass(cutoff: Self.clickBandHertz, sampleRate: sampleRate)
        self.bandSignal = Array(repeating: 0, count: frameLength)
        self.previousBandSignal = bandSignal
        self.toneLag = max(1, (sampleRate + 8000) / 16000)
        self.noiseFloorDBFS = parameters.minimumNoiseFloorDBFS
        self.spreadFloorDBFS = parameters.minimumNoiseFloorDBFS
        self.floorStatistics = MinimumStatistics(
            windowMilliseconds: parameters.noiseFloorWindowMilliseconds, smoothing: parameters.noiseFloorSmoothing)
        if parameters.struckToneRoomMilliseconds > 0 {
            self.struckTone = StruckToneTest(sampleRate: sampleRate)
        }
        self.ringOut = RingOutTest(parameters: parameters)
        self.bandOnset = BandOnsetTest(parameters: parameters)
        if measuresBands || bandOnset != nil { self.echoBands = SpectralBands(sampleRate: sampleRate) }
        if parameters.tonalOnsetOccupancy > 0 || parameters.tonalHoldOccupancy > 0 {
            self.occupancy = SpectralOccupancy(sampleRate: sampleRate, marginDB: Self.occupancyMarginDB)
        }
        if parameters.stationaryFluxDB > 0 {
            self.spectralFlux = SpectralFlux(
                sampleRate: sampleRate,
                lagFrames: parameters.spectralFluxLagMilliseconds / 10
            )
        }
    }

    /// The decision uses 150 Hz…4 kHz, where speech has most of its energy: the same band at every
    /// session rate, and wideband noise above it does not mask speech.
    static let bandTopHertz = 4000.0
    /// Knock test: the share of the band above this frequency (see `EnergyVADParameters.impulseClickDropDB`).
    static let clickBandHertz = 1500.0
    /// A spectral bin is occupied this far over its own floor (`SpectralOccupancy`): steady noise then occupies
    /// 0.01–0.03 of the bins, far from a tonal room's 0.2–0.4 (at 6 dB it was 0.12, close enough that how the floor
    /// is estimated decided which rooms looked tonal).
    static let occupancyMarginDB = 10.0

    public var isSpeech: Bool { speaking }
    public var noiseFloor: Double { noiseFloorDBFS }
    /// The noise spread the thresholds currently add to, dB.
    public var noiseSpread: Double { spreadDB }
    /// The noise spread the echo gate's barge-in margin uses, dB: the larger of `noiseSpread` and the same
    /// average over `bargeInSpreadTimeMilliseconds` (0: `noiseSpread` alone), and never below what is left of
    /// `bargeInSpreadPriorDB` (a room not yet measured is not assumed steady).
    public var bargeInNoiseSpread: Double {
        let learned = parameters.bargeInSpreadTimeMilliseconds > 0 ? max(spreadDB, fastSpreadDB) : spreadDB
        return max(learned, parameters.bargeInSpreadPriorDB * spreadPriorWeight)
    }
    /// The floor the spread was measured against, dBFS: the noise floor averaged over the frames the
    /// spread learned from, over `bargeInSpreadTimeMilliseconds` (or `spreadTimeMilliseconds` when that is 0).
    /// The spread is an excess over this floor; when the floor later drops (minimum statistics catch a
    /// dip of babble under our echo) while the spread cannot learn, floor + spread understates the room.
    public var spreadFloor: Double { spreadFloorDBFS }
    /// The room's level in each of the seven bands, dBFS (-120 before any frame taught it, or when bands are not
    /// measured).
    public var roomBands: SIMD8<Double> { roomBandsDBFS }
    /// Filtered energy of the last frame heard (not muted), dBFS.
    public var lastEnergy: Double { previousEnergyDBFS }
    /// While speaking: how many more frames under the offset threshold end the speech (the hangover
    /// left); nil when not speaking.
    public var framesUntilSpeechEndsInSilence: Int? { speaking ? max(hangoverLeft, 1) : nil }
    /// The band onset test's spread per band, dB (nil when the test is off): whether the room is steady.
    var bandSpreads: SIMD8<Double>? { bandOnset?.spreadDB }
    /// The mean spectral occupancy of the frames the spread learned from (0 before any; see
    /// `EnergyVADParameters.tonalOnsetOccupancy`).
    public var roomOccupancy: Double { roomOccupancyShare }
    /// Whether the room is currently marked as a struck-tone room (bells, chimes).
    public var isStruckToneRoom: Bool { struckTone?.isRoomMarked(atFrame: framesSeen) ?? false }

    /// Forgets the noise floor and any speech in progress.
    public mutating func reset() {
        self = EnergyVAD(sampleRate: sampleRate, parameters: parameters, measuresBands: echoBands != nil)
    }

    /// Ends the speech in progress (and any onset under way) without waiting for the hangover; the
    /// noise floor, the spread and the impulse envelope are kept. Speech that goes on is a new onset.
    public mutating func endSpeech() {
        speaking = false
        onsetCount = 0
        hangoverLeft = 0
        struckTone?.cancelWait()
        struckTone?.endWatch()
    }

    /// Analyses one frame. `requiredLevelDBFS`, when given, is an absolute level the filtered
    /// energy must also exceed to count as speech (the echo gate's raised threshold);
    /// `minimumOnsetFrames` can lengthen the onset (the gate's minimum barge-in time);
    /// `echoEstimateDBFS` is the gate's estimate of our own echo in this frame (nil: unknown, then
    /// any frame with a required level is treated as echo and the noise spread does not learn);
    /// `microphoneMuted` says the caller muted the microphone for this frame (its samples are the mute's zeros).
    public mutating func process(
        frame: UnsafeBufferPointer<Int16>,
        requiredLevelDBFS: Double? = nil,
        minimumOnsetFrames: Int = 0,
        echoEstimateDBFS: Double? = nil,
        echoBandTest: EchoBandTest? = nil,
        microphoneMuted: Bool = false
    ) -> Frame {
        var raw = 0.0
        var firstHalf = 0.0
        var secondHalf = 0.0
        let half = frame.count / 2
        let keepsBand = bandSignal.count >= frame.count
        // The last frame's band signal becomes the previous one, and this frame is written over the one before it.
        // Moved out while it is written (no copy, no allocation), so the filters stay accessible.
        var band = previousBandSignal
        previousBandSignal = bandSignal
        previousBandSignalCount = bandSignalCount
        bandSignalCount = keepsBand ? frame.count : 0
        bandSignal = []
        band.withUnsafeMutableBufferPointer { band in
            // Each half's band energy apart (the impulse test compares them); the rest over the frame.
            func filter(_ indices: Range<Int>, bandEnergy: inout Double) {
                for index in indices {
                    let x = Double(frame[index]) / 32768
                    raw += x * x
                    let y = lowPass.process(highPass.process(x))
                    bandEnergy += y * y
                    if keepsBand { band[index] = y }
                }
            }
            filter(0..<half, bandEnergy: &firstHalf)
            filter(half..<frame.count, bandEnergy: &secondHalf)
        }
        highPass.flushTinyState()
        lowPass.flushTinyState()
        let count = Double(max(frame.count, 1))
        let level = Self.decibels(raw / count)
        let energy = Self.decibels((firstHalf + secondHalf) / count)
        let halfCount = Double(max(half, 1))
        let firstHalfEnergy = Self.decibels(firstHalf / halfCount)
        let secondHalfEnergy = Self.decibels(secondHalf / Double(max(frame.count - half, 1)))
        framesSeen += 1
        // A muted frame says nothing about the room. Were the floor to learn the mute's zeros, it would sit at its
        // minimum for a whole window after the unmute and the room itself would be taken for a talker. So it decides
        // like silence (speech in progress runs out its hangover) and leaves the floor, the spread and the onset
        // history as they were. A device's own zeros are different: a gated microphone's silence between words is
        // what its room sounds like, and the floor learns it.
        let digitalSilence = raw == 0
        let heard = !microphoneMuted
        if heard {
            framesHeard += 1
            ringOut?.note(energy: energy)
        }
        // A sustained tone (flux below what noise or speech would show) is neither onset nor speech.
        var flux = Double.infinity
        if keepsBand && spectralFlux != nil {
            flux = band.withUnsafeBufferPointer { samples in
                spectralFlux?.analyse(bandSignal: UnsafeBufferPointer(rebasing: samples[0..<frame.count])) ?? .infinity
            }
        }
        bandSignal = band
        // A tonal room's notes occupy few of the spectrum's bins, a voice most (not under our echo: its frames are
        // the reply's, and the gate's bar judges them).
        let tonalRoom =
            roomOccupancyFrames >= Self.tonalRoomLearningFrames
            && roomOccupancyShare > parameters.tonalRoomMinimumOccupancy
            && roomOccupancyShare < parameters.tonalRoomMaximumOccupancy
        var frameOccupancy: Double?
        if occupancy != nil && keepsBand && heard && requiredLevelDBFS == nil {
            // Speech outside a tonal room needs no occupancy (the room learns from other frames): the FFT only keeps
            // its window.
            let measures = !speaking || tonalRoom
            frameOccupancy = bandSignal.withUnsafeBufferPointer { samples in
                occupancy?.analyse(
                    bandSignal: UnsafeBufferPointer(rebasing: samples[0..<frame.count]), measures: measures)
            }
        }
        let noteOnly = tonalRoom && frameOccupancy.map { $0 < parameters.tonalOnsetOccupancy } == true
        let holdsNoVoice = tonalRoom && frameOccupancy.map { $0 < parameters.tonalHoldOccupancy } == true
        // The echo gate's band test needs the capture's bands in every frame under the echo (the gate learns from them
        // too), the band onset test in every frame heard.
        var micBands = SIMD8<Double>(repeating: -120)
        let bandsEveryFrame = bandOnset != nil && heard
        let bandsMeasured = (echoBandTest != nil || bandsEveryFrame) && keepsBand && echoBands != nil
        if bandsMeasured { micBands = measureEchoBands(count: frame.count) }
        let bandOnsetMeasured = bandsEveryFrame && bandsMeasured
        if bandOnsetMeasured { bandOnset?.note(levels: micBands) }
        let steady = flux < parameters.stationaryFluxDB
        // A sound that has only rung out for a while (a bell between strikes, a note dying away) neither starts nor
        // holds speech: a talker's level rises again with every syllable, and any rise ends the ringing at once.
        let ringingOut = ringOut?.isRingingOut == true
        // Our echo's frames are judged by the echo gate's bar, not by a band over the room's floor.
        let overOnsetInBand =
            requiredLevelDBFS == nil && bandOnset?.clears == true && energy > parameters.minimumSpeechLevelDBFS

        // A struck-tone room's strikes taught the spread; there the wait rejects them, not the threshold.
        let spreadCap = isStruckToneRoom ? parameters.struckToneSpreadCapDB : .infinity
        let spread = min(spreadDB, parameters.maximumSpreadDB, spreadCap)
        let onset = max(
            noiseFloorDBFS + parameters.onsetThresholdDB + parameters.spreadOnsetFactor * spread,
            parameters.minimumSpeechLevelDBFS
        )
        let offset = max(
            noiseFloorDBFS + parameters.offsetThresholdDB + parameters.spreadOffsetFactor * spread,
            parameters.minimumSpeechLevelDBFS
        )
        var required = requiredLevelDBFS ?? -.infinity
        if let echoBandTest, bandsMeasured, clearsEcho(bands: micBands, test: echoBandTest) {
            required = echoBandTest.roomRequiredLevelDBFS
        }
        let warmUpFrames = parameters.warmUpMilliseconds / 10
        let hangoverFrames = max(parameters.hangoverMilliseconds / 10, 1)
        impulseEnvelopeDBFS = max(impulseEnvelopeDBFS - parameters.impulseReleaseDBPerSecond / 100, -120)

        // The struck-tone test's band levels, only for frames it looks at: onset candidates and the
        // watch over a new run (the filters settle within a frame when they restart from zero).
        var bandLevels = SIMD8<Double>(repeating: -120)
        if var test = struckTone {
            let wantsBands =
                keepsBand && framesHeard > warmUpFrames
                && ((!speaking && (energy > onset || overOnsetInBand)) || test.isWatching)
            bandLevels = bandSignal.withUnsafeBufferPointer { samples in
                test.levels(of: wantsBands ? UnsafeBufferPointer(rebasing: samples[0..<frame.count]) : nil)
            }
            struckTone = test
        }
        var startedNow = false
        // Measured for onset candidates only (below): no other frame needs it.
        var clickShare = 0.0

        if framesHeard <= warmUpFrames {
            speaking = false
        } else if !speaking {
            if (energy > onset || overOnsetInBand) && energy > required && energy > impulseEnvelopeDBFS && !steady
                && !ringingOut && !noteOnly
            {
                clickShare = clickShareDB(energyDBFS: energy)
                countTowardOnset(
                    energy: energy,
                    halves: (firstHalfEnergy, secondHalfEnergy),
                    clickShareDB: clickShare,
                    onsetFrames: max(parameters.onsetFrames, 1),
                    riseDB: requiredLevelDBFS == nil ? parameters.impulseRiseDB : parameters.impulseRiseUnderEchoDB
                )
            } else {
                onsetCount = 0
            }
            if onsetCount == 0 { struckTone?.cancelWait() }
            let needed = max(parameters.onsetFrames, 1) + (runIsSharp ? runConfirmationFrames : 0)
            if onsetCount >= max(needed, minimumOnsetFrames, 1) {
                if struckTone?.isWaiting == true {
                    let attackDB = energy - quieterOfTwoFramesBeforeDBFS
                    let outcome = struckTone?.continueWait(
                        energy: energy, levels: bandLevels, attackDB: attackDB, frame: framesSeen,
                        parameters: parameters)
                    // A struck note ringing out: the run starts over.
                    if outcome == .rejected { onsetCount = 0 }
                    startedNow = outcome == .starts
                } else {
                    let highTone =
                        clickShare > parameters.highToneClickShareDB
                        && bandPredictionGainDB()
                            > parameters.highTonePredictionGainDB
                    if highTone {
                        // A dish clink or a beep: rejected like an impact, its ringing must be exceeded.
                        impulseEnvelopeDBFS = runPeakDBFS
                        onsetCount = 0
                    } else if isStruckToneRoom {
                        // A struck-tone room: wait for what a struck note cannot show, if the onset rose at all.
                        if struckTone?.onsetRose(energy: energy, parameters: parameters) == true {
                            struckTone?.beginWait(peakEnergy: max(energy, runPeakDBFS), levels: bandLevels)
                        } else {
                            onsetCount = 0
                        }
                    } else {
                        startedNow = true
                    }
                }
                if startedNow {
                    speaking = true
                    hangoverLeft = hangoverFrames
                    struckTone?.cancelWait()
                    struckTone?.beginWatch(
                        energy: energy, levels: bandLevels, attackDB: runFirstEnergyDBFS - runStartDBFS,
                        steadyRoomDBFS: noiseFloorDBFS - parameters.noiseFloorBiasDB)
                }
            }
        } else if energy > offset && !steady && !ringingOut && !holdsNoVoice
            && energy > required - (parameters.onsetThresholdDB - parameters.offsetThresholdDB)
        {
            hangoverLeft = hangoverFrames
        } else {
            hangoverLeft -= 1
            if hangoverLeft <= 0 {
                speaking = false
                onsetCount = 0
            }
        }
        if !speaking {
            struckTone?.endWatch()
        } else if struckTone?.isWatching == true && !startedNow {
            struckTone?.watch(energy: energy, levels: bandLevels, frame: framesSeen, parameters: parameters)
        }
        let echoInaudible =
            requiredLevelDBFS == nil
            || (echoEstimateDBFS ?? 0) < noiseFloorDBFS - parameters.spreadEchoClearanceDB
        // An onset waiting for the struck-tone test may be speech: it does not teach the spread.
        if !speaking && echoInaudible && heard && framesHeard > 1 && struckTone?.isWaiting != true {
            // The spread learns from frames that are neither speech nor (audibly) our own echo.
            let excess = min(max(energy - noiseFloorDBFS, 0), 2 * parameters.maximumSpreadDB)
            let rate = min(10 / Double(max(parameters.spreadTimeMilliseconds, 10)), 1)
            spreadDB += rate * (excess - spreadDB)
            if let frameOccupancy {
                roomOccupancyFrames += 1
                let weight = max(rate, 1 / Double(roomOccupancyFrames))
                roomOccupancyShare += weight * (frameOccupancy - roomOccupancyShare)
            }
            // Zero once negligible: months of multiplications would otherwise end in subnormal arithmetic.
            spreadPriorWeight = spreadPriorWeight > 1e-6 ? spreadPriorWeight * (1 - rate) : 0
            // The spread's floor follows at the faster rate when there is one: the barge-in margin pairs
            // the two.
            let fastTime = parameters.bargeInSpreadTimeMilliseconds
            let fastRate = fastTime > 0 ? min(10 / Double(max(fastTime, 10)), 1) : rate
            if fastTime > 0 { fastSpreadDB += fastRate * (excess - fastSpreadDB) }
            spreadFloorDBFS += fastRate * (noiseFloorDBFS - spreadFloorDBFS)
            if bandOnsetMeasured { bandOnset?.learnSpread(rate: rate) }
            if echoBands != nil && keepsBand && (bandsMeasured || framesHeard % Self.roomBandStride == 0) {
                if !bandsMeasured { micBands = measureEchoBands(count: frame.count) }
                // Measured in every frame for the band onset test, they learn from every one.
                let stride = bandsEveryFrame ? 1 : Self.roomBandStride
                learnRoomBands(micBands, rate: min(rate * Double(stride), 1))
            }
        }
        // A frame the band filters skipped breaks their state's continuity.
        echoBandsContinuous = bandsRanThisFrame
        bandsRanThisFrame = false
        if heard {
            energyTwoFramesAgoDBFS = previousEnergyDBFS
            struckTone?.noteEnergy(energy)
            previousEnergyDBFS = energy
            updateNoiseFloor(energy: energy)
        }
        if bandOnsetMeasured { bandOnset?.updateFloors() }
        return Frame(
            levelDBFS: level, energyDBFS: energy, noiseFloorDBFS: noiseFloorDBFS, isSpeech: speaking,
            isDigitalSilence: digitalSilence, bandLevelsDBFS: micBands)
    }

    /// The seven band levels of this frame's band signal. Filters that did not run on the frame before start from rest
    /// and settle over the frame's first `bandSettleMilliseconds` (their lowest band rings for about that long), which
    /// the levels leave out.
    private mutating func measureEchoBands(count: Int) -> SIMD8<Double> {
        guard var bands = echoBands else { return SIMD8(repeating: -120) }
        var settle = 0
        if !echoBandsContinuous {
            bands.resetState()
            settle = Self.bandSettleMilliseconds * 8  // samples at the band filters' rate, about 8 kHz
        }
        let levels = bandSignal.withUnsafeBufferPointer { samples in
            bands.levels(bandSignal: UnsafeBufferPointer(rebasing: samples[0..<count]), settleSamples: settle)
        }
        echoBands = bands
        bandsRanThisFrame = true
        return levels
    }

    static let bandSettleMilliseconds = 3

    /// Whether some band of the frame exceeds both its echo estimate and the room's level in it by the test's margin.
    private func clearsEcho(bands: SIMD8<Double>, test: EchoBandTest) -> Bool {
        let margin = SIMD8<Double>(repeating: test.marginDB)
        // Over the louder of the two by the margin is necessary; most frames under the echo fail even that.
        guard any(bands .> pointwiseMax(test.estimateDBFS, roomBandsDBFS) + margin) else { return false }
        for band in 0..<SpectralBands.bandCount {
            let room = roomBandsLearned ? roomBandPower[band] : 0
            let bar = Self.decibels(Self.power(test.estimateDBFS[band]) + room) + test.marginDB
            if bands[band] > bar { return true }
        }
        return false
    }

    /// The room's band levels follow the spread's frames at its rate, as mean power (the first frame sets them).
    private mutating func learnRoomBands(_ levels: SIMD8<Double>, rate: Double) {
        var power = SIMD8<Double>(repeating: 0)
        for band in 0..<SpectralBands.bandCount { power[band] = Self.power(levels[band]) }
        if roomBandsLearned {
            roomBandPower += rate * (power - roomBandPower)
        } else {
            roomBandPower = power
            roomBandsLearned = true
        }
        for band in 0..<SpectralBands.bandCount { roomBandsDBFS[band] = Self.decibels(roomBandPower[band]) }
    }

    @inline(__always)
    static func power(_ decibels: Double) -> Double { Double.exp(decibels * (Double.log(10) / 10)) }

    /// The frames just heard were the room, not a talker (the caller found them all far under the talker's level while
    /// they held speech on: babble or music after the user stopped). The speech in progress ends, and the spread
    /// takes at least their mean excess over the floor at once: it otherwise learns only outside speech, so it never
    /// hears the room that holds the run on.
    public mutating func adoptAsRoom(meanExcessDB: Double) {
        let excess = min(max(meanExcessDB, 0), 2 * parameters.maximumSpreadDB)
        spreadDB = max(spreadDB, excess)
        fastSpreadDB = max(fastSpreadDB, excess)
        spreadFloorDBFS = noiseFloorDBFS
        endSpeech()
    }

    /// One more frame above the onset threshold. Tracks whether the run rose like an impact (far
    /// above the lower of the two frames before it) and, if so, whether it decays like one: an impact peaks at once and
    /// decays within a frame or two, speech keeps rising or holds. A decaying impact is rejected and
    /// its released peak must be exceeded before a new onset counts. A steep onset waits for that
    /// test (one frame) when its energy already falls within the frame that would start speech, or
    /// when it looks like a knock (`impulseKnockConfirmationFrames`): a broadband click in the first
    /// frame, then a body whose energy lies almost all below `clickBandHertz` (speech starts with
    /// its high band, or without a click). A knock's low body can ring for 40 ms and decay only
    /// 2 dB in one frame; over two frames it has fallen well below its peak.
    private mutating func countTowardOnset(
        energy: Double,
        halves: (Double, Double),
        clickShareDB: Double,
        onsetFrames: Int,
        riseDB: Double
    ) {
        if onsetCount == 0 {
            // A clap's first milliseconds can land at the end of the frame before the run (too quiet to count toward
            // it), and its rise measured from that frame would look like speech's.
            runStartDBFS = quieterOfTwoFramesBeforeDBFS
            runFirstEnergyDBFS = energy
            runPeakDBFS = energy
            runHalfPeakDBFS = max(halves.0, halves.1)
            runFirstClickShareDB = clickShareDB
            runIsSharp = false
            runConfirmationFrames = 0
        }
        onsetCount += 1
        runPeakDBFS = max(runPeakDBFS, energy)
        runHalfPeakDBFS = max(runHalfPeakDBFS, halves.0, halves.1)
        if energy - runStartDBFS > riseDB { runIsSharp = true }
        guard runIsSharp else { return }
        if onsetCount == onsetFrames {
            let fallsAlready = halves.1 < runHalfPeakDBFS - parameters.impulseAttackDropDB
            // A clap's level can hold through a frame; its noise lies in the upper speech band, a voiced onset's not.
            let bright = parameters.impulseBrightShareDB < 0 && clickShareDB > parameters.impulseBrightShareDB
            let knockBody =
                clickShareDB < parameters.impulseBodyClickShareDB
                && runFirstClickShareDB - clickShareDB > parameters.impulseClickDropDB
            runConfirmationFrames =
                knockBody
                ? max(parameters.impulseKnockConfirmationFrames, 1) : (fallsAlready || bright ? 1 : 0)
        }
        if onsetCount > onsetFrames && energy < runPeakDBFS - parameters.impulseDecayDB {
            impulseEnvelopeDBFS = runPeakDBFS
            onsetCount = 0
        }
    }

    /// Share of this frame's band energy above `clickBandHertz`, dB (0: all of it). The click band starts from rest
    /// `clickSettleMilliseconds` before the frame, on the frame before's band signal: its poles forget a start from
    /// rest within a fraction of a millisecond, so this is what a filter running on every sample would give, to
    /// within rounding, at a fraction of the cost. A frame longer than the band signal kept (no band test runs on
    /// it): 0.
    private func clickShareDB(energyDBFS: Double) -> Double {
        guard bandSignalCount > 0 else { return 0 }
        var filter = clickBand
        var clickEnergy = 0.0
        previousBandSignal.withUnsafeBufferPointer { previous in
            let end = previousBandSignalCount
            for y in previous[max(end - clickSettleSamples, 0)..<end] { _ = filter.process(y) }
        }
        bandSignal.withUnsafeBufferPointer { samples in
            for y in samples[0..<bandSignalCount] {
                let click = filter.process(y)
                clickEnergy += click * click
            }
        }
        return Self.decibels(clickEnergy / Double(bandSignalCount)) - energyDBFS
    }

    /// How long the click band settles before a frame it measures (its decay time is under 0.2 ms at every rate).
    static let clickSettleMilliseconds = 3
    private var clickSettleSamples: Int { sampleRate * Self.clickSettleMilliseconds / 1000 }

    /// Order of the high-tone predictor: two poles per sinusoid, so a clink of up to three strong partials
    /// in the speech band (a glass, a spoon on a cup) is predicted well, while a fricative (band-limited
    /// noise) is not. Order 4 left a glass whose three partials all reach the band at 10–13 dB.
    static let toneOrder = 6

    /// The order-`toneOrder` prediction gain of the last frame's band signal, with lags of `toneLag` samples.
    private func bandPredictionGainDB() -> Double {
        bandSignal.withUnsafeBufferPointer { samples in
            Self.predictionGainDB(
                UnsafeBufferPointer(rebasing: samples[0..<bandSignalCount]),
                order: Self.toneOrder, lag: toneLag)
        }
    }

    /// How well a linear predictor of `order` (at most 6) with taps `lag` samples apart predicts
    /// `samples`, dB (covariance method: least squares over the samples whose whole history is in the
    /// frame, so a frame of order/2 steady or decaying sinusoids is predicted almost exactly, 30 dB and
    /// more, with no penalty at the frame's edges). Noise and fricatives are predicted barely (0–10 dB),
    /// voiced speech in between; only used for frames whose energy lies almost all above
    /// `clickBandHertz`, where speech is a fricative.
    static func predictionGainDB(_ samples: UnsafeBufferPointer<Double>, order: Int, lag: Int) -> Double {
        let order = min(max(order, 1), 6)
        let span = order * lag
        guard samples.count > span + order else { return 0 }
        // Normal equations R a = c over n in span..<count, with x[n - k·lag] as the k-th regressor.
        // A 6 × 6 matrix in a SIMD value (row-major): on the stack, nothing allocates.
        var matrix = SIMD64<Double>(repeating: 0)
        do {
            var target = SIMD8<Double>(repeating: 0)
            var energy = 0.0
            for n in span..<samples.count {
                let x = samples[n]
                energy += x * x
                for row in 0..<order {
                    let u = samples[n - (row + 1) * lag]
                    target[row] += x * u
                    for column in 0...row { matrix[row * 6 + column] += u * samples[n - (column + 1) * lag] }
                }
            }
            guard energy > 1e-20 else { return 0 }
            // Cholesky (R is symmetric, positive semidefinite; a tiny ridge keeps it definite).
            var trace = 0.0
            for row in 0..<order { trace += matrix[row * 6 + row] }
            for row in 0..<order { matrix[row * 6 + row] += 1e-9 * trace + 1e-30 }
            for row in 0..<order {
                for column in 0...row {
                    var sum = matrix[row * 6 + column]
                    for k in 0..<column { sum -= matrix[row * 6 + k] * matrix[column * 6 + k] }
                    if row == column {
                        guard sum > 0 else { return 120 }
                        matrix[row * 6 + row] = sum.squareRoot()
                    } else {
                        matrix[row * 6 + column] = sum / matrix[column * 6 + column]
                    }
                }
            }
            // The explained energy is |L⁻¹ c|²: forward substitution only.
            var explained = 0.0
            var solved = SIMD8<Double>(repeating: 0)
            for row in 0..<order {
                var sum = target[row]
                for k in 0..<row { sum -= matrix[row * 6 + k] * solved[k] }
                solved[row] = sum / matrix[row * 6 + row]
                explained += solved[row] * solved[row]
            }
            let residual = max(energy - explained, energy * 1e-12)
            return 10 * Double.log10(energy / residual)
        }
    }

    private mutating func updateNoiseFloor(energy: Double) {
        let power = Double.pow(10, energy / 10)
        let minimum = floorStatistics.update(power: SIMD2(repeating: power))[0]
        noiseFloorDBFS = max(Self.decibels(minimum) + parameters.noiseFloorBiasDB, parameters.minimumNoiseFloorDBFS)
    }

    @inline(__always)
    static func decibels(_ power: Double) -> Double {
        power > 1e-12 ? 10 * Double.log10(power) : -120
    }
}

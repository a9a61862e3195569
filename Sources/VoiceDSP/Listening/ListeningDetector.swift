/// The daemon's ears: energy VAD plus echo gate plus turn edges, one 10 ms frame at a time.
///
/// Feed every capture frame together with the reference frame of the same time (what the device
/// played, already shifted by the output delay; nil or empty when nothing is playing). The
/// detector never allocates after `init`, so it can run on any thread.
public struct ListeningDetector: Sendable {
    public let sampleRate: Int
    /// Samples per 10 ms frame.
    public var frameLength: Int { vad.frameLength }
    public private(set) var parameters: ListeningParameters

    public private(set) var vad: EnergyVAD
    public private(set) var gate: EchoGate

    private var inTurn = false
    private var silentFrames = 0
    private var lastFrame: EnergyVAD.Frame?
    private var lastGate: EchoGate.Frame?
    /// The coupling after each of the last `couplingUnlearnMilliseconds` of frames (a ring, oldest at
    /// `recentCouplingIndex`): what it was before the frames that led up to an onset.
    private var recentCoupling: [Double]
    private var recentCouplingIndex = 0
    /// The band couplings after each of the last `bandCouplingUnlearnMilliseconds` of frames (a ring, oldest at
    /// `recentBandCouplingIndex`; empty when the band test or its unlearning is off).
    private var recentBandCoupling: [EchoGate.BandMemory] = []
    private var recentBandCouplingIndex = 0
    /// The talker-gone test (`ListeningParameters.talkerGoneDropDB`): the turn's loudest level held for
    /// `sustainFrames`, and the energy and excess over the floor of its last frames (rings, allocated once; empty
    /// when the test is off).
    private var turnLoudestDBFS = -120.0
    private var recentTurnEnergies: [Double] = []
    private var recentTurnExcess: [Double] = []
    private var recentTurnIndex = 0
    private var turnFramesHeard = 0

    public init(sampleRate: Int, parameters: ListeningParameters = ListeningParameters()) {
        self.sampleRate = sampleRate
        self.parameters = parameters
        self.vad = EnergyVAD(
            sampleRate: sampleRate, parameters: parameters.vad, measuresBands: parameters.echo.bargeInBandMarginDB > 0)
        self.gate = EchoGate(sampleRate: sampleRate, parameters: parameters.echo)
        self.recentCoupling = Array(
            repeating: gate.couplingDB, count: max(parameters.echo.couplingUnlearnMilliseconds / 10, 0))
        if gate.testsBands {
            self.recentBandCoupling = Array(
                repeating: gate.bandMemory, count: max(parameters.echo.bandCouplingUnlearnMilliseconds / 10, 0))
        }
        if parameters.talkerGoneDropDB > 0 {
            let frames = max(parameters.talkerGoneMilliseconds / 10, 1)
            recentTurnEnergies = Array(repeating: -120, count: frames)
            recentTurnExcess = Array(repeating: 0, count: frames)
        }
    }

    /// The noise floor the VAD currently assumes, dBFS.
    public var noiseFloorDBFS: Double { vad.noiseFloor }
    /// The echo estimate of the last frame, dBFS (-120 when nothing played).
    public var echoEstimateDBFS: Double { lastGate?.echoEstimateDBFS ?? -120 }
    /// True between `speechStarted`/`bargeIn` and `speechEnded`.
    public var isInTurn: Bool { inTurn }

    /// If every frame from now on were silent, the frame that reports `speechEnded` would be this many
    /// frames away (1: the next one); nil when no turn is open. The daemon, which otherwise looks at
    /// the microphone once per outgoing chunk, wakes for that frame, so a turn ends when its silence
    /// does rather than up to a chunk later.
    public var framesUntilTurnEndsInSilence: Int? {
        guard inTurn else { return nil }
        let silenceFrames = max((parameters.endOfTurnSilenceMilliseconds + 9) / 10, 1)
        // The frame that ends the VAD's speech is the turn's first silent frame.
        if let hangover = vad.framesUntilSpeechEndsInSilence { return hangover + silenceFrames - 1 }
        return max(silenceFrames - silentFrames, 1)
    }

    /// Ends any turn in progress without reporting `speechEnded` (the caller started a new turn,
    /// stopped listening, or a reply begins while a push-to-talk turn was still open, so that the
    /// next speech is reported as a barge-in). The noise floor and echo coupling are kept.
    public mutating func resetTurn() {
        inTurn = false
        silentFrames = 0
        turnFramesHeard = 0
        // Speech still under way (the user talks on through a press, or capture paused in the middle of
        // it) belongs to the next turn: it must start that turn, not carry on unreported as the last one.
        vad.endSpeech()
    }

    /// Processes one capture frame (`frameLength` samples; shorter frames are accepted) and the
    /// reference played at the same time. `microphoneMuted`: the caller muted the microphone for this frame (its
    /// samples are the mute's silence); such a frame is decided as silence, and nothing learns from it.
    public mutating func process(
        frame: UnsafeBufferPointer<Int16>,
        reference: UnsafeBufferPointer<Int16>?,
        microphoneMuted: Bool = false
    ) -> ListeningDecision {
        let echo = gate.estimate(reference: reference)
        let wasSpeech = vad.isSpeech
        var required = echo.requiredLevelDBFS
        var bandTest: EnergyVAD.EchoBandTest?
        if echo.echoActive {
            // A false barge-in cuts our reply off, so while it (or its tail) plays, the room's own
            // fluctuation (babble between the reply's sentences) must be cleared by a wider margin.
            // The wider margin is capped at the VAD's own largest spread term, so a user in a loud,
            // very uneven room can still interrupt.
            let vadParameters = parameters.vad
            // The spread cannot learn under the echo. When the floor has since fallen below the floor the
            // spread was measured against (minimum statistics caught a dip of babble in a pause of the
            // reply), the room evidently fluctuates at least that much, and the stale spread understates it.
            let floorDrop = max(vad.spreadFloor - vad.noiseFloor, 0)
            let spreadTerm = min(
                parameters.echo.bargeInSpreadFactor
                    * max(vad.bargeInNoiseSpread, parameters.echo.bargeInFloorDropFactor * floorDrop),
                vadParameters.spreadOnsetFactor * vadParameters.maximumSpreadDB
            )
            let roomLevel = vad.noiseFloor + vadParameters.onsetThresholdDB + spreadTerm
            required = max(required ?? roomLevel, roomLevel)
            if gate.testsBands {
                bandTest = EnergyVAD.EchoBandTest(
                    estimateDBFS: echo.echoBandEstimateDBFS,
                    marginDB: parameters.echo.bargeInBandMarginDB,
                    roomRequiredLevelDBFS: roomLevel)
            }
        }
        if echo.warmingUp {
            // The first playback since start: its echo builds up over a few frames while the coupling is learned,
            // and a speaker louder than the cautious starting coupling would take its own first syllable for a
            // user. Nobody talks over the first fifth of a second of the first reply; it is learned, not judged.
            // The band test still measures the capture's bands (the band couplings learn from them), but clears nothing.
            required = .infinity
            bandTest?.marginDB = .infinity
        }
        var analysed = vad.process(
            frame: frame,
            requiredLevelDBFS: required,
            minimumOnsetFrames: echo.echoActive ? parameters.echo.bargeInMinimumMilliseconds / 10 : 0,
            echoEstimateDBFS: echo.echoEstimateDBFS,
            echoBandTest: bandTest,
            microphoneMuted: microphoneMuted
        )
        // While a turn is open the user may be talking in frames the VAD does not flag (a quiet
        // syllable under the echo, a pause between words): learning there would teach the coupling
        // the user's voice and raise the echo estimate for the rest of the reply. A muted microphone hears neither
        // the echo nor the room: taken as a quiet echo, it would talk the coupling down.
        if !microphoneMuted {
            gate.learn(
                micEnergyDBFS: analysed.energyDBFS,
                nearEndSpeech: analysed.isSpeech || inTurn,
                noiseFloorDBFS: analysed.noiseFloorDBFS,
                micBandsDBFS: gate.testsBands ? analysed.bandLevelsDBFS : nil,
                roomBandsDBFS: gate.testsBands ? vad.roomBands : nil
            )
        }
        let speechStarts = analysed.isSpeech && !wasSpeech && !inTurn
        if !recentCoupling.isEmpty {
            if speechStarts {
                // Speech starts: the frames that led up to it were the user's voice, learned as echo (see
                // `EchoGateParameters.couplingUnlearnMilliseconds`).
                gate.unlearn(downTo: recentCoupling[recentCouplingIndex])
            }
            recentCoupling[recentCouplingIndex] = gate.couplingDB
            recentCouplingIndex = (recentCouplingIndex + 1) % recentCoupling.count
        }
        if !recentBandCoupling.isEmpty {
            // The band couplings learned those frames too, most of all in the bands the reply leaves quiet, where the
            // user stands out: unlearned, or each barge-in would make the band test more cautious for good in a room
            // whose echo is too quiet to teach them back down.
            if speechStarts { gate.unlearnBands(downTo: recentBandCoupling[recentBandCouplingIndex]) }
            recentBandCoupling[recentBandCouplingIndex] = gate.bandMemory
            recentBandCouplingIndex = (recentBandCouplingIndex + 1) % recentBandCoupling.count
        }
        var framesHeardAsRoom = 0
        if !recentTurnEnergies.isEmpty && (inTurn || (analysed.isSpeech && !wasSpeech)) {
            if talkerIsGone(analysed, echoActive: echo.echoActive) {
                analysed.isSpeech = false
                framesHeardAsRoom = recentTurnEnergies.count
            }
        }
        lastFrame = analysed
        lastGate = echo

        var decision = ListeningDecision()
        decision.isSpeech = analysed.isSpeech
        decision.levelDBFS = analysed.levelDBFS
        decision.isDigitalSilence = analysed.isDigitalSilence
        decision.echoActive = echo.echoActive
        if analysed.isSpeech {
            silentFrames = 0
            if !wasSpeech && !inTurn {
                inTurn = true
                if echo.echoActive { decision.bargeIn = true } else { decision.speechStarted = true }
            }
        } else if inTurn {
            // A turn the room held on after the user stopped: its last frames were already the turn's silence.
            silentFrames = max(silentFrames + 1, framesHeardAsRoom)
            if silentFrames * 10 >= parameters.endOfTurnSilenceMilliseconds {
                inTurn = false
                silentFrames = 0
                turnFramesHeard = 0
                decision.speechEnded = true
            }
        }
        return decision
    }

    /// One more frame of a turn (or the frame that starts one) for the talker-gone test: true when the VAD still hears
    /// speech but the turn's last frames all sat `talkerGoneDropDB` under the loudest level it held. The user who
    /// made the turn loud has stopped, and the room (babble, music) holds the VAD on; the VAD is told to take those
    /// frames as the room. Frames under our own echo are not the room's measure, so the window starts again after
    /// them.
    private mutating func talkerIsGone(_ frame: EnergyVAD.Frame, echoActive: Bool) -> Bool {
        guard !echoActive else {
            turnFramesHeard = 0
            return false
        }
        if turnFramesHeard == 0 { turnLoudestDBFS = -120 }
        let count = recentTurnEnergies.count
        recentTurnEnergies[recentTurnIndex] = frame.energyDBFS
        recentTurnExcess[recentTurnIndex] = frame.energyDBFS - frame.noiseFloorDBFS
        turnFramesHeard += 1
        // The talker's level is the loudest the turn held for `sustainFrames`: a syllable holds its level that long,
        // an impact (a knock, a clap, a dropped spoon) does not, and must not make the user's own voice look like the
        // room after it.
        if turnFramesHeard >= Self.sustainFrames, count >= Self.sustainFrames {
            var sustained = Double.infinity
            for back in 0..<Self.sustainFrames {
                sustained = min(sustained, recentTurnEnergies[(recentTurnIndex - back + count) % count])
            }
            turnLoudestDBFS = max(turnLoudestDBFS, sustained)
        }
        recentTurnIndex = (recentTurnIndex + 1) % count
        guard frame.isSpeech, turnFramesHeard >= recentTurnEnergies.count else { return false }
        var loudestRecent = -Double.infinity
        for energy in recentTurnEnergies { loudestRecent = max(loudestRecent, energy) }
        guard loudestRecent < turnLoudestDBFS - parameters.talkerGoneDropDB else { return false }
        var excess = 0.0
        for value in recentTurnExcess { excess += max(value, 0) }
        vad.adoptAsRoom(meanExcessDB: excess / Double(recentTurnExcess.count))
        turnFramesHeard = 0
        return true
    }

    /// Frames a level must hold to count as the talker's (the talker-gone test).
    static let sustainFrames = 5

    /// Convenience for callers holding arrays (tests, offline tools).
    public mutating func process(frame: [Int16], reference: [Int16]?, microphoneMuted: Bool = false)
        -> ListeningDecision
    {
        frame.withUnsafeBufferPointer { frameBuffer in
            if let reference {
                return reference.withUnsafeBufferPointer {
                    process(frame: frameBuffer, reference: $0, microphoneMuted: microphoneMuted)
                }
            }
            return process(frame: frameBuffer, reference: nil, microphoneMuted: microphoneMuted)
        }
    }
}

/// Struck-tone rooms: bells, chimes, a plucked or struck instrument (see
/// `EnergyVADParameters.struckToneRoomMilliseconds`).
///
/// A struck note rises within milliseconds and then decays freely: its band levels fall together and its
/// level never rises again, where speech changes its spectrum or rises within tens of milliseconds. Every
/// new run of speech is watched for `struckToneWatchMilliseconds`; two runs within
/// `struckTonePairMilliseconds` that started with an attack and then looked struck mark the room. In a
/// marked room an onset waits up to `struckToneWaitMilliseconds` for a spectral change or a rise and is
/// rejected without one, so only rooms that have shown struck notes pay that wait.
///
/// In a marked room the wait, not the onset threshold, is what keeps the strikes out: the threshold counts at most
/// `struckToneSpreadCapDB` of the noise spread the strikes taught it, or a user a few dB over the bells is never heard.
/// So the wait takes care with what a struck note does. A note still ringing as the threshold comes down under it has
/// not risen (`struckToneOnsetRiseDB`): it does not wait at all. A struck note peaks at its attack, and two notes'
/// partials beating can lift it again by a few dB: the rise is measured from the onset run's peak. Its higher partials
/// die first, so its shape changes as it decays: a change counts only while the level holds. And a strike whose attack
/// straddles two frames rises on into the second: the wait starts over there, once.
///
/// Frames are counted by the caller (`EnergyVAD`'s frame index), so the mark is a frame number.
struct StruckToneTest: Sendable {
    /// What an onset waiting in a struck-tone room showed in one more frame.
    enum WaitOutcome: Equatable {
        /// A spectral change or a rise: speech starts.
        case starts
        /// Neither yet: the onset keeps waiting.
        case waits
        /// Neither within the wait: the onset is rejected.
        case rejected
    }

    private var bands: SpectralBands
    /// Whether the bands filtered the previous frame (else their state is stale).
    private var bandsRanLastFrame = false
    /// The room counts as a struck-tone room before this frame.
    private var roomUntilFrame = 0
    /// When the last run that looked struck was watched to its end.
    private var lastStruckRunFrame = Int.min / 2
    /// An onset waiting in a struck-tone room, and what it is compared with.
    private(set) var isWaiting = false
    private var waitFrames = 0
    private var waitLevels = SIMD8<Double>(repeating: -120)
    private var waitEnergyDBFS = -120.0
    /// The wait already started over at an attack.
    private var waitRestarted = false
    /// The filtered energy of the last `riseWindowFrames` frames heard, dBFS (the lanes past them stay at +infinity so
    /// that `min()` ignores them): what an onset must have risen above.
    private var recentEnergiesDBFS = StruckToneTest.initialRecentEnergies
    private var recentEnergyIndex = 0
    /// The watch over a new run of speech: frames watched (-1: none), its start, and what it showed.
    private var watchFrames = -1
    private var watchLevels = SIMD8<Double>(repeating: -120)
    /// The power of the steady room under the watched run, and what the run's first frame added to it (dBFS): the
    /// run's rise and decay are measured on what it adds.
    private var watchRoomPower = 0.0
    private var watchAddedDBFS = -120.0
    private var watchAttackDB = 0.0
    private var watchMaximumChangeDB = 0.0
    private var watchMaximumRiseDB = -120.0

    init(sampleRate: Int) {
        self.bands = SpectralBands(sampleRate: sampleRate)
    }

    /// An onset must have risen above the quietest frame of this many (100 ms): longer than a strike's attack and the
    /// first rise of a syllable, shorter than the gap between two strikes.
    static let riseWindowFrames = 10
    private static var initialRecentEnergies: SIMD16<Double> {
        var energies = SIMD16<Double>(repeating: .infinity)
        for lane in 0..<riseWindowFrames { energies[lane] = -120 }
        return energies
    }

    /// Records the filtered energy of a frame heard (after the frame was decided).
    mutating func noteEnergy(_ energy: Double) {
        recentEnergiesDBFS[recentEnergyIndex] = energy
        recentEnergyIndex = (recentEnergyIndex + 1) % Self.riseWindowFrames
    }

    /// Whether an onset at `energy` rose `struckToneOnsetRiseDB` above the quietest of the last frames heard. A note
    /// still ringing, which crossed the threshold because the threshold came down, has not.
    func onsetRose(energy: Double, parameters: EnergyVADParameters) -> Bool {
        parameters.struckToneOnsetRiseDB <= 0 || energy - recentEnergiesDBFS.min() >= parameters.struckToneOnsetRiseDB
    }

    func isRoomMarked(atFrame frame: Int) -> Bool { frame < roomUntilFrame }

    /// Whether a run of speech is being watched (its frames need band levels).
    var isWatching: Bool { watchFrames >= 0 }

    /// The frame's seven band levels, or -120 dBFS in every band when `bandSignal` is nil (a frame the test
    /// does not look at). The filters restart from zero after such a frame: they settle within one.
    mutating func levels(of bandSignal: UnsafeBufferPointer<Double>?) -> SIMD8<Double> {
        guard let bandSignal else {
            bandsRanLastFrame = false
            return SIMD8(repeating: -120)
        }
        if !bandsRanLastFrame { bands.resetState() }
        bandsRanLastFrame = true
        return bands.levels(bandSignal: bandSignal)
    }

    /// An onset in a marked room starts waiting; `levels` are those of the frame that would have started speech,
    /// `peakEnergy` the loudest frame of its run (a rise is measured from there).
    mutating func beginWait(peakEnergy: Double, levels: SIMD8<Double>) {
        isWaiting = true
        waitFrames = 0
        waitRestarted = false
        waitLevels = levels
        waitEnergyDBFS = peakEnergy
    }

    /// The onset fell under its threshold, or speech started: nothing waits any more.
    mutating func cancelWait() {
        isWaiting = false
    }

    /// One more frame of a waiting onset; `attackDB` is how far it rose above the lower of the two frames before. A
    /// rejection that decayed keeps the room marked.
    mutating func continueWait(
        energy: Double,
        levels: SIMD8<Double>,
        attackDB: Double,
        frame: Int,
        parameters: EnergyVADParameters
    ) -> WaitOutcome {
        waitFrames += 1
        if attackDB >= parameters.struckToneAttackDB && !waitRestarted {
            // An attack that straddled two frames: its note peaks here. A voice rises on beyond it.
            waitRestarted = true
            waitFrames = 0
            waitLevels = levels
            waitEnergyDBFS = energy
            return .waits
        }
        let change = SpectralBands.shapeChange(from: waitLevels, to: levels)
        let holds = energy > waitEnergyDBFS
        if (change >= parameters.struckToneChangeDB && holds) || energy > waitEnergyDBFS + parameters.struckToneRiseDB {
            return .starts
        }
        guard waitFrames >= max(parameters.struckToneWaitMilliseconds / 10, 1) else { return .waits }
        isWaiting = false
        if energy <= waitEnergyDBFS - parameters.struckToneDecayDB {
            roomUntilFrame = frame + parameters.struckToneRoomMilliseconds / 10
        }
        return .rejected
    }

    /// Speech started: its run is watched from this frame. `attackDB` is how far the run's first onset frame
    /// rose above the frame before it; `steadyRoomDBFS` is the steady room under it (the noise floor without its
    /// bias).
    ///
    /// The run's rise and decay are judged on its level over the steady room. Under a loud hum or fan a voice's level
    /// moves less than the voice itself does, because the room's share of each frame does not move: a syllable 3 dB
    /// over a hum that rises 4 dB on its own raises the level by 3. A user in the kit's 0 dB hum rose 1.9 dB, under
    /// `struckToneRiseDB`, and looked struck; what the run added rose 2.1 dB. Over a quiet room, or bells whose floor
    /// lies far under their ringing, the level is what it was. The band shape is still judged with the room in it:
    /// judged only in the bands the run clears the room in, bells that ring on over their own tails stopped marking
    /// their rooms.
    mutating func beginWatch(energy: Double, levels: SIMD8<Double>, attackDB: Double, steadyRoomDBFS: Double) {
        watchFrames = 0
        watchLevels = levels
        watchRoomPower = EnergyVAD.power(steadyRoomDBFS)
        watchAddedDBFS = overRoom(energy)
        watchAttackDB = attackDB
        watchMaximumChangeDB = 0
        watchMaximumRiseDB = -120
    }

    /// A level with the watched run's steady room taken out, dBFS: what the run itself adds (at most 20 dB under the
    /// level, so that a frame at the room's own level does not read as a fall to nothing).
    private func overRoom(_ energy: Double) -> Double {
        let power = EnergyVAD.power(energy)
        return EnergyVAD.decibels(max(power - watchRoomPower, power / 100))
    }

    /// Speech ended: an unfinished watch proves nothing.
    mutating func endWatch() {
        watchFrames = -1
    }

    /// One more frame of the watched run. A run that started with an attack and then neither changed its
    /// spectrum's shape nor rose, but decayed, looked struck; two such runs within
    /// `struckTonePairMilliseconds` mark the room.
    mutating func watch(energy: Double, levels: SIMD8<Double>, frame: Int, parameters: EnergyVADParameters) {
        watchFrames += 1
        let addedDBFS = overRoom(energy)
        watchMaximumChangeDB = max(watchMaximumChangeDB, SpectralBands.shapeChange(from: watchLevels, to: levels))
        watchMaximumRiseDB = max(watchMaximumRiseDB, addedDBFS - watchAddedDBFS)
        guard watchFrames >= max(parameters.struckToneWatchMilliseconds / 10, 1) else { return }
        watchFrames = -1
        let struck =
            watchMaximumChangeDB < parameters.struckToneChangeDB
            && watchMaximumRiseDB < parameters.struckToneRiseDB
            && addedDBFS <= watchAddedDBFS - parameters.struckToneDecayDB
            && watchAttackDB >= parameters.struckToneAttackDB
        guard struck else { return }
        if frame - lastStruckRunFrame <= parameters.struckTonePairMilliseconds / 10 {
            roomUntilFrame = frame + parameters.struckToneRoomMilliseconds / 10
        }
        lastStruckRunFrame = frame
    }
}

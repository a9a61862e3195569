/// A talker's first frames in a steady room, heard in one band before the whole band shows them.
///
/// In hiss, a fan or hum, the noise spreads over the speech band while a voice's first frames put their energy in a
/// few bands (a voiced onset under 500 Hz, a fricative over 2.6 kHz). There the frame's energy over the whole band
/// may sit 0–4 dB over the floor while one band sits 10–20 dB over its own. Each band has its own floor (minimum
/// statistics, as the VAD's) and its own spread (how far the room's frames sit over that floor); a frame clears the
/// test when one band exceeds its floor by `bandOnsetDB` plus `bandOnsetSpreadFactor` times its spread.
///
/// Only steady rooms get the test: where every band's spread is under `bandOnsetSteadyRoomDB`. Per band, an organ's
/// new note or a voice in babble is a step from near silence, far larger than anything in the full band, and those
/// rooms' band spreads are 6–35 dB against 1.5–3.5 for random noise (docs/listening.md, twenty-ninth session).
///
/// Pure arithmetic on the band levels the VAD measures (`SpectralBands`): no allocation after `init`, no I/O.
struct BandOnsetTest: Sendable {
    private let marginDB: Double
    private let spreadFactor: Double
    private let steadyRoomDB: Double
    private let biasDB: Double
    /// This frame's band levels, dBFS (lane 7 unused: -120).
    private var levels = SIMD8<Double>(repeating: -120)
    /// Each band's floor and spread, as the VAD's full-band ones (minimum statistics over the same window).
    private var floorDBFS = SIMD8<Double>(repeating: -120)
    private(set) var spreadDB: SIMD8<Double>
    private var floorStatistics: MinimumStatistics<SIMD8<Double>>
    private var framesMeasured = 0

    /// A room not measured yet is not assumed steady: the spreads start here and must learn their way down.
    static let spreadPriorDB = 10.0
    /// The band spreads rise at the VAD's spread rate but fall this many times slower: an organ that holds a chord for
    /// a second or two is still a room of note changes, and each new note is a step of 10–30 dB in some band.
    static let spreadFallSlowdown = 4.0
    /// The unused lane never clears.
    private static let usedLanes: SIMD8<Double> = [1, 1, 1, 1, 1, 1, 1, 0]

    /// nil when `bandOnsetDB` is 0 (the test is off).
    init?(parameters: EnergyVADParameters) {
        guard parameters.bandOnsetDB > 0 else { return nil }
        marginDB = parameters.bandOnsetDB
        spreadFactor = parameters.bandOnsetSpreadFactor
        steadyRoomDB = parameters.bandOnsetSteadyRoomDB
        biasDB = parameters.noiseFloorBiasDB
        floorStatistics = MinimumStatistics(
            windowMilliseconds: parameters.noiseFloorWindowMilliseconds, smoothing: parameters.noiseFloorSmoothing)
        spreadDB = SIMD8(repeating: Self.spreadPriorDB) * Self.usedLanes
    }

    /// Takes the band levels of a frame heard (every one: the floors learn from them all).
    mutating func note(levels: SIMD8<Double>) {
        self.levels = levels
        framesMeasured += 1
    }

    /// Every band's spread is under the steady-room bound.
    var isSteadyRoom: Bool { spreadDB.max() < steadyRoomDB }

    /// Some band of this frame exceeds its floor by the margin plus its spread term, in a steady room.
    var clears: Bool {
        guard isSteadyRoom, framesMeasured > 1 else { return false }
        let bar = floorDBFS + SIMD8(repeating: marginDB) + spreadFactor * spreadDB
        return any((levels .> bar) .& (Self.usedLanes .> 0))
    }

    /// The frame belonged to the room (the VAD's spread learns from it): each band's spread learns its excess.
    mutating func learnSpread(rate: Double) {
        guard framesMeasured > 1 else { return }
        let excess = pointwiseMin(pointwiseMax(levels - floorDBFS, .zero), SIMD8(repeating: 40)) * Self.usedLanes
        let rates = SIMD8(repeating: rate).replacing(with: rate / Self.spreadFallSlowdown, where: excess .< spreadDB)
        spreadDB += rates * (excess - spreadDB)
    }

    /// After the frame's decisions: the floors learn from it (minimum statistics, as `EnergyVAD`'s floor).
    mutating func updateFloors() {
        var power = SIMD8<Double>(repeating: 0)
        for band in 0..<SpectralBands.bandCount { power[band] = EnergyVAD.power(levels[band]) }
        let minimum = floorStatistics.update(power: power)
        for band in 0..<SpectralBands.bandCount { floorDBFS[band] = EnergyVAD.decibels(minimum[band]) + biasDB }
    }
}

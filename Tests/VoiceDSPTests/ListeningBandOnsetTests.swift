import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// The band onset test (`EnergyVADParameters.bandOnsetDB`): in a steady room a talker's first frames count toward an
/// onset when one band stands out, before the whole band does; in a room of note changes or voices it does nothing.
@Suite(.computeBound) struct ListeningBandOnsetTests {
    static let rates = [16000, 24000]

    static func parameters(bandOnsetDB: Double) -> ListeningParameters {
        var parameters = ListeningParameters()
        parameters.vad.bandOnsetDB = bandOnsetDB
        return parameters
    }

    static func test() throws -> BandOnsetTest {
        try #require(BandOnsetTest(parameters: EnergyVADParameters()))
    }

    /// One frame as the VAD runs the test: its levels, the decision, then the spread (a room frame) and the floors.
    static func step(_ test: inout BandOnsetTest, _ levels: SIMD8<Double>) -> Bool {
        test.note(levels: levels)
        let clears = test.clears
        test.learnSpread(rate: 0.02)
        test.updateFloors()
        return clears
    }

    /// Seven bands at `level` dBFS, each moved by up to ±1.5 dB a frame (a steady random noise's estimates).
    static func steadyLevels(_ level: Double, random: inout SplitMix64) -> SIMD8<Double> {
        var levels = SIMD8<Double>(repeating: -120)
        for band in 0..<SpectralBands.bandCount { levels[band] = level + 3 * random.nextUniform() - 1.5 }
        return levels
    }

    @Test func aBandFarOverItsFloorClearsOnlyOnceTheRoomIsKnownToBeSteady() throws {
        var test = try Self.test()
        var random = SplitMix64(seed: 1)
        var louderBand = Self.steadyLevels(-60, random: &random)
        louderBand[0] = -45
        // A room not measured yet is not steady (the spreads start at 10 dB): a band 15 dB up does not clear.
        for _ in 0..<20 { _ = Self.step(&test, Self.steadyLevels(-60, random: &random)) }
        #expect(!test.isSteadyRoom)
        var probe = test
        #expect(!Self.step(&probe, louderBand))
        // Three seconds of the steady room: the spreads have fallen under 5 dB.
        for _ in 0..<300 { _ = Self.step(&test, Self.steadyLevels(-60, random: &random)) }
        #expect(test.isSteadyRoom)
        probe = test
        #expect(Self.step(&probe, louderBand))
        // Half as far up (under the margin and the spread term) does not clear.
        var slightlyLouderBand = Self.steadyLevels(-60, random: &random)
        slightlyLouderBand[0] = -52
        probe = test
        #expect(!Self.step(&probe, slightlyLouderBand))
    }

    @Test func aRoomOfNoteChangesIsNotSteadyUntilItHasBeenQuietForSeconds() throws {
        var test = try Self.test()
        var random = SplitMix64(seed: 2)
        for _ in 0..<300 { _ = Self.step(&test, Self.steadyLevels(-60, random: &random)) }
        #expect(test.isSteadyRoom)
        // Notes that come and go every 0.6 s in one band, 25 dB over the room. The first note's first frames clear,
        // like any sound in a steady room (the whole band shows a note this loud too); within a tenth of a second the
        // room is no longer steady, and no later note clears.
        var clearedAfterTheFirstNote = false
        var steadyAfterTheFirstNote = false
        for frame in 0..<600 {
            var levels = Self.steadyLevels(-60, random: &random)
            if (frame / 60) % 2 == 1 { levels[2] = -35 }
            let clears = Self.step(&test, levels)
            if frame >= 70 {
                clearedAfterTheFirstNote = clearedAfterTheFirstNote || clears
                steadyAfterTheFirstNote = steadyAfterTheFirstNote || test.isSteadyRoom
            }
        }
        #expect(!clearedAfterTheFirstNote)
        #expect(!steadyAfterTheFirstNote)
        // The notes stop. A second later the room is still not steady (the spreads fall four times slower than they
        // rise); six seconds later it is.
        for _ in 0..<100 { _ = Self.step(&test, Self.steadyLevels(-60, random: &random)) }
        #expect(!test.isSteadyRoom)
        for _ in 0..<500 { _ = Self.step(&test, Self.steadyLevels(-60, random: &random)) }
        #expect(test.isSteadyRoom)
    }

    @Test func theTestIsOffAtZero() {
        var parameters = EnergyVADParameters()
        parameters.bandOnsetDB = 0
        #expect(BandOnsetTest(parameters: parameters) == nil)
    }

    /// A mains hum (150, 250 and 350 Hz, loud) over faint hiss: a steady room whose energy sits in the low bands.
    static func hum(seconds: Double, sampleRate: Int) -> [Int16] {
        Signals.mix(
            Signals.tone(frequency: 150, levelDBFS: -35, seconds: seconds, sampleRate: sampleRate),
            Signals.tone(frequency: 250, levelDBFS: -38, seconds: seconds, sampleRate: sampleRate),
            Signals.tone(frequency: 350, levelDBFS: -41, seconds: seconds, sampleRate: sampleRate),
            Signals.whiteNoise(levelDBFS: -70, seconds: seconds, sampleRate: sampleRate, seed: 9))
    }

    @Test(arguments: rates)
    func anSOverALoudHumIsHeardInItsBand(sampleRate: Int) {
        // The "s" (its energy rising toward high frequencies, most of it over the speech band) adds under a tenth of
        // the hum's energy to the speech band, all of it high: the whole band rises by 0.3 dB at most, the top band by
        // 20 dB and more.
        let capture = Signals.mix(
            Self.hum(seconds: 6, sampleRate: sampleRate),
            Signals.placed(
                Signals.fricative(levelDBFS: -30, seconds: 0.3, sampleRate: sampleRate, seed: 7), at: 3,
                totalSeconds: 6, sampleRate: sampleRate))
        let withTest = runDetector(capture, sampleRate: sampleRate, parameters: Self.parameters(bandOnsetDB: 8))
        let without = runDetector(capture, sampleRate: sampleRate, parameters: Self.parameters(bandOnsetDB: 0))
        // Heard within 30 ms of its start (two onset frames), and nothing before it.
        let firstSpeech = withTest.firstIndex { $0.isSpeech }
        #expect(
            firstSpeech.map { (300...302).contains($0) } == true,
            "first speech frame \(String(describing: firstSpeech))")
        // Without the band test the whole band never shows it.
        #expect(!without.contains { $0.isSpeech })
    }

    @Test(arguments: rates)
    func theBandSpreadsTellSteadyRoomsFromMusicAndBabble(sampleRate: Int) {
        /// The largest band spread in each frame of the last five of ten seconds.
        func largestBandSpreads(_ room: [Int16]) -> [Double] {
            var vad = EnergyVAD(sampleRate: sampleRate)
            var spreads: [Double] = []
            room.withUnsafeBufferPointer { samples in
                for start in stride(from: 0, to: samples.count - vad.frameLength + 1, by: vad.frameLength) {
                    _ = vad.process(frame: UnsafeBufferPointer(rebasing: samples[start..<(start + vad.frameLength)]))
                    if start >= 5 * sampleRate { spreads.append(vad.bandSpreads?.max() ?? .nan) }
                }
            }
            return spreads
        }
        let bound = EnergyVADParameters().bandOnsetSteadyRoomDB
        // White noise's band levels wander by their estimates' noise (about 2 dB of spread), a hum's hardly at all.
        for room in [
            Signals.whiteNoise(levelDBFS: -35, seconds: 10, sampleRate: sampleRate, seed: 4),
            Self.hum(seconds: 10, sampleRate: sampleRate),
        ] {
            let spreads = largestBandSpreads(room)
            #expect(spreads.allSatisfy { $0 < bound - 1.5 }, "largest band spread up to \(spreads.max() ?? .nan) dB")
        }
        // A new note, or a voice in babble, steps some band far over its floor.
        for room in [
            Signals.organ(levelDBFS: -35, seconds: 10, sampleRate: sampleRate, seed: 61),
            Signals.babble(levelDBFS: -35, seconds: 10, sampleRate: sampleRate, seed: 3),
        ] {
            let spreads = largestBandSpreads(room)
            #expect(spreads.allSatisfy { $0 > bound }, "largest band spread down to \(spreads.min() ?? .nan) dB")
        }
    }

    @Test(arguments: rates)
    func steadyRoomsAloneStartNoSpeech(sampleRate: Int) {
        let parameters = Self.parameters(bandOnsetDB: 8)
        for room in [
            Self.hum(seconds: 20, sampleRate: sampleRate),
            Signals.whiteNoise(levelDBFS: -35, seconds: 20, sampleRate: sampleRate, seed: 4),
        ] {
            let decisions = runDetector(room, sampleRate: sampleRate, parameters: parameters)
            #expect(!decisions.contains { $0.isSpeech })
        }
    }

    @Test(arguments: rates)
    func musicAndBabbleAreDecidedAsWithoutTheTest(sampleRate: Int) {
        // Per band, a new note or a voice in babble is a step far over that band's floor; these rooms' band spreads keep
        // the test from ever applying, and every frame is decided as before.
        for room in [
            Signals.organ(levelDBFS: -35, seconds: 20, sampleRate: sampleRate, seed: 61),
            Signals.babble(levelDBFS: -35, seconds: 20, sampleRate: sampleRate, seed: 3),
        ] {
            let withTest = runDetector(room, sampleRate: sampleRate, parameters: Self.parameters(bandOnsetDB: 8))
            let without = runDetector(room, sampleRate: sampleRate, parameters: Self.parameters(bandOnsetDB: 0))
            #expect(withTest.map(\.isSpeech) == without.map(\.isSpeech))
        }
    }
}

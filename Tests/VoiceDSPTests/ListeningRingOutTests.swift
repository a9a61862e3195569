import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// The ring-out test (`EnergyVADParameters.ringOutMilliseconds`): a sound that only rings out (a bell between strikes,
/// a note dying away) no longer holds speech on, while a talker, whose level rises again with every syllable, is
/// never taken for one.
@Suite(.computeBound) struct ListeningRingOutTests {
    static let rates = [16000, 24000]

    static func test(milliseconds: Int = 200, dropDB: Double = 6) throws -> RingOutTest {
        var parameters = EnergyVADParameters()
        parameters.ringOutMilliseconds = milliseconds
        parameters.ringOutDropDB = dropDB
        return try #require(RingOutTest(parameters: parameters))
    }

    /// Feeds `levels` (dBFS, one per frame) and says, per frame, whether the level was ringing out.
    static func ringing(_ levels: [Double], test: RingOutTest) -> [Bool] {
        var test = test
        return levels.map { level in
            test.note(energy: level)
            return test.isRingingOut
        }
    }

    @Test func aStruckNoteRingsOutOnceItHasOnlyFallenForTheTestsTime() throws {
        // A strike to -20 dBFS at frame 10, then a decay of 0.4 dB a frame with two partials beating 2 dB deep every
        // three frames: the frame's level rises again and again, its envelope only falls.
        let beat: [Double] = [0, -2, -1]
        let levels = Array(repeating: -60.0, count: 10) + (0..<100).map { -20 - 0.4 * Double($0) + beat[$0 % 3] }
        let ringing = Self.ringing(levels, test: try Self.test())
        // Twenty frames after the last frame that lifted the level held over 50 ms (the strike), not one sooner.
        #expect(ringing.firstIndex(of: true) == 30)
        #expect(ringing[30...].allSatisfy { $0 })
    }

    @Test func aFallSmallerThanTheDropIsNotRingingOut() throws {
        // A level that only sinks, 1.25 dB every 100 ms, but by 5 dB in all.
        let levels = (0..<40).map { -30 - 0.125 * Double($0) }
        let ringing = Self.ringing(levels, test: try Self.test())
        #expect(!ringing.contains(true))
        // The same fall counts with a drop of 3 dB.
        let ringingWithASmallerDrop = Self.ringing(levels, test: try Self.test(dropDB: 3))
        #expect(ringingWithASmallerDrop.contains(true))
    }

    @Test func syllablesThatRiseAgainNeverRingOut() throws {
        // Five syllables a second: each rises for 50 ms, falls 14 dB over 80 ms and is followed by a 70 ms pause
        // 30 dB down. The next syllable lifts the held level again 150 ms after the last peak.
        let rise: [Double] = (0..<5).map { -40 + 3 * Double($0) }
        let fall: [Double] = (0..<8).map { -25 - 2 * Double($0) }
        let syllable = rise + fall + Array(repeating: -55.0, count: 7)
        let levels = Array((0..<15).map { _ in syllable }.joined())
        let ringing = Self.ringing(levels, test: try Self.test())
        #expect(!ringing.contains(true))
    }

    @Test func aLevelThatFellAndHoldsIsNotRingingOut() throws {
        // A noise 17 dB louder for half a second, then a steadier one: no rise, a large fall, but it holds.
        let levels = Array(repeating: -40.0, count: 50) + (0..<50).map { -57 + (($0 % 2) == 0 ? 0.3 : -0.3) }
        let ringing = Self.ringing(levels, test: try Self.test())
        #expect(!ringing.contains(true))
    }

    @Test func zeroTurnsTheTestOff() {
        var parameters = EnergyVADParameters()
        parameters.ringOutMilliseconds = 0
        #expect(RingOutTest(parameters: parameters) == nil)
    }

    /// A quiet room; the user speaks for two seconds from 0.5 s, and a bell is struck under their last syllable
    /// (2.4 s), 5 dB over them, ringing out for seconds over the room.
    static func bellAfterTheUser(sampleRate: Int) -> [Int16] {
        let total = 7.0
        return Signals.mix(
            Signals.whiteNoise(levelDBFS: -70, seconds: total, sampleRate: sampleRate, seed: 81),
            Signals.placed(
                Signals.speechLike(levelDBFS: -30, seconds: 2, sampleRate: sampleRate, seed: 82),
                at: 0.5, totalSeconds: total, sampleRate: sampleRate),
            Signals.placed(
                Signals.struckNote(frequency: 330, levelDBFS: -25, seconds: 4, sampleRate: sampleRate),
                at: 2.4, totalSeconds: total, sampleRate: sampleRate)
        )
    }

    @Test(arguments: rates) func aTurnHeldOnByARingingBellEndsWhenTheUserStops(rate: Int) throws {
        // The talker-gone test would also end this turn, once every frame of 700 ms sat 12 dB under the strike; it is
        // off here so that what is measured is the ring-out test alone (with a bell within 12 dB of the user's voice,
        // the talker-gone test never fires).
        var with = ListeningParameters()
        with.talkerGoneDropDB = 0
        var without = with
        without.vad.ringOutMilliseconds = 0
        let capture = Self.bellAfterTheUser(sampleRate: rate)
        let before = runDetector(capture, sampleRate: rate, parameters: without)
        let after = runDetector(capture, sampleRate: rate, parameters: with)
        // Without the test the ringing holds the user's speech on, without a gap, for over a second after the strike.
        let lastSpeechBefore = before.lastIndex { $0.isSpeech } ?? 0
        let gapsBefore = frames(from: 2.4, to: Double(lastSpeechBefore) / 100).filter { !before[$0].isSpeech }.count
        #expect(
            lastSpeechBefore >= 350 && gapsBefore == 0,
            "speech until \(Double(lastSpeechBefore) / 100) s, \(gapsBefore) gaps")
        // With it, speech ends within 0.6 s of the strike (200 ms of ringing out, the 50 ms the level is held, the
        // hangover), the turn ends by its silence, and the rest of the ringing starts nothing.
        let lastSpeech = try #require(after.lastIndex { $0.isSpeech })
        #expect(lastSpeech >= 250 && lastSpeech <= 300, "speech until \(Double(lastSpeech) / 100) s")
        let end = try #require(after.firstIndex { $0.speechEnded })
        #expect(end <= lastSpeech + 71, "the turn ended at \(Double(end) / 100) s")
        #expect(after.filter(\.speechStarted).count == 1)
    }

    @Test(arguments: rates) func aTalkerIsHeardAsBeforeInQuietAndInNoise(rate: Int) {
        var without = ListeningParameters()
        without.vad.ringOutMilliseconds = 0
        for roomDBFS in [-70.0, -45] {
            let capture = Signals.mix(
                Signals.whiteNoise(levelDBFS: roomDBFS, seconds: 8, sampleRate: rate, seed: 83),
                Signals.placed(
                    Signals.speechLike(levelDBFS: -35, seconds: 5, sampleRate: rate, pitch: 120, seed: 84),
                    at: 1, totalSeconds: 8, sampleRate: rate))
            let before = runDetector(capture, sampleRate: rate, parameters: without)
            let after = runDetector(capture, sampleRate: rate)
            let speech = frames(from: 1, to: 6)
            // Only the hangover's last frames after a long syllable may go; the turn never ends while the user talks.
            #expect(
                after[speech].filter(\.isSpeech).count >= before[speech].filter(\.isSpeech).count - 10,
                "room at \(roomDBFS) dBFS")
            #expect(!after[speech].contains { $0.speechEnded }, "room at \(roomDBFS) dBFS")
        }
    }

    @Test(arguments: rates) func bellsHoldLessThanWithTheStruckToneTestAlone(rate: Int) async throws {
        var struckToneAlone = ListeningParameters()
        struckToneAlone.vad.ringOutMilliseconds = 0
        let held = try await blockingCall { [struckToneAlone] in
            (UInt64(72)...UInt64(73)).map { seed in
                let capture = ListeningStruckToneTests.bellRoom(seconds: 30, sampleRate: rate, seed: seed)
                return (
                    both: speechFraction(ListeningStruckToneTests.run(capture, sampleRate: rate).decisions),
                    alone: speechFraction(
                        ListeningStruckToneTests.run(capture, sampleRate: rate, parameters: struckToneAlone).decisions)
                )
            }
        }
        // Bells over a quiet room: the struck-tone test keeps their strikes from starting turns once the room is
        // marked, but what a strike before that starts rings on for seconds. Ended where it only rings out, the bells
        // hold speech in half as many frames or fewer (a fifth to two fifths, measured).
        for room in held {
            #expect(
                room.both < 0.5 * room.alone,
                "\(room.both) of the frames with both tests, \(room.alone) with the struck-tone test alone")
        }
    }
}

import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// While the daemon's microphone is muted, the detector hears the mute's zeros. They say nothing about the room, so the
/// detector must not learn from them that the room went quiet, nor that our playback became inaudible. A device's own
/// zeros are another matter: a gated microphone's silence between words is its room.
@Suite(.computeBound) struct ListeningMutedMicrophoneTests {
    static let rates = [16000, 24000]

    /// Runs a fresh detector over `capture`, with the frames in `muted` flagged as muted (their samples should be zero).
    static func decisions(
        _ capture: [Int16], reference: [Int16]? = nil, muted: Range<Int> = 0..<0, sampleRate: Int,
        after: (Int, ListeningDetector) -> Void = { _, _ in }
    ) -> [ListeningDecision] {
        var detector = ListeningDetector(sampleRate: sampleRate)
        let length = detector.frameLength
        var decisions: [ListeningDecision] = []
        for start in stride(from: 0, to: capture.count - length + 1, by: length) {
            let played = reference.map { Array($0[start..<start + length]) }
            decisions.append(
                detector.process(
                    frame: Array(capture[start..<start + length]), reference: played,
                    microphoneMuted: muted.contains(decisions.count)))
            after(decisions.count, detector)
        }
        return decisions
    }

    /// Three seconds of a room at -55 dBFS, then `gap`, then three more seconds of the same room.
    static func roomAround(_ gap: [Int16], sampleRate: Int) -> [Int16] {
        let before = Signals.whiteNoise(levelDBFS: -55, seconds: 3, sampleRate: sampleRate, seed: 71)
        let after = Signals.whiteNoise(levelDBFS: -55, seconds: 3, sampleRate: sampleRate, seed: 72)
        return before + gap + after
    }

    @Test(arguments: rates)
    func theRoomIsNotATalkerWhenTheMuteEnds(sampleRate: Int) {
        let capture = Self.roomAround(Signals.silence(seconds: 3, sampleRate: sampleRate), sampleRate: sampleRate)
        var floorBeforeTheMute = -120.0
        var floorAtTheEnd = -120.0
        let decisions = Self.decisions(capture, muted: frames(from: 3, to: 6), sampleRate: sampleRate) {
            count, detector in
            if count == 300 { floorBeforeTheMute = detector.noiseFloorDBFS }
            floorAtTheEnd = detector.noiseFloorDBFS
        }
        #expect(!decisions.contains { $0.isSpeech || $0.speechStarted })
        // The floor the room taught it is still the room's after three muted seconds and three more of the room.
        #expect(abs(floorAtTheEnd - floorBeforeTheMute) < 1.5)
    }

    @Test(arguments: rates)
    func aRoomThatReallyWasQuietStartsSpeechWhenItGetsLoud(sampleRate: Int) {
        // Guards the test above: the same step out of a quiet room that was heard (-85 dBFS) is news, and the
        // detector takes it for speech.
        let quiet = Signals.whiteNoise(levelDBFS: -85, seconds: 3, sampleRate: sampleRate, seed: 73)
        let decisions = Self.decisions(Self.roomAround(quiet, sampleRate: sampleRate), sampleRate: sampleRate)
        #expect(decisions[frames(from: 6, to: 6.3)].contains { $0.speechStarted })
    }

    @Test(arguments: rates)
    func aTalkerAfterTheMuteIsHeard(sampleRate: Int) {
        let speech = Signals.speechLike(levelDBFS: -35, seconds: 1.5, sampleRate: sampleRate, pitch: 140, seed: 74)
        let capture = Signals.mix(
            Self.roomAround(Signals.silence(seconds: 3, sampleRate: sampleRate), sampleRate: sampleRate),
            Signals.placed(speech, at: 6.5, totalSeconds: 9, sampleRate: sampleRate))
        let decisions = Self.decisions(capture, muted: frames(from: 3, to: 6), sampleRate: sampleRate)
        let starts = decisions.indices.filter { decisions[$0].speechStarted }
        #expect(starts.count == 1)
        #expect(starts.allSatisfy { frames(from: 6.5, to: 6.6).contains($0) })
    }

    @Test(arguments: rates)
    func mutingEndsTheTurnAsSilenceDoes(sampleRate: Int) {
        // The user is still talking when the microphone is muted at 2.2 s: the turn ends after its hangover and
        // end-of-turn silence, as if the user had stopped.
        let room = Signals.whiteNoise(levelDBFS: -55, seconds: 2.2, sampleRate: sampleRate, seed: 75)
        let speech = Signals.speechLike(levelDBFS: -30, seconds: 1.5, sampleRate: sampleRate, pitch: 140, seed: 76)
        let talking = Signals.mix(room, Signals.placed(speech, at: 1, totalSeconds: 2.2, sampleRate: sampleRate))
        let capture = talking + Signals.silence(seconds: 2, sampleRate: sampleRate)
        let decisions = Self.decisions(capture, muted: frames(from: 2.2, to: 4.2), sampleRate: sampleRate)
        #expect(decisions[frames(from: 1, to: 1.1)].contains { $0.speechStarted })
        let ends = decisions.indices.filter { decisions[$0].speechEnded }
        #expect(ends.count == 1)
        // Hangover (150 ms) plus end-of-turn silence (700 ms) after the last frame heard.
        #expect(ends.allSatisfy { frames(from: 2.2, to: 3.2).contains($0) })
    }

    /// The coupling the echo gate has learned after 2.5 s of playback with its echo in a quiet room, and after 3 more
    /// seconds of playback in which the microphone heard `afterwards` instead (muted: flagged as the mute).
    static func coupling(sampleRate: Int, muted: Bool, afterwards: (Int) -> [Int16]) -> (learned: Double, later: Double)
    {
        let reference = Signals.placed(
            Signals.speechLike(levelDBFS: -20, seconds: 5, sampleRate: sampleRate, pitch: 200, seed: 77),
            at: 0.5, totalSeconds: 6, sampleRate: sampleRate)
        let echo = Signals.echo(
            of: reference, delayMilliseconds: 20, gainDB: -15, decayMilliseconds: 300, sampleRate: sampleRate)
        let noise = Signals.whiteNoise(levelDBFS: -65, seconds: 6, sampleRate: sampleRate, seed: 78)
        let split = Int(2.5 * Double(sampleRate))
        let capture = Array(Signals.mix(echo, noise)[..<split]) + afterwards(reference.count - split)
        var learned = 0.0
        var later = 0.0
        _ = decisions(
            capture, reference: reference, muted: muted ? frames(from: 2.5, to: 6) : 0..<0, sampleRate: sampleRate
        ) { count, detector in
            if count == 250 { learned = detector.gate.couplingDB }
            if count == 550 { later = detector.gate.couplingDB }
        }
        return (learned, later)
    }

    @Test(arguments: rates)
    func aMutedMicrophoneUnderPlaybackTeachesTheEchoGateNothing(sampleRate: Int) {
        let coupling = Self.coupling(sampleRate: sampleRate, muted: true) { Array(repeating: 0, count: $0) }
        #expect(coupling.learned > -20 && coupling.learned < -10)
        #expect(coupling.later == coupling.learned)
    }

    @Test(arguments: rates)
    func aMicrophoneHearingOnlyTheRoomUnderPlaybackTalksTheCouplingDown(sampleRate: Int) {
        // Guards the test above: the room without the echo (the echo really is quieter than estimated) is evidence
        // the coupling follows.
        let coupling = Self.coupling(sampleRate: sampleRate, muted: false) { count in
            Signals.whiteNoise(
                levelDBFS: -65, seconds: Double(count) / Double(sampleRate), sampleRate: sampleRate, seed: 79)
        }
        #expect(coupling.later < coupling.learned - 5)
    }

    @Test(arguments: rates)
    func aGatedMicrophonesZerosAreItsRoom(sampleRate: Int) {
        // A microphone that gates its own silence to exact zeros, between syllables and between utterances: the floor
        // learns that silence, so a quieter second utterance is heard to its end. (Were the device's zeros treated as
        // the daemon's mute, the floor and the spread would learn only the first utterance's syllables, and the second
        // would be cut off 300 ms early at 16 kHz.)
        let first = Signals.speechLike(levelDBFS: -30, seconds: 1.5, sampleRate: sampleRate, pitch: 140, seed: 91)
        let second = Signals.speechLike(levelDBFS: -36, seconds: 1.5, sampleRate: sampleRate, pitch: 180, seed: 92)
        let silence = { (seconds: Double) in Signals.silence(seconds: seconds, sampleRate: sampleRate) }
        let capture = silence(0.5) + first + silence(2) + second + silence(1)
        let decisions = Self.decisions(capture, sampleRate: sampleRate)
        let starts = decisions.indices.filter { decisions[$0].speechStarted }
        let ends = decisions.indices.filter { decisions[$0].speechEnded }
        #expect(starts.count == 2 && ends.count == 2)
        // The second utterance ends at 5.5 s: its turn ends after the hangover and the end-of-turn silence.
        #expect(ends.last.map { frames(from: 6.2, to: 6.5).contains($0) } == true, "turns end at \(ends)")
    }
}

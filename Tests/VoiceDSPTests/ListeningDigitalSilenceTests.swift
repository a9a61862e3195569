import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// A muted microphone delivers digital silence, every sample zero: the daemon's own mute (`voicectl mute`), a mute
/// switch on the board, or a stream that has not started yet. It says nothing about the room, so the detector must not
/// learn from it that the room went quiet, nor that our playback became inaudible.
@Suite(.computeBound) struct ListeningDigitalSilenceTests {
    static let rates = [16000, 24000]

    /// Three seconds of a room at -55 dBFS, then `gap`, then three more seconds of the same room.
    static func roomAround(_ gap: [Int16], sampleRate: Int) -> [Int16] {
        let before = Signals.whiteNoise(levelDBFS: -55, seconds: 3, sampleRate: sampleRate, seed: 71)
        let after = Signals.whiteNoise(levelDBFS: -55, seconds: 3, sampleRate: sampleRate, seed: 72)
        return before + gap + after
    }

    @Test(arguments: rates)
    func theRoomIsNotATalkerWhenTheMuteEnds(sampleRate: Int) {
        let muted = Signals.silence(seconds: 3, sampleRate: sampleRate)
        var detector = ListeningDetector(sampleRate: sampleRate)
        let capture = Self.roomAround(muted, sampleRate: sampleRate)
        var floorBeforeTheMute = -120.0
        var decisions: [ListeningDecision] = []
        let length = detector.frameLength
        for start in stride(from: 0, to: capture.count - length + 1, by: length) {
            decisions.append(detector.process(frame: Array(capture[start..<start + length]), reference: nil))
            if decisions.count == 300 { floorBeforeTheMute = detector.noiseFloorDBFS }
        }
        #expect(!decisions.contains { $0.isSpeech || $0.speechStarted })
        // The floor the room taught it is still the room's after three muted seconds and three more of the room.
        #expect(abs(detector.noiseFloorDBFS - floorBeforeTheMute) < 1.5)
    }

    @Test(arguments: rates)
    func aRoomThatReallyWasQuietStartsSpeechWhenItGetsLoud(sampleRate: Int) {
        // Guards the test above: the same step out of a quiet room that carried signal (-85 dBFS) is news, and the
        // detector takes it for speech.
        let quiet = Signals.whiteNoise(levelDBFS: -85, seconds: 3, sampleRate: sampleRate, seed: 73)
        let decisions = runDetector(Self.roomAround(quiet, sampleRate: sampleRate), sampleRate: sampleRate)
        #expect(decisions[frames(from: 6, to: 6.3)].contains { $0.speechStarted })
    }

    @Test(arguments: rates)
    func aTalkerAfterTheMuteIsHeard(sampleRate: Int) {
        let muted = Signals.silence(seconds: 3, sampleRate: sampleRate)
        let speech = Signals.speechLike(levelDBFS: -35, seconds: 1.5, sampleRate: sampleRate, pitch: 140, seed: 74)
        let capture = Signals.mix(
            Self.roomAround(muted, sampleRate: sampleRate),
            Signals.placed(speech, at: 6.5, totalSeconds: 9, sampleRate: sampleRate))
        let decisions = runDetector(capture, sampleRate: sampleRate)
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
        let decisions = runDetector(capture, sampleRate: sampleRate)
        #expect(decisions[frames(from: 1, to: 1.1)].contains { $0.speechStarted })
        let ends = decisions.indices.filter { decisions[$0].speechEnded }
        #expect(ends.count == 1)
        // Hangover (150 ms) plus end-of-turn silence (700 ms) after the last frame heard.
        #expect(ends.allSatisfy { frames(from: 2.2, to: 3.2).contains($0) })
    }

    /// The coupling the echo gate has learned after 2.5 s of playback with its echo in a quiet room, and after 3 more
    /// seconds of playback in which the microphone heard `afterwards` instead.
    static func coupling(sampleRate: Int, afterwards: (Int) -> [Int16]) -> (learned: Double, later: Double) {
        let reference = Signals.placed(
            Signals.speechLike(levelDBFS: -20, seconds: 5, sampleRate: sampleRate, pitch: 200, seed: 77),
            at: 0.5, totalSeconds: 6, sampleRate: sampleRate)
        let echo = Signals.echo(
            of: reference, delayMilliseconds: 20, gainDB: -15, decayMilliseconds: 300, sampleRate: sampleRate)
        let noise = Signals.whiteNoise(levelDBFS: -65, seconds: 6, sampleRate: sampleRate, seed: 78)
        let split = Int(2.5 * Double(sampleRate))
        let heard = Array(Signals.mix(echo, noise)[..<split])
        let capture = heard + afterwards(reference.count - split)
        var detector = ListeningDetector(sampleRate: sampleRate)
        let length = detector.frameLength
        var learned = 0.0
        for start in stride(from: 0, to: Int(5.5 * Double(sampleRate)), by: length) {
            if start == split { learned = detector.gate.couplingDB }
            _ = detector.process(
                frame: Array(capture[start..<start + length]), reference: Array(reference[start..<start + length]))
        }
        return (learned, detector.gate.couplingDB)
    }

    @Test(arguments: rates)
    func aMutedMicrophoneUnderPlaybackTeachesTheEchoGateNothing(sampleRate: Int) {
        let coupling = Self.coupling(sampleRate: sampleRate) { Array(repeating: 0, count: $0) }
        #expect(coupling.learned > -20 && coupling.learned < -10)
        #expect(coupling.later == coupling.learned)
    }

    @Test(arguments: rates)
    func aMicrophoneHearingOnlyTheRoomUnderPlaybackTalksTheCouplingDown(sampleRate: Int) {
        // Guards the test above: the room without the echo (the echo really is quieter than estimated) is evidence
        // the coupling follows.
        let coupling = Self.coupling(sampleRate: sampleRate) { count in
            Signals.whiteNoise(
                levelDBFS: -65, seconds: Double(count) / Double(sampleRate), sampleRate: sampleRate, seed: 79)
        }
        #expect(coupling.later < coupling.learned - 5)
    }
}

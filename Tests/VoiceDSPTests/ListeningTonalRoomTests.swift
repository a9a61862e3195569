import RealModule
import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Tonal rooms (thirty-first session): a struck or held note occupies few of the spectrum's bins over their own floors,
/// a voice most of them (`SpectralOccupancy`; `tonal_onset_occupancy`, `tonal_hold_occupancy`).
@Suite(.computeBound) struct ListeningTonalRoomTests {
    static let rates = [16000, 24000]

    /// The tonal test alone: the struck-tone test also holds bells back once it has heard two strikes.
    static var tonalTestOnly: ListeningParameters { ListeningStruckToneTests.withoutTest }
    static var neither: ListeningParameters {
        var parameters = tonalTestOnly
        parameters.vad.tonalOnsetOccupancy = 0
        parameters.vad.tonalHoldOccupancy = 0
        return parameters
    }

    @Test(arguments: rates)
    func theSpectrumIsTheTransformOfTheLast32Milliseconds(sampleRate: Int) {
        var occupancy = SpectralOccupancy(sampleRate: sampleRate, marginDB: 10)
        var random = SplitMix64(seed: 311)
        var kept: [Double] = []
        let frameLength = sampleRate / 100
        for _ in 0..<5 {
            let frame = (0..<frameLength).map { _ in random.nextGaussian() * 0.1 }
            kept += stride(from: 0, to: frameLength, by: occupancy.decimation).map { frame[$0] }
            _ = frame.withUnsafeBufferPointer { occupancy.analyse(bandSignal: $0) }
        }
        let window = Array(kept.suffix(SpectralOccupancy.fftSize))
        let size = Double(SpectralOccupancy.fftSize)
        var largestError = 0.0
        for bin in SpectralOccupancy.bins {
            var real = 0.0
            var imaginary = 0.0
            for (index, sample) in window.enumerated() {
                let hann = 0.5 - 0.5 * Double.cos(2 * Double.pi * Double(index) / (size - 1))
                let angle = -2 * Double.pi * Double(bin * index) / size
                real += sample * hann * Double.cos(angle)
                imaginary += sample * hann * Double.sin(angle)
            }
            let power = real * real + imaginary * imaginary
            largestError = max(largestError, abs(occupancy.power(bin: bin) - power) / power)
        }
        #expect(largestError < 1e-9)
    }

    /// Steady noise occupies almost nothing over its own floors; bells a share in the tonal range.
    @Test(arguments: rates)
    func bellsMakeATonalRoomAndSteadyNoiseDoesNot(sampleRate: Int) {
        var hiss = ListeningDetector(sampleRate: sampleRate, parameters: Self.tonalTestOnly)
        _ = runDetector(&hiss, Signals.whiteNoise(levelDBFS: -50, seconds: 10, sampleRate: sampleRate, seed: 312))
        let steady = hiss.vad.roomOccupancy
        #expect(steady < 0.03, "white noise occupies \(steady)")
        var bellRoom = ListeningDetector(sampleRate: sampleRate, parameters: Self.tonalTestOnly)
        _ = runDetector(&bellRoom, Signals.bells(levelDBFS: -40, seconds: 10, sampleRate: sampleRate, seed: 313))
        let tonal = bellRoom.vad.roomOccupancy
        let parameters = EnergyVADParameters()
        #expect(
            tonal > parameters.tonalRoomMinimumOccupancy && tonal < parameters.tonalRoomMaximumOccupancy,
            "bells occupy \(tonal)")
    }

    /// A note of one partial (an organ pipe, a beep) at `levelDBFS`, faded in and out over 30 ms.
    static func heldNote(levelDBFS: Double, seconds: Double, sampleRate: Int) -> [Int16] {
        let tone = Signals.tone(frequency: 523, levelDBFS: levelDBFS, seconds: seconds, sampleRate: sampleRate)
        let fade = Double(sampleRate) * 0.03
        return tone.indices.map { index in
            let edge = min(Double(index), Double(tone.count - 1 - index))
            let gain = edge < fade ? 0.5 - 0.5 * Double.cos(Double.pi * edge / fade) : 1
            return Int16((Double(tone[index]) * gain).rounded())
        }
    }

    /// Bells over a quiet floor for 10 s make the room tonal. A held note 12 dB over the bells then starts speech
    /// without the test and not with it; a voice starts speech at once either way, and with the test its speech ends
    /// with the voice although a note sounds on under it.
    @Test(arguments: rates)
    func aHeldNoteStartsAndHoldsNoSpeechInATonalRoomAndAVoiceDoes(sampleRate: Int) throws {
        let seconds = 18.0
        let room = Signals.mix(
            Signals.bells(levelDBFS: -40, seconds: seconds, sampleRate: sampleRate, seed: 314),
            Signals.whiteNoise(levelDBFS: -70, seconds: seconds, sampleRate: sampleRate, seed: 316))
        var bellsOnly = ListeningDetector(sampleRate: sampleRate, parameters: Self.tonalTestOnly)
        _ = runDetector(&bellsOnly, Array(room[0..<(10 * sampleRate)]))
        #expect(bellsOnly.vad.roomOccupancy > EnergyVADParameters().tonalRoomMinimumOccupancy)

        let note = Self.heldNote(levelDBFS: -28, seconds: 1.5, sampleRate: sampleRate)
        let alone = Signals.mix(room, Signals.placed(note, at: 10, totalSeconds: seconds, sampleRate: sampleRate))
        let noteSpan = frames(from: 10, to: 11.5)
        let noteWithout = runDetector(alone, sampleRate: sampleRate, parameters: Self.neither)
        #expect(speechFraction(noteWithout[noteSpan]) > 0.5, "the note without the test")
        let noteWith = runDetector(alone, sampleRate: sampleRate, parameters: Self.tonalTestOnly)
        #expect(speechFraction(noteWith[noteSpan]) == 0, "the note")

        // A note struck while the user talks, sounding on after them (a note heard alone for long teaches the room
        // that it is steady).
        let voice = Signals.speechLike(levelDBFS: -25, seconds: 1.5, sampleRate: sampleRate, seed: 315)
        let talk = Signals.mix(
            room, Signals.placed(voice, at: 12, totalSeconds: seconds, sampleRate: sampleRate),
            Signals.placed(note, at: 12.8, totalSeconds: seconds, sampleRate: sampleRate))
        let decisions = runDetector(talk, sampleRate: sampleRate, parameters: Self.tonalTestOnly)
        let without = runDetector(talk, sampleRate: sampleRate, parameters: Self.neither)
        for run in [decisions, without] {
            let onset = try #require(run[frames(from: 11.9, to: 14)].firstIndex { $0.isSpeech })
            #expect(onset <= frames(from: 12, to: 12.06).upperBound, "the voice starts at frame \(onset)")
            #expect(speechFraction(run[frames(from: 12.1, to: 13.4)]) > 0.9)
        }
        // The voice ends at 13.5 s and the note at 14.3 s.
        let afterTheVoice = frames(from: 13.9, to: 14.2)
        #expect(speechFraction(without[afterTheVoice]) == 1, "the note holds speech without the test")
        #expect(speechFraction(decisions[afterTheVoice]) == 0, "the note holds speech")
    }
}

import RealModule
import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Steady-spectrum rejection: held notes and chords (organ, synth pads) are not speech, speech over
/// them still is.
@Suite(.computeBound) struct ListeningSteadyToneTests {
    static let rates = [16000, 24000]

    static var withoutRejection: ListeningParameters {
        var parameters = ListeningParameters()
        parameters.vad.stationaryFluxDB = 0
        return parameters
    }

    /// The measured setting (off by default: docs/listening.md).
    static var withRejection: ListeningParameters {
        var parameters = ListeningParameters()
        parameters.vad.stationaryFluxDB = 1
        return parameters
    }

    @Test(arguments: rates)
    func fluxIsLowForHeldChordsAndHighForNoiseAndSpeech(sampleRate: Int) {
        func medianFlux(_ signal: [Int16]) -> Double {
            var flux = SpectralFlux(sampleRate: sampleRate, lagFrames: 10)
            let frameLength = sampleRate / 100
            var values: [Double] = []
            let samples = signal.map { Double($0) / 32768 }
            samples.withUnsafeBufferPointer { samples in
                for start in stride(from: 0, to: samples.count - frameLength + 1, by: frameLength) {
                    let frame = UnsafeBufferPointer(rebasing: samples[start..<(start + frameLength)])
                    let value = flux.analyse(bandSignal: frame)
                    if value.isFinite { values.append(value) }
                }
            }
            return values.sorted()[values.count / 2]
        }
        let organ = medianFlux(Signals.organ(levelDBFS: -35, seconds: 6, sampleRate: sampleRate, seed: 61))
        let noise = medianFlux(Signals.whiteNoise(levelDBFS: -35, seconds: 6, sampleRate: sampleRate, seed: 62))
        let speech = medianFlux(Signals.speechLike(levelDBFS: -35, seconds: 6, sampleRate: sampleRate, seed: 63))
        // The default threshold (1 dB) sits between the two: white noise's own estimation noise at
        // this resolution is 1–1.5 dB, held chords change by a tenth of that.
        #expect(organ < 0.5, "held chords: \(organ) dB")
        #expect(noise > 1.2, "white noise: \(noise) dB")
        #expect(speech > 3, "speech-like: \(speech) dB")
    }

    @Test(arguments: rates)
    func aHeldNoteStartingInAQuietRoomIsNotSpeechForLong(sampleRate: Int) {
        // The step from a quiet room to the note is above the onset threshold until the noise floor
        // has followed it (up to 1.6 s): without the rejection all of that is speech. With it, only
        // the note's first 100 ms (the flux lag) plus the hangover are. (An organ note: exact
        // harmonics of one fundamental. Notes close in frequency beat, and a chord of them changes
        // its band levels as much as noise does: the rejection does not see those as steady.)
        var chord = Signals.silence(seconds: 3, sampleRate: sampleRate)
        for harmonic in 1...8 {
            chord = Signals.mix(
                chord,
                Signals.tone(
                    frequency: 220 * Double(harmonic), levelDBFS: -35 - 20 * Double.log10(Double(harmonic)),
                    seconds: 3, sampleRate: sampleRate))
        }
        let capture = Signals.mix(
            Signals.whiteNoise(levelDBFS: -70, seconds: 5, sampleRate: sampleRate, seed: 64),
            Signals.placed(chord, at: 1, totalSeconds: 5, sampleRate: sampleRate)
        )
        let held = frames(from: 1, to: 4)
        let without = runDetector(capture, sampleRate: sampleRate, parameters: Self.withoutRejection)
        let with = runDetector(capture, sampleRate: sampleRate, parameters: Self.withRejection)
        let heldWithout = speechFraction(without[held])
        let heldWith = speechFraction(with[held])
        #expect(heldWithout > 0.4, "without rejection: \(heldWithout)")
        #expect(heldWith <= 0.1, "note taken for speech: \(heldWith) with the rejection, \(heldWithout) without")
    }

    @Test(arguments: rates)
    func speechOverHeldChordsIsStillHeard(sampleRate: Int) throws {
        let capture = Signals.mix(
            Signals.organ(levelDBFS: -40, seconds: 8, sampleRate: sampleRate, seed: 66),
            Signals.placed(
                Signals.speechLike(levelDBFS: -30, seconds: 2, sampleRate: sampleRate, seed: 67),
                at: 4, totalSeconds: 8, sampleRate: sampleRate)
        )
        let speech = frames(from: 4, to: 6)
        let without = runDetector(capture, sampleRate: sampleRate, parameters: Self.withoutRejection)
        let with = runDetector(capture, sampleRate: sampleRate, parameters: Self.withRejection)
        let first = try #require(with[speech].firstIndex { $0.isSpeech })
        let firstWithout = try #require(without[speech].firstIndex { $0.isSpeech })
        #expect(first <= firstWithout, "onset frame \(first) with the rejection, \(firstWithout) without")
        #expect(speechFraction(with[speech]) >= speechFraction(without[speech]) - 0.05)
        #expect(speechFraction(with[speech]) > 0.7)
    }
}

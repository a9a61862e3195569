import Foundation
import Testing
import VoiceTestSupport

@testable import VoiceDSP

@Suite(.computeBound) struct EarconSynthesizerTests {
    static let rates = [8000, 16000, 24000, 44100, 48000]

    @Test(arguments: Earcon.allCases, rates)
    func isShortGentleAndStartsAndEndsInSilence(earcon: Earcon, sampleRate: Int) throws {
        let samples = EarconSynthesizer.samples(for: earcon, sampleRate: sampleRate)
        let milliseconds = Double(samples.count) * 1000 / Double(sampleRate)
        #expect(milliseconds >= 150 && milliseconds <= 350)

        let peak = Double(samples.map { abs(Int($0)) }.max() ?? 0) / 32768
        let peakDBFS = 20 * log10(peak)
        #expect(abs(peakDBFS - EarconSynthesizer.peakDBFS) < 1, "peak \(peakDBFS) dBFS")

        // No click at either end: the envelope reaches zero.
        let quiet = Int16(peak * 32768 * 0.05)
        #expect(abs(try #require(samples.first)) <= quiet)
        #expect(abs(try #require(samples.last)) <= quiet)

        // No click inside: no step larger than the steepest note's sine can make.
        let highest = EarconSynthesizer.notes(for: earcon).map(\.frequency).max()!
        let allowedStep = peak * 32768 * 2 * Double.pi * highest / Double(sampleRate) * 1.05 + 2
        let largestStep = zip(samples, samples.dropFirst()).map { abs(Int($0) - Int($1)) }.max()!
        #expect(Double(largestStep) <= allowedStep)
    }

    @Test func isDeterministic() {
        for earcon in Earcon.allCases {
            #expect(
                EarconSynthesizer.samples(for: earcon, sampleRate: 24000)
                    == EarconSynthesizer.samples(for: earcon, sampleRate: 24000))
        }
    }

    @Test func everyEarconSoundsDifferent() {
        let sounds = Earcon.allCases.map { EarconSynthesizer.samples(for: $0, sampleRate: 24000) }
        for first in sounds.indices {
            for second in sounds.indices where second > first {
                #expect(sounds[first] != sounds[second], "\(Earcon.allCases[first]) and \(Earcon.allCases[second])")
            }
        }
    }

    @Test func listeningRisesAndDoneFalls() {
        func pitchOfHalves(_ earcon: Earcon) -> (first: Double, second: Double) {
            let samples = EarconSynthesizer.samples(for: earcon, sampleRate: 24000)
            let middle = samples.count / 2
            return (Self.zeroCrossingRate(samples[..<middle]), Self.zeroCrossingRate(samples[middle...]))
        }
        let listening = pitchOfHalves(.listening)
        #expect(listening.second > listening.first * 1.3)
        let done = pitchOfHalves(.done)
        #expect(done.first > done.second * 1.3)
        let error = pitchOfHalves(.error)
        #expect(error.first < listening.first && error.second < done.second)
    }

    @Test func unusableRatesGiveSilenceInsteadOfCrashing() {
        #expect(EarconSynthesizer.samples(for: .listening, sampleRate: 0).isEmpty)
        #expect(EarconSynthesizer.samples(for: .error, sampleRate: -8000).isEmpty)
        #expect(EarconSynthesizer.samples(for: .done, sampleRate: 100).count == 21)
    }

    static func zeroCrossingRate(_ samples: ArraySlice<Int16>) -> Double {
        let crossings = zip(samples, samples.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        let voiced = samples.filter { abs(Int($0)) > 200 }.count
        return Double(crossings) / Double(max(1, voiced))
    }
}

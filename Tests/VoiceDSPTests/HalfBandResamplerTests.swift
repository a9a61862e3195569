import Foundation
import Testing
import VoiceTestSupport

@testable import VoiceDSP

@Suite(.computeBound) struct HalfBandResamplerTests {
    static let pairs = HalfBandFilter.tapPairs

    // MARK: The filter

    @Test func prototypeIsAHalfBandFilter() {
        let taps = HalfBandFilter.prototype
        let centre = 2 * Self.pairs - 1
        #expect(taps.count == 4 * Self.pairs - 1)
        #expect(taps[centre] == 0.5)
        for offset in 1...centre {
            #expect(taps[centre - offset] == taps[centre + offset], "symmetric at ±\(offset)")
            if offset % 2 == 0 {
                #expect(taps[centre + offset] == 0, "tap at +\(offset) should be zero")
            } else {
                #expect(taps[centre + offset] != 0, "tap at +\(offset) should not be zero")
            }
        }
        #expect(abs(taps.reduce(0, +) - 1) < 1e-12)
    }

    @Test func prototypeLengthMeetsTheKaiserEstimate() {
        // Kaiser's length estimate for the design attenuation and the transition width (relative to
        // the higher rate's Nyquist frequency), rounded up to the next 4K − 1.
        let width = (HalfBandFilter.stopbandEdge - HalfBandFilter.passbandEdge) / 2
        let estimate = (HalfBandFilter.designAttenuationDecibels - 7.95) / 2.285 / (Double.pi * width) + 1
        let pairsNeeded = Int(((estimate.rounded(.up) + 1) / 4).rounded(.up))
        #expect(Self.pairs == pairsNeeded)
    }

    /// |H| in dB at `fraction` of the lower rate's Nyquist frequency (the prototype runs at twice that rate).
    static func responseDB(atLowerNyquistFraction fraction: Double) -> Double {
        SignalAnalysis.decibels(
            SignalAnalysis.amplitudeResponse(symmetricTaps: HalfBandFilter.prototype, normalizedFrequency: fraction / 4)
        )
    }

    @Test func passbandIsFlatAndStopbandIsSeventyDecibelsDown() {
        let passband = (0...90).map {
            Self.responseDB(atLowerNyquistFraction: HalfBandFilter.passbandEdge * Double($0) / 90)
        }
        let ripple = passband.max()! - passband.min()!
        #expect(ripple <= 0.01, "passband ripple \(ripple) dB")
        #expect(abs(passband[0]) <= 1e-9)
        // 10 kHz of 12 kHz: what speech still uses is barely touched.
        #expect(Self.responseDB(atLowerNyquistFraction: 10.0 / 12) >= -0.3)
        // Half-band symmetry: −6 dB at the lower Nyquist frequency.
        #expect(abs(Self.responseDB(atLowerNyquistFraction: 1) - SignalAnalysis.decibels(0.5)) < 0.01)
        let stopband = (0...400).map {
            Self.responseDB(
                atLowerNyquistFraction: HalfBandFilter.stopbandEdge + (2 - HalfBandFilter.stopbandEdge) * Double($0)
                    / 400)
        }
        #expect(stopband.max()! <= -70, "stopband peak \(stopband.max()!) dB")
    }

    // MARK: Decimator

    @Test func decimatorComputesTheDirectConvolution() {
        let input = Self.jaggedSignal(count: 1001)
        let output = Self.decimate(input, chunkSizes: [input.count])
        #expect(output.count == 500)
        // y[n] = Σ h[i]·x[2n + 1 − i] with x = 0 before the start.
        let taps = HalfBandFilter.prototype
        var worst = 0.0
        for n in 0..<output.count {
            var sum = 0.0
            for (index, tap) in taps.enumerated() where 2 * n + 1 - index >= 0 && 2 * n + 1 - index < input.count {
                sum += tap * Double(input[2 * n + 1 - index])
            }
            worst = max(worst, abs(sum - Double(output[n])))
        }
        #expect(worst < 2e-6, "largest difference from the direct convolution: \(worst)")
    }

    @Test func decimatorChunkingDoesNotChangeTheOutput() {
        let input = Self.jaggedSignal(count: 9000)
        let whole = Self.decimate(input, chunkSizes: [input.count])
        let chunked = Self.decimate(input, chunkSizes: [1, 0, 2, 3, 5, 8, 13, 160, 441, 1000, 3000, 1, 480, 4096])
        #expect(whole.count == 4500)
        #expect(chunked == whole)
    }

    @Test(arguments: [20.0, 300, 1000, 3000, 6000, 8000, 9000])
    func decimatorPassesSpeechBandTonesFlatAndClean(_ frequency: Double) {
        let input = SignalAnalysis.tone(frequency: frequency, sampleRate: 48000, count: 9600)
        let output = Array(Self.decimate(input, chunkSizes: [480])[100...])
        let fit = SignalAnalysis.fitTone(output[...], frequency: frequency, sampleRate: 24000)
        #expect(abs(SignalAnalysis.decibels(fit.amplitude / 0.5)) <= 0.01, "gain at \(frequency) Hz")
        #expect(SignalAnalysis.decibels(fit.residualRMS / (0.5 / 2.squareRoot())) <= -70, "residual at \(frequency) Hz")
    }

    @Test(arguments: [15000.0, 16000, 18000, 20000, 22000, 23900])
    func decimatorKeepsTonesAboveTheOutputNyquistFromAliasing(_ frequency: Double) {
        // A tone at f folds onto 24 kHz − f; from 15 kHz up it must be ≥ 70 dB down.
        let input = SignalAnalysis.tone(frequency: frequency, sampleRate: 48000, count: 9600)
        let output = Array(Self.decimate(input, chunkSizes: [480])[100...])
        let alias = SignalAnalysis.rms(output[...]) / SignalAnalysis.rms(input[...])
        #expect(
            SignalAnalysis.decibels(alias) <= -70, "\(frequency) Hz aliases at \(SignalAnalysis.decibels(alias)) dB")
    }

    @Test func decimatorDelayAlignsOutputWithInput() {
        let decimator = HalfBandDecimator(inputRate: 48000, outputRate: 24000)
        #expect(decimator.delayFrames == Self.pairs - 1)
        let frequency = 2000.0
        let input = SignalAnalysis.tone(frequency: frequency, sampleRate: 48000, count: 4800)
        let output = Self.decimate(input, chunkSizes: [480])
        var worst: Float = 0
        for n in (2 * decimator.delayFrames + 4)..<output.count {
            let ideal = Float(0.5 * sin(2 * Double.pi * frequency * Double(n - decimator.delayFrames) / 24000))
            worst = max(worst, abs(output[n] - ideal))
        }
        // One frame of misalignment would cost about 2π·2000/24000·0.5 ≈ 0.26.
        #expect(worst < 1e-3)
    }

    @Test func decimatorResetForgetsTheHistory() {
        let decimator = HalfBandDecimator(inputRate: 32000, outputRate: 16000)
        _ = Self.process(Self.jaggedSignal(count: 333), with: decimator)
        decimator.reset()
        let second = SignalAnalysis.tone(frequency: 700, sampleRate: 32000, count: 800)
        #expect(Self.process(second, with: decimator) == Self.decimate(second, chunkSizes: [800], inputRate: 32000))
    }

    // MARK: Interpolator

    @Test func interpolatorKeepsTheInputOnEvenOutputsAndChunkingChangesNothing() {
        let input = Self.jaggedSignal(count: 3001)
        let whole = Self.interpolate(input, chunkSizes: [input.count])
        #expect(whole.count == 6002)
        let delay = HalfBandInterpolator(inputRate: 24000, outputRate: 48000).delayFrames
        #expect(delay == 2 * Self.pairs)
        // The centre phase of a half-band filter is a pure delay.
        for n in stride(from: delay, to: whole.count, by: 2) { #expect(whole[n] == input[(n - delay) / 2]) }
        let chunked = Self.interpolate(input, chunkSizes: [1, 0, 2, 3, 5, 7, 240, 1000, 1, 4, 513])
        #expect(chunked == whole)
    }

    @Test(arguments: [50.0, 440, 1000, 3000, 6000, 9000])
    func interpolatorPassesTonesFlatWithImagesSeventyDecibelsDown(_ frequency: Double) {
        let input = SignalAnalysis.tone(frequency: frequency, sampleRate: 24000, count: 4800)
        let output = Array(Self.interpolate(input, chunkSizes: [240])[200...])
        let fit = SignalAnalysis.fitTone(output[...], frequency: frequency, sampleRate: 48000)
        #expect(abs(SignalAnalysis.decibels(fit.amplitude / 0.5)) <= 0.01, "gain at \(frequency) Hz")
        // What the fit leaves is the image at 24 kHz − f.
        #expect(SignalAnalysis.decibels(fit.residualRMS / (0.5 / 2.squareRoot())) <= -70, "image of \(frequency) Hz")
    }

    @Test func interpolatorDelayAlignsOutputWithInput() {
        let interpolator = HalfBandInterpolator(inputRate: 24000, outputRate: 48000)
        let frequency = 1500.0
        let input = SignalAnalysis.tone(frequency: frequency, sampleRate: 24000, count: 2400)
        let output = Self.interpolate(input, chunkSizes: [240])
        var worst: Float = 0
        for n in (2 * interpolator.delayFrames)..<output.count {
            let ideal = Float(0.5 * sin(2 * Double.pi * frequency * Double(n - interpolator.delayFrames) / 48000))
            worst = max(worst, abs(output[n] - ideal))
        }
        #expect(worst < 1e-3)
    }

    // MARK: Helpers

    static func jaggedSignal(count: Int) -> [Float] {
        (0..<count).map { (index: Int) -> Float in
            let smooth: Double = sin(Double(index) * 0.05) * 0.4
            return Float(smooth + Double(index % 7) * 0.01 - 0.03)
        }
    }

    static func process(_ input: [Float], with decimator: HalfBandDecimator) -> [Float] {
        var output = [Float](repeating: .nan, count: decimator.maximumOutputCount(forInputCount: input.count))
        let produced = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { decimator.process(source, into: $0) }
        }
        return Array(output[..<produced])
    }

    static func decimate(_ input: [Float], chunkSizes: [Int], inputRate: Int = 48000) -> [Float] {
        let decimator = HalfBandDecimator(inputRate: inputRate, outputRate: inputRate / 2)
        return chunks(input, sizes: chunkSizes).flatMap { process($0, with: decimator) }
    }

    static func interpolate(_ input: [Float], chunkSizes: [Int]) -> [Float] {
        let interpolator = HalfBandInterpolator(inputRate: 24000, outputRate: 48000)
        return chunks(input, sizes: chunkSizes).flatMap { chunk in
            var output = [Float](repeating: .nan, count: interpolator.maximumOutputCount(forInputCount: chunk.count))
            let produced = chunk.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { interpolator.process(source, into: $0) }
            }
            #expect(produced == 2 * chunk.count)
            return Array(output[..<produced])
        }
    }

    static func chunks(_ input: [Float], sizes: [Int]) -> [[Float]] {
        var result: [[Float]] = []
        var position = 0
        var index = 0
        while position < input.count {
            let size = min(sizes[index % sizes.count], input.count - position)
            result.append(Array(input[position..<(position + size)]))
            position += size
            index += 1
        }
        return result
    }
}

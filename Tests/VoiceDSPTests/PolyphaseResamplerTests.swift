import Foundation
import Testing
import VoiceTestSupport

@testable import VoiceDSP

@Suite(.computeBound) struct PolyphaseResamplerTests {
    static let rates = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000]
    static let allPairs: [RatePair] = rates.flatMap { input in
        rates.filter { $0 != input }.map { RatePair(input: input, output: $0) }
    }
    /// The pairs the daemon really uses plus the awkward ratios, measured with tones end to end.
    static let tonePairs: [RatePair] = [
        .init(input: 48000, output: 24000), .init(input: 24000, output: 48000),
        .init(input: 44100, output: 24000), .init(input: 24000, output: 44100),
        .init(input: 48000, output: 8000), .init(input: 8000, output: 48000),
        .init(input: 22050, output: 16000), .init(input: 11025, output: 24000),
    ]

    struct RatePair: Sendable, CustomTestStringConvertible {
        let input: Int
        let output: Int
        var lowerNyquist: Double { Double(min(input, output)) / 2 }
        var testDescription: String { "\(input)→\(output)" }
    }

    // MARK: Reference data

    @Test(arguments: try ReferenceData.resamplerCases())
    func matchesSciPyResamplePoly(_ reference: ReferenceData.ResamplerCase) throws {
        let resampler = PolyphaseResampler(inputRate: reference.inputRate, outputRate: reference.outputRate)
        #expect(resampler.design.tapCount == reference.tapCount)
        #expect(abs(resampler.design.kaiserBeta - reference.kaiserBeta) < 1e-9)
        #expect(abs(resampler.design.cutoff - reference.cutoff) < 1e-12)

        let input = try ReferenceData.floats(reference.name + ".in.f32")
        let expected = try ReferenceData.floats(reference.name + ".out.f32")
        try #require(input.count == reference.inputCount && expected.count == reference.outputCount)
        let output = PolyphaseResampler.resample(input, from: reference.inputRate, to: reference.outputRate)
        try #require(output.count == expected.count)
        let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 2e-5, "largest difference from scipy.signal.resample_poly: \(worst)")
    }

    // MARK: Quality

    @Test(arguments: allPairs)
    func prototypeFilterMeetsRippleAndStopbandTargets(_ pair: RatePair) {
        let resampler = PolyphaseResampler(inputRate: pair.input, outputRate: pair.output)
        let taps = resampler.design.taps
        let upsampledRate = Double(pair.input * resampler.interpolation)
        func responseDB(_ hertz: Double) -> Double {
            SignalAnalysis.decibels(
                SignalAnalysis.amplitudeResponse(symmetricTaps: taps, normalizedFrequency: hertz / upsampledRate)
            )
        }
        let passband = (0...40).map { responseDB(0.9 * pair.lowerNyquist * Double($0) / 40) }
        let ripple = passband.max()! - passband.min()!
        #expect(ripple <= 0.1, "passband ripple \(ripple) dB")
        #expect(abs(passband[0]) <= 0.05)

        // Dense just above the stopband edge (where the sidelobes are largest), sparse up to the
        // upsampled Nyquist frequency.
        let nearEdge = (0...200).map { pair.lowerNyquist * (1 + Double($0) / 100) }
        let farther = (1...100).map {
            3 * pair.lowerNyquist + (upsampledRate / 2 - 3 * pair.lowerNyquist) * Double($0) / 100
        }
        let stopbandPeak = (nearEdge + farther).map(responseDB).max()!
        #expect(stopbandPeak <= -70, "stopband peak \(stopbandPeak) dB")
    }

    @Test(arguments: tonePairs)
    func passbandTonesComeThroughFlatAndClean(_ pair: RatePair) {
        var gains: [Double] = []
        for step in 0...10 {
            let frequency = 20 + (0.9 * pair.lowerNyquist - 20) * Double(step) / 10
            let (gain, residual) = Self.measureTone(pair, frequency: frequency)
            gains.append(SignalAnalysis.decibels(gain))
            // Upsampling images and numerical noise are what remains after fitting the tone.
            #expect(SignalAnalysis.decibels(residual / (gain / 2.squareRoot())) <= -70, "\(frequency) Hz")
        }
        #expect(gains.max()! - gains.min()! <= 0.1, "passband gains (dB): \(gains)")
        #expect(gains.allSatisfy { abs($0) <= 0.1 })
    }

    @Test(arguments: tonePairs.filter { $0.input > $0.output })
    func tonesAboveTheOutputNyquistAreAttenuated(_ pair: RatePair) {
        for step in 0...8 {
            let frequency = pair.lowerNyquist + (Double(pair.input) / 2 - pair.lowerNyquist) * Double(step) / 8.5
            let input = SignalAnalysis.tone(frequency: frequency, sampleRate: pair.input, count: pair.input / 10)
            let output = PolyphaseResampler.resample(input, from: pair.input, to: pair.output)
            let edge = Self.edgeFrames(pair)
            let attenuation = SignalAnalysis.decibels(
                SignalAnalysis.rms(output[edge..<(output.count - edge)]) / SignalAnalysis.rms(input[...]))
            #expect(attenuation <= -70, "\(frequency) Hz is only \(attenuation) dB down")
        }
    }

    // MARK: Streaming

    @Test(arguments: [
        RatePair(input: 48000, output: 24000), RatePair(input: 24000, output: 48000),
        RatePair(input: 44100, output: 24000), RatePair(input: 8000, output: 44100),
        RatePair(input: 48000, output: 11025), RatePair(input: 24000, output: 24000),
    ])
    func chunkedProcessingEqualsOneCall(_ pair: RatePair) {
        let input = (0..<9000).map { (index: Int) -> Float in
            let smooth = sin(Double(index) * 0.05) * 0.4
            let jagged = Double(index % 7) * 0.01
            return Float(smooth + jagged)
        }
        let whole = Self.stream(input, pair: pair, chunkSizes: [input.count])
        let chunks = Self.stream(
            input, pair: pair, chunkSizes: [1, 0, 2, 3, 5, 8, 13, 160, 441, 1000, 3000, 1, 480, 4096])
        #expect(whole.count > 0)
        #expect(chunks == whole)
    }

    @Test func outputCountsFollowTheRateRatioAndStayWithinTheBound() {
        let resampler = PolyphaseResampler(inputRate: 44100, outputRate: 48000)
        let input = [Float](repeating: 0.25, count: 441)
        var output = [Float](repeating: 0, count: resampler.maximumOutputCount(forInputCount: input.count))
        var total = 0
        for _ in 0..<100 {
            let produced = input.withUnsafeBufferPointer { inputBuffer in
                output.withUnsafeMutableBufferPointer { resampler.process(inputBuffer, into: $0) }
            }
            #expect(produced <= output.count)
            total += produced
        }
        // 44100 samples in → 48000 out, minus the outputs still waiting for later input.
        #expect(total <= 48000 && total >= 48000 - resampler.tapsPerPhase * 2)
    }

    @Test func resetForgetsTheHistory() {
        let resampler = PolyphaseResampler(inputRate: 16000, outputRate: 24000)
        let first = SignalAnalysis.tone(frequency: 1000, sampleRate: 16000, count: 800)
        let second = SignalAnalysis.tone(frequency: 300, sampleRate: 16000, count: 800)
        _ = Self.process(first, with: resampler)
        resampler.reset()
        let afterReset = Self.process(second, with: resampler)
        let fresh = Self.process(second, with: PolyphaseResampler(inputRate: 16000, outputRate: 24000))
        #expect(afterReset == fresh)
    }

    // MARK: Delay

    @Test(arguments: [
        RatePair(input: 48000, output: 24000), RatePair(input: 24000, output: 48000),
        RatePair(input: 44100, output: 24000), RatePair(input: 16000, output: 22050),
    ])
    func reportedDelayAlignsOutputWithInput(_ pair: RatePair) {
        let resampler = PolyphaseResampler(inputRate: pair.input, outputRate: pair.output)
        #expect(resampler.delayFrames > 0)
        let frequency = 0.2 * pair.lowerNyquist
        let input = SignalAnalysis.tone(frequency: frequency, sampleRate: pair.input, count: pair.input / 5)
        let output = Self.process(input, with: resampler)
        // Streaming output n is the input signal at time (n - delayFrames) / outputRate.
        let start = 2 * resampler.delayFrames + resampler.tapsPerPhase
        var worst: Float = 0
        for n in start..<(output.count - 1) {
            let time = Double(n - resampler.delayFrames) / Double(pair.output)
            let ideal = Float(0.5 * sin(2 * Double.pi * frequency * time))
            worst = max(worst, abs(output[n] - ideal))
        }
        // One frame of misalignment would cost about 2π·f/rate·0.5 ≈ 0.1 here.
        #expect(worst < 1e-3)
    }

    @Test func equalRatesPassSamplesThroughUnchanged() {
        let input: [Int16] = [0, 1, -1, 32767, -32768, 1234]
        #expect(PolyphaseResampler.resample(input, from: 24000, to: 24000) == input)
        let resampler = PolyphaseResampler(inputRate: 24000, outputRate: 24000)
        #expect(resampler.delayFrames == 0)
        let floats: [Float] = [0.5, -0.25, 0.125]
        #expect(Self.process(floats, with: resampler) == floats)
    }

    @Test func wholeSignalConversionOfInt16KeepsLengthAndLevel() {
        let input = SampleConversion.int16s(from: SignalAnalysis.tone(frequency: 440, sampleRate: 48000, count: 4800))
        let output = PolyphaseResampler.resample(input, from: 48000, to: 24000)
        #expect(output.count == 2400)
        let level = SignalMeasures.rmsDBFS(output[100..<2300]) - SignalMeasures.rmsDBFS(input[200..<4600])
        #expect(abs(level) < 0.05)
        #expect(PolyphaseResampler.resample([Int16](), from: 8000, to: 48000).isEmpty)
    }

    @Test func rejectsRatesItCannotServe() {
        #expect(!PolyphaseResampler.supports(inputRate: 0, outputRate: 24000))
        #expect(!PolyphaseResampler.supports(inputRate: 24000, outputRate: -1))
        #expect(!PolyphaseResampler.supports(inputRate: 44_101, outputRate: 48000))  // L = 48000, too many phases
        #expect(PolyphaseResampler.supports(inputRate: 96000, outputRate: 24000))
        #expect(PolyphaseResampler.supports(inputRate: 192_000, outputRate: 44100))
        // Unsupported pairs leave whole signals untouched rather than trapping.
        #expect(PolyphaseResampler.resample([1, 2, 3] as [Int16], from: 0, to: 24000) == [1, 2, 3])
    }

    // MARK: Helpers

    /// Output frames at either end of a whole-signal conversion that see the signal's edges.
    static func edgeFrames(_ pair: RatePair) -> Int {
        let resampler = PolyphaseResampler(inputRate: pair.input, outputRate: pair.output)
        return resampler.delayFrames * 2 + 2
    }

    /// Gain (fitted amplitude / input amplitude) and residual RMS for one tone, edges excluded.
    static func measureTone(_ pair: RatePair, frequency: Double) -> (gain: Double, residualRMS: Double) {
        let amplitude = 0.5
        let input = SignalAnalysis.tone(
            frequency: frequency, sampleRate: pair.input, count: pair.input / 10, amplitude: amplitude)
        let output = PolyphaseResampler.resample(input, from: pair.input, to: pair.output)
        let edge = edgeFrames(pair)
        let fit = SignalAnalysis.fitTone(
            output[edge..<(output.count - edge)], frequency: frequency, sampleRate: pair.output)
        return (fit.amplitude / amplitude, fit.residualRMS / amplitude)
    }

    static func process(_ input: [Float], with resampler: PolyphaseResampler) -> [Float] {
        var output = [Float](repeating: .nan, count: resampler.maximumOutputCount(forInputCount: input.count))
        let produced = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { resampler.process(inputBuffer, into: $0) }
        }
        return Array(output[..<produced])
    }

    static func stream(_ input: [Float], pair: RatePair, chunkSizes: [Int]) -> [Float] {
        let resampler = PolyphaseResampler(inputRate: pair.input, outputRate: pair.output)
        var result: [Float] = []
        var position = 0
        var chunk = 0
        while position < input.count {
            let size = min(chunkSizes[chunk % chunkSizes.count], input.count - position)
            result += process(Array(input[position..<(position + size)]), with: resampler)
            position += size
            chunk += 1
        }
        return result
    }
}

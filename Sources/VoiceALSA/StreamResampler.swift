/// The streaming sample-rate converter the engine's threads use: the shape of VoiceDSP's
/// `PolyphaseResampler` (process / maximumOutputCount / reset).
protocol StreamResampler: AnyObject {
    func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Int
    func maximumOutputCount(forInputCount count: Int) -> Int
    func reset()
    /// Group delay in output samples, counted into the published output delay.
    var latencyFrames: Int { get }
}

enum StreamResamplers {
    static func make(from inputRate: Int, to outputRate: Int) -> any StreamResampler {
        if inputRate == outputRate { return PassthroughResampler() }
        return StopgapLinearResampler(inputRate: inputRate, outputRate: outputRate)
    }
}

final class PassthroughResampler: StreamResampler {
    func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Int {
        let count = min(input.count, output.count)
        guard count > 0, let source = input.baseAddress, let target = output.baseAddress else { return 0 }
        target.update(from: source, count: count)
        return count
    }

    func maximumOutputCount(forInputCount count: Int) -> Int { count }
    func reset() {}
    var latencyFrames: Int { 0 }
}

/// Linear interpolation, streaming. A stopgap until VoiceDSP's `PolyphaseResampler` lands: it does
/// not filter, so downsampling aliases; never ship it as the resampler.
final class StopgapLinearResampler: StreamResampler {
    private let step: Double
    /// Position of the next output sample in input samples, relative to the current chunk's first
    /// sample; -1…0 refers to the previous chunk's last sample.
    private var time: Double = 0
    private var previous: Float = 0

    init(inputRate: Int, outputRate: Int) {
        step = Double(inputRate) / Double(outputRate)
    }

    func process(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) -> Int {
        let count = input.count
        guard count > 0 else { return 0 }
        var produced = 0
        while produced < output.count {
            let index = Int(time.rounded(.down))
            if index + 1 >= count { break }
            let a = index < 0 ? previous : input[index]
            let b = input[index + 1]
            output[produced] = a + (b - a) * Float(time - Double(index))
            produced += 1
            time += step
        }
        time -= Double(count)
        previous = input[count - 1]
        return produced
    }

    func maximumOutputCount(forInputCount count: Int) -> Int {
        Int((Double(count) / step).rounded(.up)) + 2
    }

    func reset() {
        time = 0
        previous = 0
    }

    var latencyFrames: Int { 1 }
}

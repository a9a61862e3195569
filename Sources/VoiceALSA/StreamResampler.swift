import VoiceDSP

/// The streaming sample-rate converter the engine's threads use: VoiceDSP's `PolyphaseResampler`,
/// or a plain copy when the device already runs at the session rate.
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
        return PolyphaseResampler(inputRate: inputRate, outputRate: outputRate)
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

extension PolyphaseResampler: StreamResampler {
    var latencyFrames: Int { delayFrames }
}

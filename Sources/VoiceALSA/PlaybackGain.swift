import VoiceDSP

/// The playback gain step: VoiceDSP's `SampleConversion` does the format work around it.
enum PlaybackGain {
    /// Int16 → Float scaled by `gain` into `output`, and the scaled signal written back over
    /// `input` as Int16: what is really played, for the echo reference. Does not allocate.
    static func apply(
        _ gain: Float,
        to input: UnsafeMutableBufferPointer<Int16>,
        float output: UnsafeMutableBufferPointer<Float>
    ) {
        let scale = gain / 32_768
        for index in 0..<min(input.count, output.count) {
            let value = Float(input[index]) * scale
            output[index] = value
            input[index] = SampleConversion.int16(value)
        }
    }
}

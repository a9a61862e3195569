import VoiceCore

/// Conversions between the device's interleaved integer frames and the engine's mono Float and
/// Int16 buffers. Pure loops over caller-owned memory: safe on the real-time threads.
enum DeviceSampleCodec {
    /// Interleaved device frames → mono Float in -1…1, downmixing or picking one channel.
    static func decodeMono(
        from raw: UnsafeRawPointer,
        frames: Int,
        channels: Int,
        format: PCMSampleFormat,
        selection: AudioSettings.ChannelSelection,
        into output: UnsafeMutablePointer<Float>
    ) {
        let picked: Int?
        switch selection {
        case .downmix: picked = channels == 1 ? 0 : nil
        case .index(let index): picked = min(max(index, 0), channels - 1)
        }
        switch format {
        case .s16LE:
            let samples = raw.assumingMemoryBound(to: Int16.self)
            let scale: Float = 1.0 / 32_768
            if let picked {
                for frame in 0..<frames { output[frame] = Float(Int16(littleEndian: samples[frame * channels + picked])) * scale }
            } else {
                let mixScale = scale / Float(channels)
                for frame in 0..<frames {
                    var sum: Int32 = 0
                    for channel in 0..<channels { sum += Int32(Int16(littleEndian: samples[frame * channels + channel])) }
                    output[frame] = Float(sum) * mixScale
                }
            }
        case .s32LE:
            let samples = raw.assumingMemoryBound(to: Int32.self)
            let scale: Double = 1.0 / 2_147_483_648
            if let picked {
                for frame in 0..<frames {
                    output[frame] = Float(Double(Int32(littleEndian: samples[frame * channels + picked])) * scale)
                }
            } else {
                let mixScale = scale / Double(channels)
                for frame in 0..<frames {
                    var sum: Int64 = 0
                    for channel in 0..<channels { sum += Int64(Int32(littleEndian: samples[frame * channels + channel])) }
                    output[frame] = Float(Double(sum) * mixScale)
                }
            }
        }
    }

    /// Mono Float → interleaved device frames, the same sample on every channel, clipped.
    static func encodeInterleaved(
        mono input: UnsafePointer<Float>,
        frames: Int,
        channels: Int,
        format: PCMSampleFormat,
        into raw: UnsafeMutableRawPointer
    ) {
        switch format {
        case .s16LE:
            let samples = raw.assumingMemoryBound(to: Int16.self)
            for frame in 0..<frames {
                let value = int16(input[frame]).littleEndian
                for channel in 0..<channels { samples[frame * channels + channel] = value }
            }
        case .s32LE:
            let samples = raw.assumingMemoryBound(to: Int32.self)
            for frame in 0..<frames {
                let clipped = Double(min(max(input[frame], -1), 1))
                let value = Int32(clamping: Int64((clipped * 2_147_483_648).rounded())).littleEndian
                for channel in 0..<channels { samples[frame * channels + channel] = value }
            }
        }
    }

    /// Float in -1…1 → Int16, rounded and clipped.
    @inline(__always)
    static func int16(_ sample: Float) -> Int16 {
        let scaled = (sample * 32_768).rounded()
        return Int16(min(max(scaled, -32_768), 32_767))
    }

    static func toInt16(_ input: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<Int16>) {
        for index in 0..<count { output[index] = int16(input[index]) }
    }

    /// Int16 → Float scaled by `gain`, and the scaled signal back as Int16 (what is really played,
    /// for the echo reference).
    static func applyGain(
        _ input: UnsafeMutablePointer<Int16>,
        count: Int,
        gain: Float,
        float output: UnsafeMutablePointer<Float>
    ) {
        let scale = gain / 32_768
        for index in 0..<count {
            let value = Float(input[index]) * scale
            output[index] = value
            input[index] = int16(value)
        }
    }
}

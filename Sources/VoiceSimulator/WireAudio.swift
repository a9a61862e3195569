import VoiceProtocol

/// Audio to and from the wire formats the simulator speaks: PCM16 and G.711 µ-law / A-law.
///
/// A small G.711 of its own (ITU-T G.711 segment encoding) keeps the simulator independent of the daemon's
/// DSP code, so a bug there cannot hide behind the same bug here.
enum WireAudio {
    /// Samples in `format` as wire bytes; nil for formats the simulator cannot produce (Opus).
    static func encode(_ samples: [Int16], as format: AudioFormat) -> [UInt8]? {
        switch format {
        case .pcm:
            var bytes = [UInt8]()
            bytes.reserveCapacity(samples.count * 2)
            for sample in samples {
                let value = UInt16(bitPattern: sample)
                bytes.append(UInt8(truncatingIfNeeded: value))
                bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            }
            return bytes
        case .pcmu: return samples.map(muLawEncode)
        case .pcma: return samples.map(aLawEncode)
        case .opus, .other: return nil
        }
    }

    /// Wire bytes in `format` as samples; nil for a PCM payload with an odd byte count or an unknown format.
    static func decode(_ bytes: [UInt8], as format: AudioFormat) -> [Int16]? {
        switch format {
        case .pcm:
            guard bytes.count % 2 == 0 else { return nil }
            return stride(from: 0, to: bytes.count, by: 2).map {
                Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
            }
        case .pcmu: return bytes.map(muLawDecode)
        case .pcma: return bytes.map(aLawDecode)
        case .opus, .other: return nil
        }
    }

    static func muLawEncode(_ sample: Int16) -> UInt8 {
        let bias = 0x84
        var magnitude = Int(sample)
        let sign: Int = magnitude < 0 ? 0x80 : 0
        if magnitude < 0 { magnitude = -magnitude }
        magnitude = min(magnitude, 32_635) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0, magnitude & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (magnitude >> (exponent + 3)) & 0x0F
        return UInt8(truncatingIfNeeded: ~(sign | exponent << 4 | mantissa))
    }

    static func muLawDecode(_ byte: UInt8) -> Int16 {
        let value = Int(~byte)
        let exponent = (value >> 4) & 0x07
        let mantissa = value & 0x0F
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        return Int16(value & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    static func aLawEncode(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 3  // 13-bit
        let sign: Int = magnitude >= 0 ? 0x80 : 0
        if magnitude < 0 { magnitude = -magnitude - 1 }
        magnitude = min(magnitude, 0x0FFF)
        let encoded: Int
        if magnitude < 32 {
            encoded = magnitude >> 1
        } else {
            var exponent = 1
            while magnitude >> (exponent + 4) > 1, exponent < 7 { exponent += 1 }
            encoded = exponent << 4 | (magnitude >> exponent) & 0x0F
        }
        return UInt8((sign | encoded) ^ 0x55)
    }

    static func aLawDecode(_ byte: UInt8) -> Int16 {
        let value = Int(byte ^ 0x55)
        let exponent = (value >> 4) & 0x07
        let mantissa = value & 0x0F
        var magnitude = exponent == 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1)
        magnitude = min(magnitude, 32_767)
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }
}

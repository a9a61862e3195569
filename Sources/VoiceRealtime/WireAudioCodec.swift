import VoiceProtocol

/// Samples ↔ the base64 payload of `input_audio_buffer.append` / `response.output_audio.delta`, for one of
/// the wire formats the daemon supports: PCM16 (any rate), G.711 µ-law (`audio/pcmu`), G.711 A-law
/// (`audio/pcma`). Inside the daemon audio is always Int16 at the session rate; G.711 exists only here.
struct WireAudioCodec: Sendable, Equatable {
    enum Encoding: Sendable, Equatable {
        case pcm16
        case muLaw
        case aLaw
    }

    enum CodecError: Error, CustomStringConvertible {
        case unsupportedFormat(String)
        case undecodable(String)

        var description: String {
            switch self {
            case .unsupportedFormat(let type): "the audio format \(type) is not supported by voiced (use pcm, pcmu or pcma)"
            case .undecodable(let reason): "reply audio could not be decoded: \(reason)"
            }
        }
    }

    let encoding: Encoding

    init(encoding: Encoding) { self.encoding = encoding }

    init(format: AudioFormat) throws(CodecError) {
        switch format {
        case .pcm: encoding = .pcm16
        case .pcmu: encoding = .muLaw
        case .pcma: encoding = .aLaw
        case .opus, .other: throw .unsupportedFormat(format.typeName)
        }
    }

    func encode(_ samples: [Int16]) -> String {
        switch encoding {
        case .pcm16: AudioPayload.encodePCM16(samples)
        case .muLaw: AudioPayload.encodeBytes(samples.map(G711Wire.muLaw(encoding:)))
        case .aLaw: AudioPayload.encodeBytes(samples.map(G711Wire.aLaw(encoding:)))
        }
    }

    func decode(_ base64: String) throws(CodecError) -> [Int16] {
        do {
            switch encoding {
            case .pcm16: return try AudioPayload.decodePCM16(base64)
            case .muLaw: return try AudioPayload.decodeBytes(base64).map(G711Wire.muLaw(decoding:))
            case .aLaw: return try AudioPayload.decodeBytes(base64).map(G711Wire.aLaw(decoding:))
            }
        } catch {
            throw .undecodable(error.description)
        }
    }
}

/// ITU-T G.711 companding, used only at the wire.
///
/// TODO(dsp): VoiceDSP's `G711` (issue owned by the dsp helper) provides the same functions; switch to it
/// once it is on main, and delete this.
enum G711Wire {
    private static let muLawBias: Int32 = 0x84
    private static let muLawClip: Int32 = 32_635

    static func muLaw(encoding sample: Int16) -> UInt8 {
        var value = Int32(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, muLawClip) + muLawBias
        var exponent: UInt8 = 7
        var mask: Int32 = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = UInt8((value >> (Int32(exponent) + 3)) & 0x0F)
        return ~(sign | (exponent << 4) | mantissa)
    }

    static func muLaw(decoding byte: UInt8) -> Int16 {
        let value = ~byte
        let sign = value & 0x80
        let exponent = Int32((value >> 4) & 0x07)
        let mantissa = Int32(value & 0x0F)
        let magnitude = (((mantissa << 3) + muLawBias) << exponent) - muLawBias
        return Int16(sign != 0 ? -magnitude : magnitude)
    }

    static func aLaw(encoding sample: Int16) -> UInt8 {
        var value = Int32(sample)
        let sign: UInt8 = value >= 0 ? 0x80 : 0
        if value < 0 { value = -value - 1 }
        value = min(value, 32_767) >> 3
        let byte: UInt8
        if value < 32 {
            byte = sign | UInt8(value >> 1)
        } else {
            var exponent: UInt8 = 1
            var shifted = value >> 5
            while shifted > 1 && exponent < 7 {
                shifted >>= 1
                exponent += 1
            }
            let mantissa = UInt8((value >> Int32(exponent)) & 0x0F)
            byte = sign | (exponent << 4) | mantissa
        }
        return byte ^ 0x55
    }

    static func aLaw(decoding byte: UInt8) -> Int16 {
        let value = byte ^ 0x55
        let exponent = Int32((value >> 4) & 0x07)
        let mantissa = Int32(value & 0x0F)
        var magnitude: Int32
        if exponent == 0 {
            magnitude = (mantissa << 4) + 8
        } else {
            magnitude = ((mantissa << 4) + 0x108) << (exponent - 1)
        }
        if magnitude > 32_767 { magnitude = 32_767 }
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }
}

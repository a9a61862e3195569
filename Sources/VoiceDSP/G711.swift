/// ITU-T G.711 companding: μ-law and A-law, one byte per sample.
///
/// Bit-exact with the classic Sun reference implementation (and so with Python's `audioop`):
/// μ-law encodes the top 14 bits of a 16-bit sample, A-law the top 13 bits; decoding returns the
/// segment midpoint scaled back to 16 bits. Used only at the wire (`audio/pcmu`, `audio/pcma`).
public enum G711 {
    // MARK: μ-law

    /// μ-law segment end points for 14-bit magnitudes (after the bias is added).
    private static let muLawSegmentEnds: [Int] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]
    /// A-law segment end points for 13-bit magnitudes.
    private static let aLawSegmentEnds: [Int] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]

    /// Encodes one 16-bit sample as μ-law.
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 2  // 14-bit two's complement (arithmetic shift floors)
        let mask: UInt8
        if magnitude < 0 {
            magnitude = -magnitude
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        magnitude += 0x84 >> 2  // the μ-law bias, in 14-bit units
        let segment = segmentIndex(magnitude, ends: muLawSegmentEnds)
        guard segment < 8 else { return 0x7F ^ mask }
        let code = UInt8(segment << 4) | UInt8((magnitude >> (segment + 1)) & 0x0F)
        return code ^ mask
    }

    /// Decodes one μ-law byte to a 16-bit sample.
    public static func decodeMuLaw(_ code: UInt8) -> Int16 {
        let inverted = Int(~code)
        var magnitude = ((inverted & 0x0F) << 3) + 0x84
        magnitude <<= (inverted & 0x70) >> 4
        return Int16(inverted & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    // MARK: A-law

    /// Encodes one 16-bit sample as A-law.
    public static func encodeALaw(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 3  // 13-bit two's complement
        let mask: UInt8
        if magnitude >= 0 {
            mask = 0xD5  // sign bit set, even bits inverted
        } else {
            mask = 0x55
            magnitude = -magnitude - 1
        }
        let segment = segmentIndex(magnitude, ends: aLawSegmentEnds)
        guard segment < 8 else { return 0x7F ^ mask }
        let mantissa = segment < 2 ? (magnitude >> 1) & 0x0F : (magnitude >> segment) & 0x0F
        return (UInt8(segment << 4) | UInt8(mantissa)) ^ mask
    }

    /// Decodes one A-law byte to a 16-bit sample.
    public static func decodeALaw(_ code: UInt8) -> Int16 {
        let value = Int(code ^ 0x55)
        var magnitude = (value & 0x0F) << 4
        let segment = (value & 0x70) >> 4
        switch segment {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (segment - 1)
        }
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }

    // MARK: Arrays

    public static func encodeMuLaw(_ samples: [Int16]) -> [UInt8] { samples.map { encodeMuLaw($0) } }
    public static func decodeMuLaw(_ codes: [UInt8]) -> [Int16] { codes.map { decodeMuLaw($0) } }
    public static func encodeALaw(_ samples: [Int16]) -> [UInt8] { samples.map { encodeALaw($0) } }
    public static func decodeALaw(_ codes: [UInt8]) -> [Int16] { codes.map { decodeALaw($0) } }

    @inline(__always)
    private static func segmentIndex(_ magnitude: Int, ends: [Int]) -> Int {
        var segment = 0
        while segment < 8 && magnitude > ends[segment] { segment += 1 }
        return segment
    }
}

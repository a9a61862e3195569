/// Base64 encoding (RFC 4648 §4: the standard alphabet, `=` padding) without Foundation, written
/// for the audio hot path: 100 ms of 24 kHz PCM16 is 4,800 bytes → 6,400 characters, ten times a
/// second. Six input bytes become eight characters per step through a table of all 4,096 character
/// pairs (8 KB), so the loop is one 8-byte load, four table reads and one 8-byte store.
enum Base64 {
    /// Characters needed for `byteCount` bytes, padding included.
    static func encodedCount(ofByteCount byteCount: Int) -> Int { (max(0, byteCount) + 2) / 3 * 4 }

    /// The 64 characters of the standard alphabet, in value order.
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Entry `v` (a 12-bit value) holds the two characters for its high and low six bits, the first in
    /// the low byte, so little-endian stores put them in order.
    private static let pairs: [UInt16] = (0..<4096).map { value in
        UInt16(alphabet[value >> 6]) | UInt16(alphabet[value & 63]) << 8
    }

    /// The encoding of `bytes` as a String (one allocation, no intermediate buffer).
    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        let count = encodedCount(ofByteCount: bytes.count)
        guard count > 0 else { return "" }
        return String(unsafeUninitializedCapacity: count) { encode(bytes, into: $0.baseAddress!) }
    }

    /// Writes the encoding of `bytes` to `output`, which needs room for `encodedCount(ofByteCount:)`
    /// characters. Returns the number written.
    @discardableResult
    static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>) -> Int {
        guard let input = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        let count = bytes.count
        return pairs.withUnsafeBufferPointer { table in
            let pair = table.baseAddress!
            var read = 0
            var written = 0
            // Six bytes → eight characters, loading eight bytes (so two bytes of slack are needed).
            while read + 8 <= count {
                let bits = UInt64(bigEndian: input.loadUnaligned(fromByteOffset: read, as: UInt64.self))
                let first = UInt64(pair[Int(truncatingIfNeeded: bits >> 52)])
                let second = UInt64(pair[Int(truncatingIfNeeded: (bits >> 40) & 0xFFF)])
                let third = UInt64(pair[Int(truncatingIfNeeded: (bits >> 28) & 0xFFF)])
                let fourth = UInt64(pair[Int(truncatingIfNeeded: (bits >> 16) & 0xFFF)])
                let characters = first | second << 16 | third << 32 | fourth << 48
                UnsafeMutableRawPointer(output + written).storeBytes(of: characters.littleEndian, as: UInt64.self)
                read += 6
                written += 8
            }
            // Three bytes → four characters.
            while read + 3 <= count {
                let bits =
                    Int(input.load(fromByteOffset: read, as: UInt8.self)) << 16
                    | Int(input.load(fromByteOffset: read + 1, as: UInt8.self)) << 8
                    | Int(input.load(fromByteOffset: read + 2, as: UInt8.self))
                let characters = UInt32(pair[bits >> 12]) | UInt32(pair[bits & 0xFFF]) << 16
                UnsafeMutableRawPointer(output + written).storeBytes(of: characters.littleEndian, as: UInt32.self)
                read += 3
                written += 4
            }
            // One or two bytes left: two or three characters, then padding.
            let left = count - read
            if left > 0 {
                let high = Int(input.load(fromByteOffset: read, as: UInt8.self))
                let low = left == 2 ? Int(input.load(fromByteOffset: read + 1, as: UInt8.self)) : 0
                let bits = high << 16 | low << 8
                output[written] = alphabet[bits >> 18]
                output[written + 1] = alphabet[(bits >> 12) & 63]
                output[written + 2] = left == 2 ? alphabet[(bits >> 6) & 63] : UInt8(ascii: "=")
                output[written + 3] = UInt8(ascii: "=")
                written += 4
            }
            return written
        }
    }
}

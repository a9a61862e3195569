#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Base64 audio as it travels in `input_audio_buffer.append.audio` and `response.output_audio.delta.delta`.
public enum AudioPayload {
    /// Why a payload could not be decoded.
    public enum DecodingError: Error, Hashable, CustomStringConvertible {
        /// The text is not valid base64.
        case invalidBase64
        /// PCM16 needs whole 2-byte samples; the payload had an odd number of bytes.
        case oddByteCount(Int)

        public var description: String {
            switch self {
            case .invalidBase64: "the audio is not valid base64"
            case .oddByteCount(let count): "the audio has \(count) bytes, not a whole number of 16-bit samples"
            }
        }
    }

    /// Mono PCM16 samples as little-endian bytes in base64.
    public static func encodePCM16(_ samples: [Int16]) -> String {
        samples.withUnsafeBufferPointer { encodePCM16($0) }
    }

    /// Mono PCM16 samples as little-endian bytes in base64, without copying the samples first.
    public static func encodePCM16(_ samples: UnsafeBufferPointer<Int16>) -> String {
        #if _endian(little)
        return Base64.encode(UnsafeRawBufferPointer(samples))
        #else
        return samples.map(\.littleEndian).withUnsafeBytes { Base64.encode($0) }
        #endif
    }

    /// Base64 little-endian PCM16 back to samples.
    public static func decodePCM16(_ base64: String) throws(DecodingError) -> [Int16] {
        let bytes = try decodeBytes(base64)
        guard bytes.count % 2 == 0 else { throw .oddByteCount(bytes.count) }
        var samples = [Int16](repeating: 0, count: bytes.count / 2)
        samples.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in destination.copyMemory(from: source) }
        }
        #if _endian(big)
        for index in samples.indices { samples[index] = Int16(littleEndian: samples[index]) }
        #endif
        return samples
    }

    /// Raw bytes (G.711 µ-law / A-law) in base64.
    public static func encodeBytes(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { Base64.encode($0) }
    }

    /// Base64 back to raw bytes.
    public static func decodeBytes(_ base64: String) throws(DecodingError) -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else { throw .invalidBase64 }
        return [UInt8](data)
    }
}

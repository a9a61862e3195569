import Foundation
import Testing

@testable import VoiceProtocol

@Suite struct Base64Tests {
    /// Deterministic pseudo-random bytes (xorshift), so a failure repeats.
    static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    static let lengths: [Int] = Array(0...40) + [47, 48, 49, 255, 256, 257, 1000, 4799, 4800, 4801]

    @Test(arguments: lengths)
    func matchesFoundationBitForBit(_ length: Int) {
        for seed in 1...4 {
            let bytes = Self.randomBytes(count: length, seed: UInt64(seed * 7919 + length))
            let ours = bytes.withUnsafeBytes { Base64.encode($0) }
            #expect(ours == Data(bytes).base64EncodedString(), "\(length) bytes, seed \(seed)")
            #expect(ours.utf8.count == Base64.encodedCount(ofByteCount: length))
        }
    }

    @Test func knownVectorsFromRFC4648() {
        let vectors = [
            "": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
            "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            #expect(Array(plain.utf8).withUnsafeBytes { Base64.encode($0) } == encoded)
        }
        // Every character of the alphabet, and both that are not letters or digits.
        let all = Array(0..<48).map { UInt8($0 * 255 / 47) }
        #expect(all.withUnsafeBytes { Base64.encode($0) } == Data(all).base64EncodedString())
    }

    @Test(arguments: lengths)
    func decodingTheEncodingGivesTheBytesBack(_ length: Int) throws {
        let bytes = Self.randomBytes(count: length, seed: UInt64(length + 1))
        #expect(try AudioPayload.decodeBytes(AudioPayload.encodeBytes(bytes)) == bytes)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 240, 2400])
    func appendEventTextIsTheCodedEventAndParsesBack(_ count: Int) throws {
        let samples = Self.randomBytes(count: 2 * count, seed: UInt64(count + 99)).withUnsafeBytes {
            Array($0.bindMemory(to: Int16.self)).map { Int16(littleEndian: $0) }
        }
        let text = RealtimeCoding.encodeAudioAppend(pcm16: samples)
        #expect(text == RealtimeCoding.encode(.inputAudioBufferAppend(audio: AudioPayload.encodePCM16(samples))))
        guard case .inputAudioBufferAppend(let audio) = try RealtimeCoding.decodeClientEvent(text) else {
            Issue.record("\(text.prefix(80)) did not decode as an append")
            return
        }
        #expect(try AudioPayload.decodePCM16(audio) == samples)
        // Plain JSON too: an object with exactly these two fields.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        #expect(object == ["type": "input_audio_buffer.append", "audio": audio])
    }

    @Test func g711AppendCarriesTheBytes() throws {
        let bytes = Self.randomBytes(count: 801, seed: 5)
        let text = RealtimeCoding.encodeAudioAppend(bytes: bytes)
        guard case .inputAudioBufferAppend(let audio) = try RealtimeCoding.decodeClientEvent(text) else {
            Issue.record("not an append")
            return
        }
        #expect(try AudioPayload.decodeBytes(audio) == bytes)
    }
}

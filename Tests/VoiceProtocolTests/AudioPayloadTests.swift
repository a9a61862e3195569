import Testing
import VoiceProtocol

@Suite struct AudioPayloadTests {
    @Test func pcm16RoundTripsEveryValueAndIsLittleEndian() throws {
        let samples: [Int16] = [0, 1, -1, 256, .max, .min, 12_345, -12_345]
        let encoded = AudioPayload.encodePCM16(samples)
        #expect(try AudioPayload.decodePCM16(encoded) == samples)
        #expect(try AudioPayload.decodeBytes(AudioPayload.encodePCM16([0x0102])) == [0x02, 0x01])
    }

    @Test func hundredMillisecondsAt24kHzIsAbout6400Characters() {
        let encoded = AudioPayload.encodePCM16([Int16](repeating: 7, count: 2_400))
        #expect(encoded.utf8.count == 6_400)
    }

    @Test func emptyAudioIsEmpty() throws {
        #expect(AudioPayload.encodePCM16([]) == "")
        #expect(try AudioPayload.decodePCM16("") == [])
    }

    @Test func invalidBase64IsRejected() {
        #expect(throws: AudioPayload.DecodingError.invalidBase64) { try AudioPayload.decodePCM16("not base64!") }
    }

    @Test func oddByteCountIsRejected() {
        #expect(throws: AudioPayload.DecodingError.oddByteCount(3)) {
            try AudioPayload.decodePCM16(AudioPayload.encodeBytes([1, 2, 3]))
        }
    }

    @Test func bytesRoundTrip() throws {
        let bytes: [UInt8] = Array(0...255)
        #expect(try AudioPayload.decodeBytes(AudioPayload.encodeBytes(bytes)) == bytes)
    }

    @Test func appendHelperCarriesTheSamples() throws {
        let samples: [Int16] = [3, -3, 300]
        guard case .inputAudioBufferAppend(let audio) = ClientEvent.appendPCM16(samples) else {
            Issue.record("not an append")
            return
        }
        #expect(try AudioPayload.decodePCM16(audio) == samples)
    }
}

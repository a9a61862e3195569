import Testing

@testable import VoiceDSP

@Suite struct WAVCodecTests {
    @Test func encodesAndDecodesSixteenBitPCM() throws {
        let audio = WAVAudio(sampleRate: 16_000, channels: 2, samples: [0, 1, -1, 32767, -32768, 1234])
        let bytes = WAVCodec.encode(audio)
        #expect(bytes.count == 44 + 12)
        #expect(try WAVCodec.decode(bytes) == audio)
        #expect(try WAVCodec.decode(bytes).mono == [0, 16383, -15767])
    }

    @Test func rejectsWhatIsNotAWAVFile() {
        #expect(throws: WAVError.notRIFFWave) { try WAVCodec.decode(Array("hello world, not audio".utf8)) }
        var truncated = WAVCodec.encode(WAVAudio(sampleRate: 8000, samples: [1, 2]))
        truncated.removeLast(30)
        #expect(throws: WAVError.self) { try WAVCodec.decode(truncated) }
    }
}

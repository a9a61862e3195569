import Testing
import VoiceTestSupport

@testable import VoiceDSP

/// Bit-exactness against tables generated with Python 3.11's `audioop` (Fixtures/generate_fixtures.py).
@Suite(.computeBound) struct G711Tests {
    private static let allSamples = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }

    @Test func muLawEncodingMatchesAudioopForEverySample() throws {
        let reference = try ReferenceData.bytes("g711-ulaw-encode.bin")
        try #require(reference.count == 65536)
        let encoded = G711.encodeMuLaw(Self.allSamples)
        let mismatches = zip(Self.allSamples, zip(encoded, reference)).filter { $1.0 != $1.1 }
        #expect(mismatches.isEmpty, "first mismatches (sample, ours, audioop): \(mismatches.prefix(5))")
    }

    @Test func aLawEncodingMatchesAudioopForEverySample() throws {
        let reference = try ReferenceData.bytes("g711-alaw-encode.bin")
        try #require(reference.count == 65536)
        let encoded = G711.encodeALaw(Self.allSamples)
        let mismatches = zip(Self.allSamples, zip(encoded, reference)).filter { $1.0 != $1.1 }
        #expect(mismatches.isEmpty, "first mismatches (sample, ours, audioop): \(mismatches.prefix(5))")
    }

    @Test func muLawDecodingMatchesAudioopForEveryCode() throws {
        let reference = try ReferenceData.int16s("g711-ulaw-decode.bin")
        try #require(reference.count == 256)
        #expect(G711.decodeMuLaw((0...255).map { UInt8($0) }) == reference)
    }

    @Test func aLawDecodingMatchesAudioopForEveryCode() throws {
        let reference = try ReferenceData.int16s("g711-alaw-decode.bin")
        try #require(reference.count == 256)
        #expect(G711.decodeALaw((0...255).map { UInt8($0) }) == reference)
    }

    @Test func decodingThenEncodingIsStableForEveryCode() {
        // Every code decodes to a value that encodes back to a code with the same value (μ-law has
        // two zeros, 0x7F and 0xFF, so compare decoded values rather than codes).
        for code in UInt8.min...UInt8.max {
            let muLaw = G711.decodeMuLaw(code)
            #expect(G711.decodeMuLaw(G711.encodeMuLaw(muLaw)) == muLaw)
            let aLaw = G711.decodeALaw(code)
            #expect(G711.encodeALaw(aLaw) == code)
        }
    }

    @Test func quantisationErrorStaysWithinTheSegmentStep() {
        // Companding keeps about 38 dB SNR for speech levels: the error is at most half a step, and
        // the step is at most 1/16 of the segment's magnitude.
        for sample in stride(from: -32000, through: 32000, by: 97).map({ Int16($0) }) {
            let magnitude = max(abs(Int(sample)), 64)
            #expect(abs(Int(G711.decodeMuLaw(G711.encodeMuLaw(sample))) - Int(sample)) <= magnitude / 16 + 4)
            #expect(abs(Int(G711.decodeALaw(G711.encodeALaw(sample))) - Int(sample)) <= magnitude / 16 + 16)
        }
    }
}

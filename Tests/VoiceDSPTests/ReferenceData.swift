import Foundation
import Testing

/// Loads the reference data in Fixtures/ (see Fixtures/generate_fixtures.py for how it was made).
enum ReferenceData {
    struct MissingFixture: Error, CustomStringConvertible {
        let name: String
        var description: String { "reference file Fixtures/\(name) is missing from the test bundle" }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw MissingFixture(name: name) }
        return [UInt8](data)
    }

    /// Little-endian 16-bit integers.
    static func int16s(_ name: String) throws -> [Int16] {
        let raw = try bytes(name)
        return stride(from: 0, to: raw.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(raw[$0]) | UInt16(raw[$0 + 1]) << 8)
        }
    }

    /// Little-endian 32-bit floats.
    static func floats(_ name: String) throws -> [Float] {
        let raw = try bytes(name)
        return stride(from: 0, to: raw.count - 3, by: 4).map { index in
            let bits =
                UInt32(raw[index]) | UInt32(raw[index + 1]) << 8 | UInt32(raw[index + 2]) << 16
                | UInt32(raw[index + 3]) << 24
            return Float(bitPattern: bits)
        }
    }

    struct ResamplerCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let inputRate: Int
        let outputRate: Int
        let signal: String
        let tapCount: Int
        let kaiserBeta: Double
        let cutoff: Double
        let inputCount: Int
        let outputCount: Int
        var testDescription: String { "\(inputRate)→\(outputRate) \(signal)" }
    }

    static func resamplerCases() throws -> [ResamplerCase] {
        struct Manifest: Decodable { let cases: [ResamplerCase] }
        return try JSONDecoder().decode(Manifest.self, from: Data(bytes("resampler.json"))).cases
    }
}

import Foundation
import Testing
import VoiceCore

@testable import VoiceListening

/// Writes decisions for the eval kit's corpus when `VOICED_VAD_CORPUS` names a split directory
/// (the one holding manifest.json); skipped otherwise. `VOICED_VAD_OUT` (default: the temp dir)
/// receives `decisions_16k.json` and `decisions_24k.json`; `VOICED_VAD_SETTINGS` may name a JSON
/// file of `listening:` settings to try.
@Suite struct CorpusDecisionsTests {
    static let corpus = ProcessInfo.processInfo.environment["VOICED_VAD_CORPUS"]

    @Test(.enabled(if: corpus != nil, "set VOICED_VAD_CORPUS to a corpus split directory"))
    func writeDecisionsForCorpus() throws {
        let environment = ProcessInfo.processInfo.environment
        let split = try #require(Self.corpus)
        let out = environment["VOICED_VAD_OUT"] ?? NSTemporaryDirectory()
        var settings = ListeningSettings()
        if let path = environment["VOICED_VAD_SETTINGS"] {
            settings = try JSONDecoder().decode(
                ListeningSettings.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        for rate in [16000, 24000] {
            let count = try OfflineVAD.scoreManifest(
                manifestPath: split + "/manifest.json",
                rate: rate,
                outputPath: out + "/decisions_\(rate / 1000)k.json",
                settings: settings
            )
            #expect(count > 0)
        }
    }
}

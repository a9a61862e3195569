import Foundation
import Testing

/// voiced links FoundationEssentials only: full Foundation would put ICU into the static binary and
/// ~8 MB into resident memory (BENCHMARKS.md). Every `import Foundation` in a module voiced links
/// must be the fallback of `#if canImport(FoundationEssentials)`, for platforms without it.
@Suite struct FoundationEssentialsOnlyTests {
    static let voicedModules = [
        "VoiceDSP", "VoiceCore", "VoiceProtocol", "VoiceConfig", "VoiceControl", "VoiceListening", "VoiceALSA",
        "VoiceGPIO", "VoiceSystemd", "VoiceRealtime", "VoiceControlServer", "VoiceTools", "VoiceDaemon", "voiced",
    ]

    @Test func modulesLinkedIntoVoicedImportFoundationOnlyAsAFallback() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var checked = 0
        for module in Self.voicedModules {
            let directory = sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                for (index, line) in lines.enumerated() where line.hasSuffix("import Foundation") {
                    #expect(
                        index > 0 && lines[index - 1] == "#else", "\(module)/\(file):\(index + 1) imports Foundation")
                }
                checked += 1
            }
        }
        #expect(checked > 50, "the module sources were found")
    }
}

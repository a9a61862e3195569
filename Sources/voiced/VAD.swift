import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceConfig
import VoiceCore
import VoiceListening

extension Voiced {
    /// `voiced vad`: the daemon's own VAD and echo gate, run offline.
    struct VAD: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vad",
            abstract: "Run the daemon's VAD and echo gate on recordings.",
            discussion: """
                voiced vad recording.wav [--reference played.wav]   a readable timeline, to tune thresholds
                voiced vad --manifest M --rate R --output decisions.json   score an evaluation corpus
                """
        )

        @Argument(help: "A recording (WAV) to print a timeline for.")
        var recording: String?
        @Option(help: "What the speaker played during the recording (WAV, same rate), for the echo gate.")
        var reference: String?
        @Option(help: "A corpus manifest (see the evaluation kit).")
        var manifest: String?
        @Option(help: "Which of the manifest's rates to score (16000 or 24000).")
        var rate: Int?
        @Option(name: .shortAndLong, help: "Where to write the decisions JSON.")
        var output: String?
        @Option(name: .shortAndLong, help: "A config file whose `listening:` section is used.")
        var config: String?

        func validate() throws {
            if manifest == nil, recording == nil {
                throw ValidationError("give a recording, or --manifest with --rate and --output")
            }
            if manifest != nil, rate == nil || output == nil {
                throw ValidationError("--manifest needs --rate and --output")
            }
        }

        func run() async throws {
            let settings: ListeningSettings
            do throws(ConfigurationError) {
                settings = try ConfigurationLoader.load(explicitPath: config).configuration.listening
            } catch {
                fail(error.description)
            }
            do {
                if let manifest, let rate, let output {
                    let clips = try OfflineVAD.scoreManifest(
                        manifestPath: manifest, rate: rate, outputPath: output, settings: settings)
                    print("wrote decisions for \(clips) clips to \(output)")
                } else if let recording {
                    print(try OfflineVAD.timeline(recording: recording, reference: reference, settings: settings))
                }
            } catch {
                fail("\(error)")
            }
        }
    }
}

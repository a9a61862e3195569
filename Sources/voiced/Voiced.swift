import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import VoiceConfig
import VoiceDaemon

/// `voiced`: the voice appliance daemon, and two tools that share its code.
@main
struct Voiced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voiced",
        abstract: "The voiced voice appliance daemon.",
        version: DaemonRunner.version,
        subcommands: [Run.self, Once.self, VAD.self, CheckConfig.self],
        defaultSubcommand: Run.self
    )

    /// Before start-up reads its way through the executable's data, split that data into small VMAs so
    /// the pages it reads once are not resident for the daemon's life (issue 9; ``StartupCodeTrimmer``).
    static func main() async {
        if getenv("VOICED_TRIM_CODE").map({ String(cString: $0) }) != "0" {
            let chunk = getenv("VOICED_FAULT_CHUNK_KB").map { String(cString: $0) }
            let chunkBytes = StartupCodeTrimmer.faultChunkBytes(environment: chunk)
            StartupCodeTrimmer.splitWritableData(faultChunkBytes: chunkBytes)
        }
        await main(nil)
    }
}

/// Prints one line for a person and exits non-zero: no stack traces for expected failures.
func fail(_ message: String, code: Int32 = 1) -> Never {
    StandardError.write("voiced: \(message)\n")
    exit(code)
}

extension Voiced {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the daemon (the default).")

        @Option(name: .shortAndLong, help: "The config file (default: $VOICED_CONFIG, then /etc/voiced/voiced.yaml).")
        var config: String?

        func run() async throws {
            do {
                try await DaemonRunner.run(.init(configPath: config))
            } catch let error as StartupError {
                fail(error.description)
            }
        }
    }

    struct Once: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One turn from a WAV file to a WAV file, without audio hardware.",
            discussion: "Checks a key and a voice: voiced once --input question.wav --output reply.wav --voice eve"
        )

        @Option(name: .shortAndLong, help: "The question: a WAV file (any rate, mono or stereo).")
        var input: String
        @Option(name: .shortAndLong, help: "Where to write the reply (WAV at the session rate).")
        var output: String
        @Option(help: "The voice (eve, ara, rex, sal, leo, …).")
        var voice: String?
        @Option(name: .shortAndLong, help: "The config file.")
        var config: String?
        @Option(help: "Give up after this many seconds.")
        var timeout: Double = 60

        func run() async throws {
            do {
                let result = try await OnceRunner.run(
                    .init(
                        inputPath: input, outputPath: output, voice: voice, configPath: config, timeoutSeconds: timeout)
                )
                print(result.summary)
            } catch let error as StartupError {
                fail(error.description)
            }
        }
    }

    struct CheckConfig: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check-config",
            abstract: "Read the configuration, report problems, and exit."
        )

        @Option(name: .shortAndLong, help: "The config file.")
        var config: String?
        @Flag(help: "Print every setting with its default value instead.")
        var defaults = false

        func run() async throws {
            if defaults {
                print(ConfigurationLoader.defaultsYAML(), terminator: "")
                return
            }
            do {
                let report = try DaemonRunner.checkConfiguration(configPath: config)
                print(report)
            } catch let error as StartupError {
                fail(error.description)
            }
        }
    }
}

import ArgumentParser

/// `voiced-bench <name>`: each benchmark prints its figures; BENCHMARKS.md records them with the command.
///
/// Each area adds its own `ParsableCommand` in a file of its own and one line to `subcommands`.
@main
struct VoicedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voiced-bench",
        abstract: "Benchmarks of voiced's hot paths; prints figures, asserts nothing.",
        subcommands: [
            AudioBenchmark.self, CapturePathBenchmark.self, ControlBenchmark.self, DSPBenchmark.self,
            ListeningBenchmark.self, SessionBenchmark.self,
        ]
    )
}

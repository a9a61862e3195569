import ArgumentParser
import Foundation
import VoiceControl

extension VoiceCtl {
    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what the microphone hears and what the speaker plays, to tune listening.",
            discussion: """
                Writes PREFIX-mic.wav (what voiced's pipeline hears: mono PCM16 at the session rate, after the \
                device conversion) and PREFIX-played.wav (what the speaker played while each of those samples \
                was heard: the echo reference, aligned sample for sample; silence when nothing played), in the \
                current directory unless PREFIX says otherwise. voiced keeps running as usual while it \
                records: meanwhile, from another shell, `voicectl press`, speak, or `voicectl say "tell me a \
                story"` and talk over the reply, so the recording holds echo and barge-ins. Then \
                `voiced vad PREFIX-mic.wav --reference PREFIX-played.wav` shows what the VAD and the echo gate \
                decide on it. The audio comes over the control socket, so the files are yours. Ctrl-C stops \
                early and keeps what was recorded.
                """
        )

        @Option(
            name: .long,
            help: ArgumentHelp(
                "How long to record (1-\(RecordingLimits.maximumSeconds)).", valueName: "seconds"))
        var seconds: Int = RecordingLimits.defaultSeconds

        @Option(
            name: .shortAndLong,
            help: ArgumentHelp(
                "Where to write: PREFIX-mic.wav and PREFIX-played.wav (default voiced-<date>-<time>).",
                valueName: "prefix"),
            completion: .file()
        )
        var output: String?

        @Flag(name: .long, help: "Overwrite the files if they exist.")
        var force = false

        @OptionGroup var options: ConnectionOptions

        func validate() throws {
            guard (1...RecordingLimits.maximumSeconds).contains(seconds) else {
                throw ValidationError(
                    "--seconds must be a whole number from 1 to \(RecordingLimits.maximumSeconds), not \(seconds)")
            }
            if let output, output.isEmpty || output.hasSuffix("/") {
                throw ValidationError("--output needs a file name prefix, e.g. --output kitchen (not \"\(output)\")")
            }
        }

        func run() throws {
            let console = Console.current
            let prefix = output ?? Self.defaultPrefix()
            let client: ControlClient
            do {
                try RecordingWriter.checkWritable(prefix: prefix, overwrite: force)
                client = try options.connect(console)
            } catch let error as RecordingFileError {
                reportFileProblem(error, to: console)
                throw ExitCode(VoicectlExit.usage)
            } catch let error as ControlClientError {
                report(error, to: console, json: options.json)
                throw ExitCode(VoicectlExit.code(for: error))
            }
            let result: RecordingResult
            do {
                result = try client.record(
                    seconds: seconds, prefix: prefix, overwrite: force,
                    started: { info in
                        guard !options.json else { return }
                        console.out(
                            "recording \(info.seconds) s at \(info.sampleRate) Hz; meanwhile, from another shell: "
                                + "voicectl press, voicectl say \"tell me a story\"...")
                    })
            } catch .control(let error) {
                report(error, to: console, json: options.json)
                throw ExitCode(VoicectlExit.code(for: error))
            } catch .file(let error) {
                reportFileProblem(error, to: console)
                throw ExitCode(VoicectlExit.refused)
            }
            let lines = Self.describe(result)
            if options.json {
                console.out(ControlWire.json(Self.jsonSummary(result)))
            } else {
                for line in lines.out { console.out(line) }
                for line in lines.err { console.err(line) }
            }
            if let interruption = result.interruption { throw ExitCode(VoicectlExit.code(for: interruption)) }
        }

        /// A file that cannot be written: text on stderr, or with --json the same error object as the daemon's.
        func reportFileProblem(_ error: RecordingFileError, to console: Console) {
            guard options.json else { return console.err("voicectl: \(error)") }
            let object: JSONValue = .object(["code": .string("file"), "message": .string(error.description)])
            console.out(ControlWire.json(JSONValue.object(["error": object])))
        }

        /// `voiced-20261122-173512` in the current directory, local time.
        static func defaultPrefix(now: Date = Date()) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = .current
            formatter.dateFormat = "yyyyMMdd-HHmmss"
            return "voiced-" + formatter.string(from: now)
        }

        /// What to tell the person: what was written, what was lost and why, how to analyse it.
        static func describe(_ result: RecordingResult) -> (out: [String], err: [String]) {
            let rate = result.info.sampleRate
            let seconds = String(format: "%.1f", Double(result.samplesWritten) / Double(max(rate, 1)))
            var out = [
                "wrote \(result.micPath) (what the microphone heard, \(seconds) s at \(rate) Hz)",
                "wrote \(result.playedPath) (what the speaker played, aligned sample for sample)",
            ]
            var err: [String] = []
            if let interruption = result.interruption {
                err.append("voicectl: the recording stopped early (\(interruption)); the files hold what arrived")
            }
            if result.lostSamples > 0 {
                let spans = result.lostRanges.prefix(3).map { range in
                    String(
                        format: "%.1f-%.1f s", Double(range.lowerBound) / Double(rate),
                        Double(range.upperBound) / Double(rate))
                }.joined(separator: ", ")
                err.append(
                    "voicectl: \(result.lostSamples * 1000 / max(rate, 1)) ms lost: the client was too slow "
                        + "(silence in both files at \(spans)\(result.lostRanges.count > 3 ? ", ..." : ""))")
            }
            if let muted = result.summary?.mutedSamples, muted > 0 {
                err.append(
                    "voicectl: the microphone was muted for \(muted * 1000 / max(rate, 1)) ms of it "
                        + "(silence in the mic file there)")
            }
            out.append(
                "analyse it: voiced vad \(shellQuoted(result.micPath)) --reference \(shellQuoted(result.playedPath))")
            return (out, err)
        }

        static func jsonSummary(_ result: RecordingResult) -> JSONValue {
            var object: [String: JSONValue] = [
                "mic_file": .string(result.micPath),
                "played_file": .string(result.playedPath),
                "sample_rate": .integer(result.info.sampleRate),
                "samples": .integer(result.samplesWritten),
                "lost_samples": .integer(result.lostSamples),
                "muted_samples": .integer(result.summary?.mutedSamples ?? 0),
                "complete": .bool(result.summary?.reason == .complete),
            ]
            if let interruption = result.interruption { object["interrupted"] = .string(interruption.description) }
            return .object(object)
        }

        /// `path` as one shell word.
        static func shellQuoted(_ path: String) -> String {
            let safe = path.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=+,@".contains($0) }
            return safe ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
    }
}

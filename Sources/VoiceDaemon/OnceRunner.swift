#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import VoiceConfig
import VoiceCore
import VoiceDSP
import VoiceProtocol
import VoiceRealtime
import VoiceSystemd

/// `voiced once`: one turn from a WAV file to a WAV file, through the real session code, no ALSA.
public enum OnceRunner {
    public struct Options: Sendable {
        public var inputPath: String
        public var outputPath: String
        public var voice: String?
        public var configPath: String?
        public var timeoutSeconds: Double
        public var environment: [String: String]

        public init(
            inputPath: String, outputPath: String, voice: String? = nil, configPath: String? = nil,
            timeoutSeconds: Double = 60, environment: [String: String] = ProcessInfo.processInfo.environment
        ) {
            self.inputPath = inputPath
            self.outputPath = outputPath
            self.voice = voice
            self.configPath = configPath
            self.timeoutSeconds = timeoutSeconds
            self.environment = environment
        }
    }

    public struct Outcome: Sendable {
        public var replySamples: Int
        public var sampleRate: Int
        public var userTranscript: String?
        public var replyTranscript: String?
        public var outputPath: String

        public var summary: String {
            let seconds = Double(replySamples) / Double(max(sampleRate, 1))
            var lines = ["reply: \(fixedDecimals(seconds, 2)) s of audio at \(sampleRate) Hz written to \(outputPath)"]
            if let userTranscript { lines.append("you said: \(userTranscript)") }
            if let replyTranscript { lines.append("reply: \(replyTranscript)") }
            return lines.joined(separator: "\n")
        }
    }

    public static func run(_ options: Options, logger: Logger = Logger(label: "voiced.once")) async throws -> Outcome {
        let (loaded, key) = try DaemonRunner.prepare(
            .init(configPath: options.configPath, environment: options.environment, bootstrapLogging: false))
        ConsoleLogHandler.secrets.redact(key.key)
        var settings = loaded.configuration.realtime
        if let voice = options.voice {
            guard let canonical = VoiceCatalog.canonical(voice) else {
                throw StartupError(
                    "unknown voice '\(voice)'; valid voices: \(VoiceCatalog.all.joined(separator: ", "))")
            }
            settings.voice = canonical
        }
        // One file, one turn: we commit it ourselves.
        settings.turnDetection.mode = .manual
        let rate = settings.inputAudio.effectiveRate

        let question = try readQuestion(options.inputPath, rate: rate)
        let sessionSettings = settings
        let session = RealtimeSession(
            settings: settings, apiKey: key.key, clockProbe: LiveSystemClock(), logger: logger)

        let outcome: Outcome = try await withThrowingTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                try await session.run()
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(options.timeoutSeconds * 1000)))
                throw StartupError("no reply within \(Int(options.timeoutSeconds)) s from \(sessionSettings.url)")
            }
            group.addTask {
                try await converse(
                    session: session, question: question, settings: sessionSettings, outputPath: options.outputPath)
            }
            while let result = try await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            throw StartupError("the session ended before a reply arrived")
        }
        return outcome
    }

    static func readQuestion(_ path: String, rate: Int) throws -> [Int16] {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw StartupError("cannot read the input WAV \(path): \(FileProblem.describe(error))")
        }
        let audio: WAVAudio
        do {
            audio = try WAVCodec.decode(bytes)
        } catch {
            throw StartupError("cannot use the input \(path): \(error)")
        }
        guard audio.frameCount > 0 else { throw StartupError("the input WAV \(path) holds no audio") }
        return PolyphaseResampler.resample(audio.mono, from: audio.sampleRate, to: rate)
    }

    static func converse(session: RealtimeSession, question: [Int16], settings: RealtimeSettings, outputPath: String)
        async throws -> Outcome
    {
        var reply: [Int16] = []
        var userTranscript: String?
        var replyTranscript: String?
        var sent = false
        var responseID: String?
        for await event in session.events {
            switch event {
            case .connection(let status):
                switch status.state {
                case .ready where !sent:
                    sent = true
                    let chunk = settings.inputAudio.effectiveRate / 10
                    var offset = 0
                    while offset < question.count {
                        session.appendAudio(Array(question[offset..<min(offset + chunk, question.count)]))
                        offset += chunk
                    }
                    session.commit()
                    session.createResponse()
                case .authFailed:
                    throw StartupError(
                        "authentication failed: \(status.lastError ?? "the service rejected the API key") (check XAI_API_KEY or the key file)"
                    )
                case .backingOff:
                    throw StartupError(
                        "cannot reach the realtime service at \(settings.url): \(status.lastError ?? "connection failed")"
                    )
                default:
                    break
                }
            case .audioDelta(let id, _, let samples):
                if responseID == nil || responseID == id {
                    responseID = id
                    reply += samples
                }
            case .server(.inputAudioTranscriptionCompleted(let transcription)):
                userTranscript = transcription.transcript
            case .server(.responseOutputAudioTranscriptDone(let done)):
                replyTranscript = done.text
            case .server(.error(let error)):
                throw StartupError("the service refused the turn: \(error.message)")
            case .server(.responseDone(let info)):
                guard responseID == nil || info.id == responseID else { continue }
                let wav = WAVCodec.encode(WAVAudio(sampleRate: settings.outputAudio.effectiveRate, samples: reply))
                do {
                    try Data(wav).write(to: URL(fileURLWithPath: outputPath))
                } catch {
                    throw StartupError("cannot write \(outputPath): \(FileProblem.describe(error))")
                }
                return Outcome(
                    replySamples: reply.count, sampleRate: settings.outputAudio.effectiveRate,
                    userTranscript: userTranscript, replyTranscript: replyTranscript, outputPath: outputPath
                )
            case .inputUndeliverable(let reason):
                throw StartupError("the question could not be delivered: \(reason)")
            default:
                break
            }
        }
        throw StartupError("the session ended before a reply arrived")
    }
}

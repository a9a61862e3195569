import Foundation
import Testing
import VoiceDSP
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceDaemon

/// `voiced once`, and the one-line errors a person gets instead of a crash.
@Suite(.serialized, .timeLimit(.minutes(5))) struct OnceAndStartupErrorTests {
    static let key = "once-test-key"

    func withSimulator<T>(_ body: (RealtimeSimulator) async throws -> T) async throws -> T {
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(apiKey: Self.key))
        _ = try await simulator.start()
        do {
            let result = try await body(simulator)
            await simulator.stop()
            return result
        } catch {
            await simulator.stop()
            throw error
        }
    }

    func writeQuestion(in directory: TemporaryDirectory) throws -> String {
        let rate = 16_000
        let step = 2 * Double.pi * 220 / Double(rate)
        let tone = (0..<rate * 2).map { index -> Int16 in Int16(9000 * sin(step * Double(index))) }
        let path = directory.appending("question.wav")
        try Data(WAVCodec.encode(WAVAudio(sampleRate: rate, samples: tone))).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func onceWritesTheReplyAsAWAVFile() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-once")
        defer { directory.remove() }
        let input = try writeQuestion(in: directory)
        let output = directory.appending("reply.wav")
        // The product waits 10 s for session.updated; the whole suite starting at once on two cores can take longer.
        let configPath = directory.appending("voiced.yaml")
        try "realtime:\n  timeouts:\n    handshake_seconds: 60\n".write(
            toFile: configPath, atomically: true, encoding: .utf8)
        let outcome = try await withSimulator { simulator in
            try await OnceRunner.run(
                .init(
                    inputPath: input, outputPath: output, voice: "Ara", configPath: configPath,
                    environment: [
                        "XAI_API_KEY": Self.key, "VOICED_REALTIME_URL": simulator.url, "HOME": directory.path,
                    ]))
        }
        let reply = try WAVCodec.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(reply.sampleRate == 24_000)
        #expect(reply.durationSeconds >= 1.0, "the simulator answers about as long as the question")
        #expect(SignalMeasures.rmsDBFS(reply.samples) > -40, "the reply is audible")
        #expect(outcome.replySamples == reply.samples.count)
        #expect(outcome.summary.contains("reply.wav"))
    }

    @Test func aWrongKeySaysAuthenticationFailed() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-once")
        defer { directory.remove() }
        let input = try writeQuestion(in: directory)
        let message = try await withSimulator { simulator in
            await startupError {
                _ = try await OnceRunner.run(
                    .init(
                        inputPath: input, outputPath: directory.appending("reply.wav"), timeoutSeconds: 30,
                        environment: [
                            "XAI_API_KEY": "not-the-key", "VOICED_REALTIME_URL": simulator.url, "HOME": directory.path,
                        ]))
            }
        }
        #expect(message.contains("authentication failed"))
        #expect(!message.contains("not-the-key"), "the key is never repeated")
    }

    @Test func noKeySaysHowToSetOne() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-once")
        defer { directory.remove() }
        let message = await startupError {
            _ = try await OnceRunner.run(
                .init(
                    inputPath: "/nonexistent.wav", outputPath: directory.appending("r.wav"),
                    environment: ["HOME": directory.path]))
        }
        #expect(message.contains("XAI_API_KEY"))
    }

    @Test func anUnreadableInputWAVIsOneClearLine() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-once")
        defer { directory.remove() }
        let notAudio = directory.appending("notes.wav")
        try "shopping list".write(toFile: notAudio, atomically: true, encoding: .utf8)
        let environment = ["XAI_API_KEY": Self.key, "HOME": directory.path]
        let missing = await startupError {
            _ = try await OnceRunner.run(
                .init(inputPath: directory.appending("absent.wav"), outputPath: "/tmp/x.wav", environment: environment))
        }
        #expect(missing.contains("cannot read the input WAV"))
        let garbage = await startupError {
            _ = try await OnceRunner.run(.init(inputPath: notAudio, outputPath: "/tmp/x.wav", environment: environment))
        }
        #expect(garbage.contains("not a WAV file"))
    }

    @Test func anUnreachableServiceIsReportedNotRetriedForever() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-once")
        defer { directory.remove() }
        let input = try writeQuestion(in: directory)
        // A port nobody listens on: bind one, note it, close it.
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(apiKey: Self.key))
        let port = try await simulator.start()
        await simulator.stop()
        let message = await startupError {
            _ = try await OnceRunner.run(
                .init(
                    inputPath: input, outputPath: directory.appending("r.wav"), timeoutSeconds: 30,
                    environment: [
                        "XAI_API_KEY": Self.key, "VOICED_REALTIME_URL": "ws://127.0.0.1:\(port)/v1/realtime",
                        "HOME": directory.path,
                    ]))
        }
        #expect(message.contains("cannot reach the realtime service"))
    }

    @Test func badConfigurationAndDevicesAreOneClearLine() async throws {
        let directory = try TemporaryDirectory(prefix: "voiced-start")
        defer { directory.remove() }
        let environment = ["XAI_API_KEY": Self.key, "HOME": directory.path]
        let missing = await startupError {
            try await DaemonRunner.run(
                .init(configPath: directory.appending("absent.yaml"), environment: environment, bootstrapLogging: false)
            )
        }
        #expect(missing.contains("config file not found"))

        let invalidPath = directory.appending("invalid.yaml")
        try "audio: [unclosed".write(toFile: invalidPath, atomically: true, encoding: .utf8)
        let invalid = await startupError {
            try await DaemonRunner.run(
                .init(configPath: invalidPath, environment: environment, bootstrapLogging: false))
        }
        #expect(invalid.contains("not valid YAML"))

        let devicePath = directory.appending("device.yaml")
        try "audio:\n  capture_device: no-such-pcm\ncontrol:\n  socket_path: \(directory.appending("c.sock"))\n"
            .write(toFile: devicePath, atomically: true, encoding: .utf8)
        let device = await startupError {
            try await DaemonRunner.run(.init(configPath: devicePath, environment: environment, bootstrapLogging: false))
        }
        #expect(device.contains("no-such-pcm"))
        #expect(device.contains("voicectl devices"))

        let typoPath = directory.appending("typo.yaml")
        try "listening:\n  echo_window_ms: 600000000\n  onset_frames: 0\n"
            .write(toFile: typoPath, atomically: true, encoding: .utf8)
        let typo = await startupError {
            try await DaemonRunner.run(.init(configPath: typoPath, environment: environment, bootstrapLogging: false))
        }
        #expect(typo.contains("listening.echo_window_ms must be between 0 and 60000 ms, not 600000000"))
        #expect(typo.contains("listening.onset_frames"))
    }
}

/// The message of the `StartupError` thrown by `body` (a test failure if it throws anything else).
func startupError(_ body: () async throws -> Void) async -> String {
    do {
        try await body()
        Issue.record("expected a StartupError")
        return ""
    } catch let error as StartupError {
        return error.description
    } catch {
        Issue.record("expected a StartupError, got \(error)")
        return ""
    }
}

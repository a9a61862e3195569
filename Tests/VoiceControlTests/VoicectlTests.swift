import Foundation
import Synchronization
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

@testable import voicectl

/// What one voicectl run printed and returned.
struct VoicectlRun: Sendable {
    var exitCode: Int32
    var out: String
    var err: String
}

/// Runs voicectl's real entry point (argument parsing included) with a recording console.
func runVoicectl(_ arguments: [String], environment: [String: String] = [:]) async throws -> VoicectlRun {
    try await blockingCall {
        let out = Mutex<[String]>([])
        let err = Mutex<[String]>([])
        let console = Console(
            environment: environment,
            isTerminal: false,
            out: { text in out.withLock { $0.append(text) } },
            err: { text in err.withLock { $0.append(text) } }
        )
        let code = Console.$current.withValue(console) { VoiceCtl.execute(arguments) }
        return VoicectlRun(
            exitCode: code,
            out: out.withLock { $0.joined(separator: "\n") },
            err: err.withLock { $0.joined(separator: "\n") }
        )
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct VoicectlTests {
    @Test func statusPrintsForPeopleAndExitsZero() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["status", "--socket", server.path])
            #expect(run.exitCode == 0)
            #expect(run.out.contains("state       idle"))
            #expect(run.out.contains("connection  ready"))
            #expect(run.out.contains("-42.5 dBFS, last turn's peak -21.3 dBFS"))
            #expect(run.err.isEmpty)
        }
    }

    @Test func statusJSONDecodesToTheDaemonsStatus() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["status", "--json"], environment: ["VOICED_SOCKET": server.path])
            #expect(run.exitCode == 0)
            let decoded = try JSONDecoder().decode(DaemonStatus.self, from: Data(run.out.utf8))
            #expect(decoded == server.handler.status)
        }
    }

    @Test func pressReachesTheDaemon() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["press", "--socket", server.path])
            #expect(run.exitCode == 0)
            #expect(run.out == "state: listening")
            #expect(server.handler.receivedCommands == [.press(hold: false)])
        }
    }

    @Test func unreachableDaemonExitsThreeWithAHint() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = try await runVoicectl(["status", "--socket", directory.appending("absent.sock")])
        #expect(run.exitCode == 3)
        #expect(run.err.contains("cannot reach voiced"))
        #expect(run.err.contains("is voiced running?"))
    }

    @Test func refusalByTheDaemonExitsOne() async throws {
        try await withControlServer { server in
            server.handler.override("press", with: .failure(ControlError(.busy, "a turn is being set up")))
            let run = try await runVoicectl(["press", "--socket", server.path])
            #expect(run.exitCode == 1)
            #expect(run.err.contains("a turn is being set up"))
        }
    }

    @Test(arguments: [
        ["volume", "101"], ["frobnicate"], ["status", "--timeout", "-1"], ["say"], ["events", "--kind", "x"],
    ])
    func usageErrorsExitTwo(arguments: [String]) async throws {
        let run = try await runVoicectl(arguments + ["--socket", "/nonexistent/socket"])
        #expect(run.exitCode == 2)
        #expect(!run.err.isEmpty)
    }

    @Test func helpExitsZero() async throws {
        let run = try await runVoicectl(["--help"])
        #expect(run.exitCode == 0)
        #expect(run.out.contains("Exit codes"))
    }

    @Test func voiceVolumeAndMuteChangeTheDaemon() async throws {
        try await withControlServer { server in
            let path = server.path
            var outputs: [String] = []
            for arguments in [["voice", "Rex"], ["volume", "40"], ["volume", "up"], ["mute"]] {
                outputs.append(try await runVoicectl(arguments + ["--socket", path]).out)
            }
            #expect(outputs == ["voice set to rex", "volume 40%", "volume 50%", "microphone muted"])
            let status = server.handler.status
            #expect(status.voice == "rex" && status.volumePercent == 50 && status.muted)
        }
    }

    @Test func anUnknownVoiceIsRefusedWithTheValidNames() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["voice", "hal9000", "--socket", server.path])
            #expect(run.exitCode == 1)
            #expect(run.err.contains("valid voices: eve, ara"))
            #expect(server.handler.receivedCommands.isEmpty)
        }
    }

    @Test func jsonErrorsArePrintedOnStandardOutput() async throws {
        let run = try await runVoicectl(["mute", "--json", "--socket", "/tmp/voiced-absent-\(getpid()).sock"])
        #expect(run.exitCode == 3)
        let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: [String: String]]
        #expect(object?["error"]?["code"] == "unreachable")
        #expect(object?["error"]?["hint"]?.contains("voiced") == true)
    }

    @Test func eventsPrintsTheRequestedKindsAsLines() async throws {
        try await withControlServer { server in
            let handler = server.handler
            let path = server.path
            let result = try await withThrowingTaskGroup(of: VoicectlRun?.self) { group in
                group.addTask {
                    try await runVoicectl(["events", "--kind", "state", "--count", "2", "--json", "--socket", path])
                }
                // voicectl subscribes at some point; keep publishing (a level it must filter out, and a
                // state it must print) until it has printed two and exited.
                group.addTask {
                    while !Task.isCancelled {
                        handler.emit(.level(micDBFS: -10))
                        handler.emit(.state(.listening))
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                    return nil
                }
                let run = try await group.next()!
                group.cancelAll()
                return try #require(run)
            }
            #expect(result.exitCode == 0)
            let line = "{\"event\":\"state\",\"state\":\"listening\"}"
            #expect(result.out == line + "\n" + line)
        }
    }

    @Test func watchRedrawsWithEvents() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["status", "--watch", "--frames", "2", "--socket", server.path])
            #expect(run.exitCode == 0)
            #expect(run.out.components(separatedBy: "mic level").count == 3, "two frames drawn")
            #expect(run.out.contains("end of speech -> first audio 420 ms"))
        }
    }

    @Test func doctorCombinesLocalAndDaemonChecks() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["doctor", "--socket", server.path])
            // The fake daemon reports a GPIO problem: exit 1, with the fix printed.
            #expect(run.exitCode == 1)
            #expect(run.out.contains("[ok     ] socket permissions: mode 660"))
            #expect(run.out.contains("[ok     ] daemon: voiced 9.9.9-test"))
            #expect(run.out.contains("[PROBLEM] gpio button"))
            #expect(run.out.contains("fix: set button.chip"))
        }
    }

    @Test func doctorWithoutADaemonSaysWhatToDo() async throws {
        let run = try await runVoicectl(
            ["doctor", "--socket", "/tmp/voiced-absent-\(getpid()).sock"], environment: [:])
        #expect(run.exitCode == 3)
        #expect(run.out.contains("[PROBLEM] control socket"))
        #expect(run.out.contains("[warning] api key"))
    }

    @Test func completionScriptsAreGenerated() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let run = try await runVoicectl(["--generate-completion-script", shell])
            #expect(run.exitCode == 0)
            #expect(run.out.contains("voicectl"))
            #expect(run.out.contains("volume"))
        }
    }

    /// What `generate-manual` (make man) reads.
    @Test func helpDumpForTheManPageIsJSON() async throws {
        let run = try await runVoicectl(["--experimental-dump-help"])
        #expect(run.exitCode == 0)
        let object = try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any]
        let command = object?["command"] as? [String: Any]
        #expect(command?["commandName"] as? String == "voicectl")
        let names = (command?["subcommands"] as? [[String: Any]])?.compactMap { $0["commandName"] as? String } ?? []
        #expect(
            Set(names).isSuperset(of: [
                "status", "voice", "mute", "unmute", "volume", "press", "release", "cancel",
                "say", "events", "devices", "reconnect", "reload", "version", "doctor",
            ]))
    }
}

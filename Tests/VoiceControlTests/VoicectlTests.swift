import Foundation
import Synchronization
import Testing
import VoiceControl
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

@Suite(.serialized) struct VoicectlTests {
    @Test func statusPrintsForPeopleAndExitsZero() async throws {
        try await withControlServer { server in
            let run = try await runVoicectl(["status", "--socket", server.path])
            #expect(run.exitCode == 0)
            #expect(run.out.contains("state       idle"))
            #expect(run.out.contains("connection  ready"))
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

    @Test(arguments: [["volume", "101"], ["frobnicate"], ["status", "--timeout", "-1"], ["say"], ["events", "--kind", "x"]])
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
}

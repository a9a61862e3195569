import ArgumentParser
import Foundation
import VoiceControl

/// `voicectl`: everything an owner does to voiced from a shell, over the control socket.
@main
struct VoiceCtl: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "voicectl",
        abstract: "Control the voiced voice appliance daemon.",
        discussion: """
            voicectl talks to voiced over its Unix control socket (default \(ControlProtocol.defaultSocketPath), \
            or $\(ControlProtocol.socketEnvironmentVariable), or --socket). Your user must be allowed by the \
            daemon: root, the daemon's user, or a member of group voiced.

            Exit codes: 0 ok; 1 refused by the daemon (or doctor found a problem); 2 usage error; \
            3 daemon unreachable.
            """,
        version: version,
        subcommands: [
            Status.self, Voice.self, Mute.self, Unmute.self, Volume.self, Press.self, Release.self, Cancel.self,
            Say.self, Events.self, Devices.self, Reconnect.self, Reload.self, Version.self, Doctor.self, Record.self,
        ],
        defaultSubcommand: Status.self
    )

    static func main() {
        let code = execute(Array(CommandLine.arguments.dropFirst()))
        Foundation.exit(code)
    }

    /// Parses and runs `arguments`, writing to `Console.current`; returns the exit code.
    static func execute(_ arguments: [String]) -> Int32 {
        let console = Console.current
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return VoicectlExit.ok
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                console.out(message)
                return VoicectlExit.ok
            }
            console.err(message)
            return VoicectlExit.usage
        }
    }
}

/// voicectl's exit codes (documented in the man page and docs/control-protocol.md).
enum VoicectlExit {
    static let ok: Int32 = 0
    /// The daemon answered with an error (or refused the connection); doctor found a problem.
    static let refused: Int32 = 1
    static let usage: Int32 = 2
    /// No connection to the daemon, or it broke.
    static let unreachable: Int32 = 3

    static func code(for error: ControlClientError) -> Int32 {
        switch error {
        case .refused: refused
        case .unreachable, .broken, .timedOut: unreachable
        }
    }
}

/// Where voicectl writes and what environment it sees; tests swap it for a recording one.
final class Console: Sendable {
    let out: @Sendable (String) -> Void
    let err: @Sendable (String) -> Void
    let environment: [String: String]
    /// Whether standard output is a terminal (the watch view redraws in place only then).
    let isTerminal: Bool

    init(
        environment: [String: String],
        isTerminal: Bool,
        out: @escaping @Sendable (String) -> Void,
        err: @escaping @Sendable (String) -> Void
    ) {
        self.environment = environment
        self.isTerminal = isTerminal
        self.out = out
        self.err = err
    }

    static let standard = Console(
        environment: ProcessInfo.processInfo.environment,
        isTerminal: isatty(STDOUT_FILENO) == 1,
        out: { text in
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        },
        err: { text in
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    )

    @TaskLocal static var current: Console = .standard
}

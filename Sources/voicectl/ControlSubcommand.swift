import ArgumentParser
import Foundation
import VoiceControl

/// Options every subcommand that talks to the daemon takes.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The control socket.",
            discussion: "Default: $\(ControlProtocol.socketEnvironmentVariable), "
                + "else \(ControlProtocol.defaultSocketPath).",
            valueName: "path"
        ),
        completion: .file()
    )
    var socket: String?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the daemon's answer.", valueName: "seconds"))
    var timeout: Double = 10

    func validate() throws {
        guard timeout > 0, timeout <= 3_600 else {
            throw ValidationError("--timeout must be between 0 and 3600 seconds, not \(timeout)")
        }
    }

    func socketPath(in console: Console) -> String {
        if let socket, !socket.isEmpty { return socket }
        if let fromEnvironment = console.environment[ControlProtocol.socketEnvironmentVariable],
            !fromEnvironment.isEmpty
        {
            return fromEnvironment
        }
        return ControlProtocol.defaultSocketPath
    }

    func connect(_ console: Console) throws(ControlClientError) -> ControlClient {
        try ControlClient(socketPath: socketPath(in: console), timeout: .milliseconds(Int(timeout * 1_000)))
    }
}

/// A subcommand that connects, sends, and prints.
protocol ControlSubcommand: ParsableCommand {
    var options: ConnectionOptions { get }
    /// Does the work; returns the exit code.
    func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32
}

extension ControlSubcommand {
    func run() throws {
        let console = Console.current
        let code: Int32
        do {
            let client = try options.connect(console)
            code = try execute(client: client, console: console)
        } catch {
            report(error, to: console, json: options.json)
            code = VoicectlExit.code(for: error)
        }
        if code != VoicectlExit.ok { throw ExitCode(code) }
    }

    /// Sends `command` and prints its result, as JSON or through `human`.
    func sendAndPrint(
        _ command: ControlCommand,
        client: ControlClient,
        console: Console,
        human: (ControlResult) -> String
    ) throws(ControlClientError) -> Int32 {
        let result = try client.send(command)
        console.out(options.json ? ControlWire.resultJSON(result) : human(result))
        return VoicectlExit.ok
    }
}

/// Prints a failure: JSON on stdout with --json (so scripts parse one thing), else text and a hint on stderr.
func report(_ error: ControlClientError, to console: Console, json: Bool) {
    if json {
        let code: String
        let message: String
        switch error {
        case .refused(let refusal):
            code = refusal.code.rawValue
            message = refusal.message
        case .unreachable, .broken, .timedOut:
            code = "unreachable"
            message = error.description
        }
        var object: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let hint = error.hint { object["hint"] = .string(hint) }
        console.out(ControlWire.json(JSONValue.object(["error": .object(object)])))
        return
    }
    console.err("voicectl: \(error)")
    if let hint = error.hint { console.err("hint: \(hint)") }
}

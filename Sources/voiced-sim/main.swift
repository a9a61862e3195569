import ArgumentParser
import Dispatch
import Foundation
import Logging
import VoiceSimulator

/// `voiced-sim`: the local realtime API simulator as a process, for the demo and for manual testing.
@main
struct VoicedSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voiced-sim",
        abstract: "A local simulator of the xAI realtime voice API (ws://127.0.0.1:PORT/v1/realtime).",
        discussion: """
            Prints "listening on ws://127.0.0.1:PORT/v1/realtime" on stdout once it accepts connections, logs
            to stderr, and exits on SIGTERM or SIGINT. See docs/simulator.md for the protocol it serves and the
            --fault syntax.
            """
    )

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8089

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The API key clients must send (Authorization: Bearer KEY or the xai-client-secret.KEY subprotocol).")
    var key = "test-key"

    @Flag(help: "Serve wss:// with a self-signed certificate made at start (its path is logged).")
    var tls = false

    @Flag(help: "Send reply audio at 1x speed instead of as fast as possible.")
    var pace = false

    @Option(help: "HTTP status for a wrong key (the live service answered 400).")
    var wrongKeyStatus = 401

    @Option(help: "Longest reply in seconds.")
    var maxReplySeconds = 8.0

    @Option(help: "Send a keepalive ping event every this many seconds.")
    var pingSeconds: Double?

    @Option(
        name: .customLong("fault"),
        help: "Inject a fault, KIND[:VALUE][@TRIGGER][#CONNECTIONS], e.g. close:1011@mid:3#first:2 (repeatable).")
    var faults: [String] = []

    @Option(
        name: .customLong("function-call"),
        help: "Answer text containing TRIGGER with a function call: TRIGGER=NAME:ARGUMENTS_JSON (repeatable).")
    var functionCalls: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        for fault in faults {
            do { _ = try FaultRule(parsing: fault) } catch { throw ValidationError(error.description) }
        }
        for script in functionCalls where parseFunctionCall(script) == nil {
            throw ValidationError("invalid --function-call \"\(script)\": write TRIGGER=NAME:ARGUMENTS_JSON")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown --log-level \"\(logLevel)\"; use trace, debug, info, notice, warning, error")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let simulator = RealtimeSimulator(
            configuration: SimulatorConfiguration(
                apiKey: key,
                host: host,
                port: port,
                tls: tls,
                pace: pace,
                wrongKeyStatus: wrongKeyStatus,
                maximumReplySeconds: maxReplySeconds,
                pingInterval: pingSeconds.map { .milliseconds(Int($0 * 1000)) },
                functionCalls: functionCalls.compactMap(parseFunctionCall),
                faults: try faults.map { try FaultRule(parsing: $0) },
                logger: Logger(label: "voiced.sim")
            ))
        let signals = Self.terminationSignals()
        do {
            try await simulator.start()
        } catch {
            FileHandle.standardError.write(Data("voiced-sim: cannot listen on \(host):\(port): \(error)\n".utf8))
            throw ExitCode.failure
        }
        if let certificatePath = simulator.certificatePath {
            FileHandle.standardError.write(Data("voiced-sim: TLS certificate to trust: \(certificatePath)\n".utf8))
        }
        FileHandle.standardOutput.write(Data("listening on \(simulator.url)\n".utf8))
        for await signal in signals.stream {
            FileHandle.standardError.write(Data("voiced-sim: received signal \(signal), stopping\n".utf8))
            break
        }
        await simulator.stop()
        signals.sources.forEach { $0.cancel() }
    }

    private func parseFunctionCall(_ text: String) -> FunctionCallScript? {
        guard let equals = text.firstIndex(of: "="), let colon = text[equals...].firstIndex(of: ":") else {
            return nil
        }
        let trigger = String(text[..<equals])
        let name = String(text[text.index(after: equals)..<colon])
        let arguments = String(text[text.index(after: colon)...])
        guard !trigger.isEmpty, !name.isEmpty else { return nil }
        return FunctionCallScript(trigger: trigger, calls: [.init(name: name, arguments: arguments)])
    }

    /// SIGTERM and SIGINT as an async stream (the default handlers are turned off so the stream sees them).
    private static func terminationSignals() -> (stream: AsyncStream<Int32>, sources: [any DispatchSourceSignal]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        return (stream, sources)
    }
}

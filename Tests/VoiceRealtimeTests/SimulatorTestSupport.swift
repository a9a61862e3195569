import Foundation
import Logging
import Testing
import VoiceProtocol
import VoiceSimulator

/// Starts a simulator, runs `body`, and always stops it.
func withSimulator<Result>(
    _ configuration: SimulatorConfiguration = SimulatorConfiguration(),
    _ body: (RealtimeSimulator, Int) async throws -> Result
) async throws -> Result {
    var configuration = configuration
    if ProcessInfo.processInfo.environment["VOICED_SIM_TRACE"] != nil {
        configuration.logger = Logger(label: "voiced.sim") { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .debug
            return handler
        }
    }
    let simulator = RealtimeSimulator(configuration: configuration)
    let port = try await simulator.start()
    do {
        let result = try await body(simulator, port)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

/// A client authenticated with the simulator's default key.
func connectClient(port: Int, key: String = "test-key", path: String? = nil) async throws -> RawRealtimeClient {
    if let path {
        return try await RawRealtimeClient.connect(
            port: port, path: path, headers: [("Authorization", "Bearer \(key)")])
    }
    return try await RawRealtimeClient.connect(port: port, headers: [("Authorization", "Bearer \(key)")])
}

/// A client past the greeting and `session.updated` for `session`.
func configuredClient(port: Int, session: SessionConfiguration) async throws -> RawRealtimeClient {
    let client = try await connectClient(port: port)
    let greeting = await client.events { if case .conversationCreated = $0 { true } else { false } }
    try #require(greeting.count == 2, "greeting: \(greeting)")
    client.send(.sessionUpdate(session))
    var updated = await client.nextEvent()
    while case .ping? = updated { updated = await client.nextEvent() }
    guard case .sessionUpdated = updated else {
        Issue.record("expected session.updated, got \(String(describing: updated))")
        throw CancellationError()
    }
    return client
}

/// A 220 Hz tone at about −15 dBFS: loud enough to be speech for the simulator's VAD.
func tone(seconds: Double, rate: Int = 24_000, amplitude: Double = 8_000) -> [Int16] {
    (0..<Int(seconds * Double(rate))).map { Int16(amplitude * sin(2 * Double.pi * 220 * Double($0) / Double(rate))) }
}

func silence(seconds: Double, rate: Int = 24_000) -> [Int16] {
    [Int16](repeating: 0, count: Int(seconds * Double(rate)))
}

/// Appends `samples` in 100 ms chunks.
func appendInChunks(_ client: RawRealtimeClient, _ samples: [Int16], rate: Int = 24_000) {
    let chunk = rate / 10
    for start in stride(from: 0, to: samples.count, by: chunk) {
        client.send(.appendPCM16(Array(samples[start..<min(samples.count, start + chunk)])))
    }
}

func isResponseDone(_ event: ServerEvent) -> Bool {
    if case .responseDone = event { return true }
    return false
}

/// The error in `event`, if it is one.
func serverError(_ event: ServerEvent?) -> ServerError? {
    if case .error(let error)? = event { return error }
    return nil
}

/// The reply audio of `events`, decoded from its base64 deltas.
func replyAudio(_ events: [ServerEvent]) throws -> [UInt8] {
    try events.flatMap { event -> [UInt8] in
        guard case .responseOutputAudioDelta(let delta) = event else { return [] }
        return try AudioPayload.decodeBytes(delta.delta)
    }
}

func rms(_ samples: [Int16]) -> Double {
    guard !samples.isEmpty else { return 0 }
    return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
}

let manualSession = SessionConfiguration(voice: "eve", turnDetection: .manual)

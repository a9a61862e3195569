import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization
import Testing
import VoiceCore
import VoiceProtocol
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceRealtime

/// A simulator on loopback plus a `RealtimeSession` running against it on a manual clock, with every session
/// event recorded and every log line captured. Always call ``stop()``.
final class RealtimeSessionHarness: Sendable {
    static let apiKey = "xai-TEST-0123456789-abcdefghij-SECRET"

    let simulator: RealtimeSimulator
    let session: RealtimeSession
    let clock: ManualClock
    let logs: LogCapture
    private let recorded = Mutex<[RealtimeSessionEvent]>([])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// - Parameters:
    ///   - faults: simulator faults, in `voiced-sim --fault` syntax.
    ///   - key: the key the session presents (the simulator expects ``apiKey``).
    ///   - trustSimulatorCertificate: trust the `wss://` simulator's self-signed certificate (else only the system's
    ///     roots, which reject it).
    ///   - clockProbe: what the session asks about the wall clock when a certificate fails verification.
    init(
        faults: [String] = [],
        key: String = RealtimeSessionHarness.apiKey,
        simulator change: (inout SimulatorConfiguration) -> Void = { _ in },
        settings changeSettings: (inout RealtimeSettings) -> Void = { _ in },
        trustSimulatorCertificate: Bool = false,
        clockProbe: (any SystemClockProbe)? = nil
    ) async throws {
        logs = LogCapture()
        var configuration = SimulatorConfiguration(apiKey: Self.apiKey)
        configuration.faults = try faults.map { try FaultRule(parsing: $0) }
        configuration.minimumReplySeconds = 0.3
        configuration.maximumReplySeconds = 0.5
        configuration.logger = logs.makeLogger(label: "voiced.sim", level: .debug)
        change(&configuration)
        simulator = RealtimeSimulator(configuration: configuration)
        try await simulator.start()

        var settings = RealtimeSettings()
        settings.url = simulator.url
        settings.turnDetection.mode = .manual
        settings.backoff.jitter = .none
        // The WebSocket ping runs on real time inside WSClient: off, so only the manual clock matters.
        settings.timeouts.pingIntervalSeconds = 0
        settings.timeouts.closeSeconds = 1
        changeSettings(&settings)
        clock = ManualClock()
        var tlsConfiguration: TLSConfiguration?
        if trustSimulatorCertificate, let pem = simulator.certificatePEM {
            var trusting = TLSConfiguration.makeClientConfiguration()
            trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            tlsConfiguration = trusting
        }
        session = RealtimeSession(
            settings: settings,
            apiKey: key,
            clock: clock,
            random: FixedUnitRandomSource([0]),
            tlsConfiguration: tlsConfiguration,
            clockProbe: clockProbe,
            logger: logs.makeLogger(label: "voiced.realtime", level: .trace)
        )
        let session = self.session
        let run = Task {
            do { try await session.run() } catch {}
        }
        let record = Task { [self] in
            for await event in session.events {
                self.recorded.withLock { $0.append(event) }
            }
        }
        tasks.withLock { $0 = [run, record] }
    }

    var events: [RealtimeSessionEvent] { recorded.withLock { $0 } }

    var statuses: [ConnectionStatus] {
        events.compactMap { if case .connection(let status) = $0 { status } else { nil } }
    }

    /// Waits (bounded, real time) until the recorded events satisfy `condition`.
    func waitForEvents(
        _ what: String, timeout: Duration = mustHappenWithin,
        _ condition: @escaping @Sendable ([RealtimeSessionEvent]) -> Bool
    ) async throws {
        try await waitUntil(timeout: timeout, what) { condition(self.events) }
    }

    func waitForState(_ state: ConnectionState, timeout: Duration = mustHappenWithin) async throws {
        try await waitUntil(timeout: timeout, "connection state \(state.rawValue)") {
            self.session.status().state == state
        }
    }

    /// Audio deltas delivered for responses, by response ID, in arrival order.
    var deliveredResponses: [String] {
        var ids: [String] = []
        for event in events {
            if case .audioDelta(let responseID, _, _) = event, !ids.contains(responseID) { ids.append(responseID) }
        }
        return ids
    }

    func completedResponses() -> [String] {
        events.compactMap { event in
            guard case .server(.responseDone(let info)) = event, info.status == .completed else { return nil }
            return info.id
        }
    }

    /// The IDs of every response.done, in arrival order, whatever its status.
    var completedOrCancelledResponseIDs: [String] {
        events.compactMap { if case .server(.responseDone(let info)) = $0 { info.id } else { nil } }
    }

    /// One push-to-talk turn: speech-like audio, commit, response.create.
    func speakTurn(seconds: Double = 0.6) {
        let rate = 24_000
        let speech = Signals.tone(frequency: 220, levelDBFS: -12, seconds: seconds, sampleRate: rate)
        for start in stride(from: 0, to: speech.count, by: 480) {
            session.appendAudio(Array(speech[start..<min(start + 480, speech.count)]))
        }
        session.commit()
        session.createResponse()
    }

    /// Waits until `count` responses have completed, then returns their IDs.
    @discardableResult
    func waitForCompletedResponses(_ count: Int, timeout: Duration = mustHappenWithin) async throws -> [String] {
        try await waitUntil(timeout: timeout, "\(count) completed response(s)") {
            self.completedResponses().count >= count
        }
        return completedResponses()
    }

    /// Everything a person or a log could see must be free of the key.
    func expectKeyNeverShown(sourceLocation: SourceLocation = #_sourceLocation) {
        let secret = Self.apiKey
        #expect(!logs.text.contains(secret), "the API key appeared in the logs", sourceLocation: sourceLocation)
        #expect(!"\(events)".contains(secret), "the API key appeared in session events", sourceLocation: sourceLocation)
        #expect(
            !"\(session.status())".contains(secret), "the API key appeared in status", sourceLocation: sourceLocation)
    }

    func stop() async {
        let (run, record) = tasks.withLock { ($0[0], $0[1]) }
        run.cancel()
        await run.value
        await record.value
        await simulator.stop()
    }
}

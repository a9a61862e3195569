import ArgumentParser
import Foundation
import Synchronization
import VoiceControl
import VoiceControlServer
import VoiceCore

/// `voiced-bench control`: the control socket on loopback — status round-trip latency, requests per
/// second (one client and several), and event fan-out to many subscribers.
struct ControlBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Control socket: status round trip, requests/s, event fan-out to subscribers."
    )

    @Option(help: "Status round trips for the latency figure.")
    var roundTrips = 5_000

    @Option(help: "Concurrent clients for the throughput figure.")
    var clients = 8

    @Option(help: "Requests per concurrent client.")
    var requestsPerClient = 2_000

    @Option(help: "Subscribers for the fan-out figure.")
    var subscribers = 64

    @Option(help: "Events published for the fan-out figure.")
    var events = 2_000

    func run() async throws {
        let directory = NSTemporaryDirectory() + "voiced-bench-control-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = ControlSettings()
        settings.socketPath = directory + "/control.sock"
        settings.socketGroup = ""
        settings.maximumClients = max(64, subscribers + clients + 1)
        // Large enough that no subscriber is dropped: the figure is delivery, not overflow.
        settings.subscriberQueueLimit = events + 16
        let handler = BenchmarkHandler()
        let (listening, listeningContinuation) = AsyncStream<Void>.makeStream()
        let server = ControlServer(
            configuration: .init(
                settings: settings, daemonVersion: "bench",
                onListening: { _ in
                    listeningContinuation.yield()
                    listeningContinuation.finish()
                }),
            handler: handler
        )
        let serverTask = Task { try await server.run() }
        defer { serverTask.cancel() }
        for await _ in listening { break }
        let path = settings.socketPath

        print("control socket benchmark (\(path))")
        let latencies = try await onThread { () -> [Double] in
            let client = try ControlClient(socketPath: path)
            for _ in 0..<200 { try client.send(.status) }  // warm up
            var samples: [Double] = []
            samples.reserveCapacity(roundTrips)
            for _ in 0..<roundTrips {
                let start = ContinuousClock.now
                try client.send(.status)
                samples.append(Self.microseconds(start.duration(to: .now)))
            }
            return samples
        }
        let sorted = latencies.sorted()
        let total = latencies.reduce(0, +)
        print("status round trip, 1 client, \(roundTrips) requests:")
        print(
            "  p50 \(Self.format(Self.percentile(sorted, 0.5))) us, "
                + "p90 \(Self.format(Self.percentile(sorted, 0.9))) us, "
                + "p99 \(Self.format(Self.percentile(sorted, 0.99))) us, max \(Self.format(sorted.last ?? 0)) us")
        print("  \(Self.format(Double(roundTrips) / (total / 1e6))) requests/s (sequential)")

        let start = ContinuousClock.now
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    try await onThread {
                        let client = try ControlClient(socketPath: path)
                        for _ in 0..<requestsPerClient { try client.send(.getVolume) }
                        return requestsPerClient
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = Self.seconds(start.duration(to: .now))
        print(
            "volume.get, \(clients) concurrent clients x \(requestsPerClient): "
                + "\(Self.format(Double(answered) / elapsed)) requests/s")

        try await fanOut(path: path, handler: handler)
        serverTask.cancel()
        _ = try? await serverTask.value
    }

    private func fanOut(path: String, handler: BenchmarkHandler) async throws {
        // A burst: how fast events reach every subscriber when published back to back.
        let burst = try await deliver(count: events, interval: nil, path: path, handler: handler)
        let delivered = burst.counts.reduce(0, +)
        print("event fan-out, \(subscribers) subscribers x \(events) events published back to back:")
        print(
            "  delivered \(delivered) of \(subscribers * events) in \(Self.format(burst.elapsed * 1e3)) ms = "
                + "\(Self.format(Double(delivered) / burst.elapsed)) events/s delivered "
                + "(\(Self.format(Double(events) / burst.elapsed)) published events/s fully fanned out)")
        // Paced like real traffic (levels a few times a second, state changes): per-event latency.
        let paced = try await deliver(count: 200, interval: .milliseconds(10), path: path, handler: handler)
        let latencies = paced.latencies.sorted()
        print(
            "event fan-out, \(subscribers) subscribers, 100 events/s for 2 s: publish -> received "
                + "p50 \(Self.format(Self.percentile(latencies, 0.5) / 1e3)) ms, "
                + "p99 \(Self.format(Self.percentile(latencies, 0.99) / 1e3)) ms, "
                + "max \(Self.format((latencies.last ?? 0) / 1e3)) ms "
                + "(\(paced.counts.reduce(0, +)) of \(subscribers * 200) delivered)")
    }

    /// Publishes `count` level events (each carrying its publish time in µs) to `subscribers` clients.
    private func deliver(
        count eventCount: Int,
        interval: Duration?,
        path: String,
        handler: BenchmarkHandler
    ) async throws -> (counts: [Int], latencies: [Double], elapsed: Double) {
        let subscribed = Counter()
        return try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for _ in 0..<subscribers {
                group.addTask {
                    try await onThread { () -> (Int, [Double]) in
                        let client = try ControlClient(socketPath: path)
                        try client.send(.subscribe([.level]))
                        subscribed.increment()
                        var latencies: [Double] = []
                        latencies.reserveCapacity(eventCount)
                        while latencies.count < eventCount, let event = try client.nextEvent(timeout: .seconds(30)) {
                            guard case .level(let stamp) = event else { continue }
                            latencies.append(Date().timeIntervalSince1970 * 1e6 - stamp)
                        }
                        return (latencies.count, latencies)
                    }
                }
            }
            while subscribed.value < subscribers { try await Task.sleep(for: .milliseconds(1)) }
            let start = ContinuousClock.now
            for _ in 0..<eventCount {
                handler.emit(.level(micDBFS: Date().timeIntervalSince1970 * 1e6))
                if let interval { try await Task.sleep(for: interval) }
            }
            var counts: [Int] = []
            var latencies: [Double] = []
            for try await (count, samples) in group {
                counts.append(count)
                latencies += samples
            }
            return (counts, latencies, Self.seconds(start.duration(to: .now)))
        }
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    static func microseconds(_ duration: Duration) -> Double { seconds(duration) * 1e6 }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func format(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.1f", value) }
}

/// Answers status and volume from memory; publishes what `emit` gives it.
private final class BenchmarkHandler: ControlCommandHandler {
    private let stream: AsyncStream<ControlEvent>
    private let continuation: AsyncStream<ControlEvent>.Continuation
    private let status: DaemonStatus

    init() {
        (stream, continuation) = AsyncStream<ControlEvent>.makeStream()
        var status = DaemonStatus()
        status.version = "bench"
        status.connection.state = .ready
        status.audio.state = "running"
        self.status = status
    }

    func emit(_ event: ControlEvent) { continuation.yield(event) }

    func events() -> AsyncStream<ControlEvent> { stream }

    func handle(_ command: ControlCommand) async -> ControlReply {
        switch command {
        case .status: .success(.status(status))
        case .getVolume: .success(.volume(VolumeInfo(volumePercent: status.volumePercent)))
        default: .failure(ControlError(.unavailable, "not in the benchmark"))
        }
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

/// Blocking client work on its own thread, off the cooperative pool the server needs.
private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

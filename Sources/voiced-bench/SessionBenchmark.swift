import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import VoiceCore
import VoiceProtocol
import VoiceRealtime
import VoiceSimulator

/// `voiced-bench session`: the realtime session path on loopback.
///
/// 1. Codec: the client's own work per 100 ms chunk, isolated — mic samples → `input_audio_buffer.append` JSON
///    (base64), and `response.output_audio.delta` JSON → samples. Reported as CPU seconds per audio hour.
/// 2. Loopback: a real `RealtimeSession` against the in-process simulator. Push-to-talk turns of `--seconds` of
///    audio in 100 ms chunks; the simulator answers each with about as much reply audio, which the session
///    decodes. Reported: process CPU seconds per audio hour (client and simulator together, so an upper bound
///    for the client), and the latency each chunk adds between `appendAudio` and the simulator having decoded
///    it (session queue, encoding, WebSocket framing and masking, loopback TCP, the simulator's parse).
struct SessionBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Realtime session path on loopback: CPU per audio hour and added latency per 100 ms chunk."
    )

    @Option(help: "Seconds of mic audio per turn.")
    var seconds: Double = 8

    @Option(help: "Turns in the loopback run.")
    var turns: Int = 5

    @Option(help: "Chunks encoded and decoded in the codec run.")
    var codecChunks: Int = 20_000

    @Option(help: "Session sample rate (PCM).")
    var rate: Int = 24_000

    @Flag(help: "Pace mic chunks at real time (100 ms apart) instead of as fast as possible.")
    var realTime = false

    @Flag(help: "Only the codec and framing figures (no loopback run): for callgrind.")
    var codecOnly = false

    func run() async throws {
        print("voiced-bench session — rate \(rate) Hz, 100 ms chunks")
        codecFigures()
        framingFigures()
        if !codecOnly { try await loopbackFigures() }
    }

    // MARK: - Codec

    private func codecFigures() {
        let chunk = (0..<(rate / 10)).map { Int16(truncatingIfNeeded: ($0 * 7919) % 20_000 - 10_000) }
        var sink = 0
        let encodeStart = cpuSeconds()
        for _ in 0..<codecChunks {
            let text = RealtimeCoding.encode(.appendPCM16(chunk))
            sink &+= text.utf8.count
        }
        let encodeCPU = cpuSeconds() - encodeStart

        let delta = RealtimeCoding.encode(
            .responseOutputAudioDelta(
                ResponseDelta(
                    reference: ResponseContentReference(
                        responseID: "resp_1", itemID: "msg_1", outputIndex: 0, contentIndex: 0),
                    delta: AudioPayload.encodePCM16(chunk)
                )
            )
        )
        let decodeStart = cpuSeconds()
        for _ in 0..<codecChunks {
            if case .responseOutputAudioDelta(let event) = try? RealtimeCoding.decodeServerEvent(delta),
                let samples = try? AudioPayload.decodePCM16(event.delta)
            {
                sink &+= samples.count
            }
        }
        let decodeCPU = cpuSeconds() - decodeStart
        let chunksPerHour = 36_000.0
        let perChunkEncode = encodeCPU / Double(codecChunks)
        let perChunkDecode = decodeCPU / Double(codecChunks)
        print("codec (client work only, \(codecChunks) chunks each way, checksum \(sink % 1000)):")
        print(
            String(
                format: "  encode append : %7.1f µs/chunk  → %6.2f CPU s per audio hour", perChunkEncode * 1e6,
                perChunkEncode * chunksPerHour))
        print(
            String(
                format: "  decode delta  : %7.1f µs/chunk  → %6.2f CPU s per audio hour", perChunkDecode * 1e6,
                perChunkDecode * chunksPerHour))
    }

    // MARK: - Framing

    /// The client frame of one append event, the two ways: NIO's `WebSocketFrameEncoder` (the text copied into
    /// a buffer, then masked in place a byte at a time; the header is a second small buffer, left out here)
    /// and `MaskedClientFrame` (header and payload in one buffer, masked while copied, eight bytes a step).
    private func framingFigures() {
        let chunk = (0..<(rate / 10)).map { Int16(truncatingIfNeeded: ($0 * 7919) % 20_000 - 10_000) }
        let text = RealtimeCoding.encode(.appendPCM16(chunk))
        let allocator = ByteBufferAllocator()
        var sink = 0
        let byteWiseStart = cpuSeconds()
        for index in 0..<codecChunks {
            var buffer = allocator.buffer(string: text)
            buffer.webSocketMask(.init(networkOrder: UInt32(truncatingIfNeeded: index)))
            sink &+= Int(buffer.getInteger(at: buffer.readerIndex + index % buffer.readableBytes, as: UInt8.self)!)
        }
        let byteWiseCPU = cpuSeconds() - byteWiseStart
        let wordWiseStart = cpuSeconds()
        for index in 0..<codecChunks {
            let frame = MaskedClientFrame.text(
                text, maskKey: .init(networkOrder: UInt32(truncatingIfNeeded: index)), allocator: allocator)
            sink &+= Int(frame.getInteger(at: frame.readerIndex + index % frame.readableBytes, as: UInt8.self)!)
        }
        let wordWiseCPU = cpuSeconds() - wordWiseStart
        let chunksPerHour = 36_000.0
        print(
            "framing one append event (\(text.utf8.count) bytes, \(codecChunks) frames each, checksum \(sink % 1000)):")
        for (name, cpu) in [("NIO byte-wise mask", byteWiseCPU), ("MaskedClientFrame ", wordWiseCPU)] {
            let perChunk = cpu / Double(codecChunks)
            print(
                "  \(name) : "
                    + String(
                        format: "%7.2f µs/chunk  → %6.3f CPU s per audio hour", perChunk * 1e6, perChunk * chunksPerHour
                    ))
        }
    }

    // MARK: - Loopback

    private func loopbackFigures() async throws {
        var simulatorConfiguration = SimulatorConfiguration(apiKey: "bench-key-0123456789")
        simulatorConfiguration.replySecondsPerQuestionSecond = 1
        simulatorConfiguration.minimumReplySeconds = seconds
        simulatorConfiguration.maximumReplySeconds = seconds
        let simulator = RealtimeSimulator(configuration: simulatorConfiguration)
        try await simulator.start()

        var settings = RealtimeSettings()
        settings.url = simulator.url
        settings.turnDetection.mode = .manual
        settings.inputAudio = .init(encoding: .pcm, rate: rate)
        settings.outputAudio = .init(encoding: .pcm, rate: rate)
        settings.timeouts.pingIntervalSeconds = 0
        let session = RealtimeSession(
            settings: settings, apiKey: "bench-key-0123456789",
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        )

        // appendAudio time per chunk, matched with the simulator seeing that chunk (in order, one connection).
        let sentAt = Mutex<[ContinuousClock.Instant]>([])
        let receivedAt = Mutex<[ContinuousClock.Instant]>([])
        let observations = simulator.observations()
        let observer = Task {
            for await observation in observations {
                if case .received(_, .inputAudioBufferAppend) = observation {
                    let now = ContinuousClock.now
                    receivedAt.withLock { $0.append(now) }
                }
            }
        }
        let running = Task { try await session.run() }
        let replySamples = Mutex(0)
        // Milestones (ready, each response done) as a stream, so the benchmark waits without polling.
        let (milestones, milestone) = AsyncStream.makeStream(of: String.self)
        let consumer = Task {
            for await event in session.events {
                switch event {
                case .audioDelta(_, _, let samples): replySamples.withLock { $0 += samples.count }
                case .server(.responseDone): milestone.yield("done")
                case .connection(let status) where status.state == .ready: milestone.yield("ready")
                default: break
                }
            }
            milestone.finish()
        }
        var waiting = milestones.makeAsyncIterator()
        guard await waiting.next() == "ready" else { throw ValidationError("the session did not become ready") }

        let chunk = rate / 10
        let turnSamples = Int(seconds * Double(rate))
        let audio = (0..<turnSamples).map { Int16(8000 * sin(Double($0) * 2 * .pi * 220 / Double(rate))) }
        let cpuStart = cpuSeconds()
        let wallStart = ContinuousClock.now
        for turn in 0..<turns {
            for start in stride(from: 0, to: audio.count, by: chunk) {
                let now = ContinuousClock.now
                sentAt.withLock { $0.append(now) }
                session.appendAudio(Array(audio[start..<min(start + chunk, audio.count)]))
                if realTime { try await Task.sleep(for: .milliseconds(100)) }
            }
            session.commit()
            session.createResponse()
            guard await waiting.next() == "done" else { throw ValidationError("reply \(turn + 1) did not complete") }
        }
        let cpu = cpuSeconds() - cpuStart
        let wall = ContinuousClock.now - wallStart
        running.cancel()
        _ = try? await running.value
        await consumer.value
        observer.cancel()
        await simulator.stop()

        let micSeconds = Double(turns) * seconds
        let replySeconds = Double(replySamples.withLock { $0 }) / Double(rate)
        let audioHours = (micSeconds + replySeconds) / 3600
        let sent = sentAt.withLock { $0 }
        let received = receivedAt.withLock { $0 }
        var latencies: [Double] = []
        for (start, end) in zip(sent, received) {
            latencies.append(milliseconds(end - start))
        }
        latencies.sort()
        print(
            "loopback (RealtimeSession ↔ in-process simulator, \(turns) turns of \(format(seconds)) s, \(realTime ? "real-time" : "as fast as possible") mic):"
        )
        print(
            String(
                format: "  audio: %.1f s mic up, %.1f s reply down, wall %.2f s", micSeconds, replySeconds,
                milliseconds(wall) / 1000))
        print(
            String(
                format: "  process CPU (client + simulator): %.3f s → %.1f CPU s per audio hour", cpu, cpu / audioHours)
        )
        if !latencies.isEmpty {
            let p50 = latencies[latencies.count / 2]
            let p95 = latencies[min(latencies.count - 1, latencies.count * 95 / 100)]
            print(
                String(
                    format:
                        "  added latency per chunk (appendAudio → simulator decoded it), %d chunks: p50 %.2f ms, p95 %.2f ms, max %.2f ms",
                    latencies.count, p50, p95, latencies.last!))
        }
    }

    private func format(_ value: Double) -> String { String(format: "%g", value) }

    private func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// User + system CPU seconds of this process so far.
private func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
        usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

extension WebSocketMaskingKey {
    /// A key from four bytes in network order (for reproducible benchmark frames).
    fileprivate init(networkOrder value: UInt32) {
        self = WebSocketMaskingKey([
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ])!
    }
}

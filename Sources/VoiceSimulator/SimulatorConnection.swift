import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import VoiceProtocol

/// One WebSocket connection of the simulator: reads frames into the ``SimulatedSession``, streams replies,
/// runs the keepalive and expiry timers, and carries out the session's outputs (including the faults).
///
/// Every output goes through one ordered queue and one writer task, and the session is mutated and its
/// outputs enqueued under one lock, so what the client sees is in the order the protocol produced it.
struct SimulatorConnection: Sendable {
    let simulator: RealtimeSimulator
    let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    let connection: Int
    let model: String?

    private var configuration: SimulatorConfiguration { simulator.configuration }
    private var logger: Logger { simulator.configuration.logger }

    /// Which child task of a connection finished.
    private enum Role: Sendable { case reader, writer, helper }

    /// What the writer task does next.
    fileprivate enum Outbound: Sendable {
        case output(SimulatedSession.Output)
        /// Answer a client ping.
        case pong(ByteBuffer)
        /// Echo the client's close and finish.
        case closeReply(ByteBuffer)
    }

    func run() async {
        guard simulator.register(channel.channel, connection: connection) else {
            try? await channel.channel.close()
            return
        }
        defer { simulator.unregister(connection: connection) }
        simulator.publish(.upgraded(connection: connection))
        logger.info("connection \(connection): WebSocket open (model \(model ?? configuration.defaultModel))")

        let (queue, enqueue) = AsyncStream.makeStream(of: Outbound.self)
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let driver = SessionDriver(
            session: SimulatedSession(configuration: configuration, connection: connection, model: model),
            enqueue: enqueue, wake: wake)
        let faults = configuration.faults(forConnection: connection)

        do {
            try await channel.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Role.self) { group in
                    group.addTask {
                        try await write(queue, to: outbound, faults: faults)
                        return .writer
                    }
                    group.addTask {
                        for await _ in wakeups {
                            while let step = driver.nextResponseStep() {
                                if configuration.pace, step.audioMilliseconds > 0 {
                                    try await Task.sleep(for: .milliseconds(step.audioMilliseconds))
                                }
                            }
                        }
                        return .helper
                    }
                    if let interval = configuration.pingInterval {
                        group.addTask {
                            while true {
                                try await Task.sleep(for: interval)
                                let timestamp = Int(Date().timeIntervalSince1970 * 1000)
                                driver.drive { $0.ping(timestamp: timestamp) }
                            }
                        }
                    }
                    for fault in faults {
                        guard case .sessionExpiry(let after) = fault else { continue }
                        group.addTask {
                            try await Task.sleep(for: after)
                            driver.drive { $0.expire() }
                            return .helper
                        }
                    }
                    group.addTask {
                        driver.drive { $0.open() }
                        try await read(inbound, driver: driver, enqueue: enqueue)
                        return .reader
                    }
                    // The reader ends when the client closes; the writer ends after a close or drop. A timer or
                    // the streamer finishing must not end the connection (the writer may still owe a close frame).
                    while let role = try await group.next(), role == .helper {}
                    group.cancelAll()
                    enqueue.finish()
                    wake.finish()
                }
            }
        } catch {
            logger.debug("connection \(connection): ended with \(error)")
        }
        logger.info("connection \(connection): closed")
    }

    private func read(
        _ inbound: NIOAsyncChannelInboundStream<WebSocketFrame>,
        driver: SessionDriver,
        enqueue: AsyncStream<Outbound>.Continuation
    ) async throws {
        // After the client's close, frames are ignored but the stream is still read: the connection ends when the
        // writer has echoed the close (it returns then) or the client drops TCP, never before the echo is written.
        var closing = false
        for try await frame in inbound where !closing {
            switch frame.opcode {
            case .text:
                let text = String(buffer: frame.unmaskedData)
                let decoded = Result { () throws(RealtimeCodingError) in
                    try RealtimeCoding.decodeClientMessage(text)
                }
                switch decoded {
                case .success(let message):
                    if case .inputAudioBufferAppend = message.event {
                        logger.trace("connection \(connection): ← input_audio_buffer.append")
                    } else {
                        logger.debug("connection \(connection): ← \(message.event.typeName)")
                    }
                    simulator.publish(.received(connection: connection, event: message.event), eventID: message.eventID)
                case .failure(let error):
                    logger.info("connection \(connection): ← invalid client event: \(error)")
                    simulator.publish(.receivedInvalid(connection: connection, text: String(text.prefix(200))))
                }
                driver.drive { $0.receive(decoded) }
            case .binary:
                let bytes = Array(frame.unmaskedData.readableBytesView)
                driver.drive { $0.receive(binary: bytes) }
            case .ping:
                enqueue.yield(.pong(frame.unmaskedData))
            case .connectionClose:
                enqueue.yield(.closeReply(frame.unmaskedData))
                closing = true
            default:
                break
            }
        }
    }

    private func write(
        _ queue: AsyncStream<Outbound>, to outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, faults: [Fault]
    ) async throws {
        let trickle = faults.lazy.compactMap { fault -> Duration? in
            if case .slowTrickle(let interval) = fault { return interval }
            return nil
        }.first
        var stalled = false
        var eventCounter = 0
        for await item in queue {
            if stalled { continue }
            switch item {
            case .pong(let data):
                try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: data))
            case .closeReply(var data):
                // Echo the client's code (RFC 6455 §5.5.1), then let the client close the TCP connection.
                let code = data.readSlice(length: 2) ?? ByteBuffer()
                try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
                return
            case .output(let output):
                if let trickle, output.isFrame { try await Task.sleep(for: trickle) }
                switch output {
                case .send(let event):
                    eventCounter += 1
                    let text = RealtimeCoding.encode(event, eventID: "event_\(connection)_\(eventCounter)")
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
                    if case .responseOutputAudioDelta = event {
                        logger.trace("connection \(connection): → \(event.typeName)")
                    } else {
                        logger.debug("connection \(connection): → \(event.typeName)")
                    }
                    simulator.publish(.sent(connection: connection, event: event))
                case .sendBinary(let bytes):
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: bytes)))
                case .sendRaw(let text):
                    logger.info("connection \(connection): → raw frame of \(text.utf8.count) bytes (fault)")
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
                case .close(let code):
                    logger.info("connection \(connection): → close \(code)")
                    var data = ByteBuffer()
                    data.writeInteger(code)
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
                    // Give the client a moment to answer the close, then close the socket ourselves.
                    try? await Task.sleep(for: .seconds(2))
                    try await channel.channel.close()
                    return
                case .drop:
                    logger.info("connection \(connection): dropping the TCP connection (fault)")
                    try await channel.channel.close()
                    return
                case .stall:
                    logger.info("connection \(connection): stalling (fault)")
                    stalled = true
                case .startResponse:
                    break
                }
            }
        }
    }
}

extension SimulatedSession.Output {
    /// Outputs that put a frame on the wire (the slow-trickle fault delays these).
    fileprivate var isFrame: Bool {
        switch self {
        case .send, .sendBinary, .sendRaw: true
        case .close, .drop, .stall, .startResponse: false
        }
    }
}

/// The session behind its lock, with the queues its outputs go to. Mutating the session and enqueueing its
/// outputs happen under one lock, so the wire order is the order the protocol produced.
private final class SessionDriver: Sendable {
    private let session: Mutex<SimulatedSession>
    private let enqueue: AsyncStream<SimulatorConnection.Outbound>.Continuation
    private let wake: AsyncStream<Void>.Continuation

    init(
        session: SimulatedSession, enqueue: AsyncStream<SimulatorConnection.Outbound>.Continuation,
        wake: AsyncStream<Void>.Continuation
    ) {
        self.session = Mutex(session)
        self.enqueue = enqueue
        self.wake = wake
    }

    /// Runs one input through the session and queues what it produced.
    func drive(_ body: (inout SimulatedSession) -> [SimulatedSession.Output]) {
        session.withLock { session in
            for output in body(&session) {
                if output == .startResponse { wake.yield() } else { enqueue.yield(.output(output)) }
            }
        }
    }

    /// Takes the next reply step and queues its outputs; nil when the reply is over.
    func nextResponseStep() -> SimulatedSession.ResponseStep? {
        session.withLock { session in
            guard let step = session.nextResponseStep() else { return nil }
            for output in step.outputs { enqueue.yield(.output(output)) }
            return step
        }
    }
}

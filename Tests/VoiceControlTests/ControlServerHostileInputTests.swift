import Foundation
import Synchronization
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

/// Hostile and broken clients: the server answers what it can, never crashes, and keeps serving others.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ControlServerHostileInputTests {
    /// Reads raw lines until one is a response (has "result" or "error"); returns them all.
    static func readUntilResponse(_ client: ControlClient, limit: Int = 10_000) throws -> [String] {
        var lines: [String] = []
        while lines.count < limit, let line = try client.readRawLine(timeout: mustHappenWithin) {
            let text = String(decoding: line, as: UTF8.self)
            lines.append(text)
            if text.contains("\"result\"") || text.contains("\"error\"") { return lines }
        }
        return lines
    }

    static func responseCount(_ client: ControlClient, expected: Int) throws -> Int {
        var count = 0
        while count < expected, let line = try client.readRawLine(timeout: mustHappenWithin) {
            let text = String(decoding: line, as: UTF8.self)
            if text.contains("\"result\"") || text.contains("\"error\"") { count += 1 }
        }
        return count
    }

    @Test func malformedRequestsGetErrorsAndTheConnectionStaysUsable() async throws {
        try await withControlServer { server in
            let lines: [String] = [
                "not json", "[1,2]", "{\"id\":1}", "{\"id\":2,\"command\":7}", "{\"id\":3,\"command\":\"fly\"}",
                "{\"id\":4,\"command\":\"volume.set\",\"args\":{\"percent\":\"loud\"}}",
                "{\"id\":[],\"command\":\"status\"}",
                "{\"id\":5,\"command\":\"voice.set\",\"args\":{\"name\":\"HAL\"}}", "\"just a string\"", "{",
            ]
            let replies = try await server.withClient { client -> [ControlResponse] in
                var replies: [ControlResponse] = []
                for line in lines {
                    try client.sendRaw(Data((line + "\n").utf8))
                    let raw = try #require(try client.readRawLine(timeout: mustHappenWithin))
                    guard case .response(let response) = try ControlWire.decodeServerLine(raw, answering: nil) else {
                        Issue.record("not a response: \(String(decoding: raw, as: UTF8.self))")
                        continue
                    }
                    replies.append(response)
                }
                // Still usable afterwards.
                #expect(try client.send(.getVolume) == .volume(VolumeInfo(volumePercent: 80)))
                return replies
            }
            let codes = replies.map { response -> String in
                if case .failure(let error) = response.reply { return error.code.rawValue }
                return "ok"
            }
            #expect(
                codes == [
                    "bad_request", "bad_request", "bad_request", "bad_request", "unknown_command", "invalid_argument",
                    "bad_request", "invalid_argument", "bad_request", "bad_request",
                ])
            // Ids are echoed whenever they could be read.
            #expect(
                replies.map(\.id) == [
                    nil, nil, .integer(1), .integer(2), .integer(3), .integer(4), nil, .integer(5), nil, nil,
                ])
            #expect(server.handler.receivedCommands == [.getVolume])
        }
    }

    @Test func randomBytesNeverStopTheServer() async throws {
        try await withControlServer { server in
            var generator = SplitMix64(seed: 0x5EED)
            var garbage: [Data] = []
            for _ in 0..<40 {
                garbage.append(
                    Data(
                        (0..<Int.random(in: 1...4_096, using: &generator)).map { _ in
                            UInt8.random(in: 0...255, using: &generator)
                        }))
            }
            let chunks = garbage
            let last = try await server.withClient { client -> [String] in
                for chunk in chunks { try client.sendRaw(chunk) }
                // Whatever state the garbage left, a newline ends it and a valid request is answered.
                try client.sendRaw(Data("\n{\"id\":\"after\",\"command\":\"status\"}\n".utf8))
                var lines: [String] = []
                while let line = try client.readRawLine(timeout: mustHappenWithin) {
                    let text = String(decoding: line, as: UTF8.self)
                    lines.append(text)
                    if text.contains("\"id\":\"after\"") { break }
                }
                return lines
            }
            #expect(last.last?.contains("\"result\"") == true)
            // Another client is served normally.
            let state = try await server.withClient { try $0.send(.status) }
            #expect(state == .status(server.handler.status))
        }
    }

    /// Mutated valid requests over the socket: every line gets exactly one answer, in order.
    @Test func everyMutatedRequestLineGetsOneAnswer() async throws {
        try await withControlServer { server in
            var generator = SplitMix64(seed: 77)
            var lines: [Data] = []
            for index in 0..<400 {
                let command = ControlRequestDecoderTests.allCommands[
                    index % ControlRequestDecoderTests.allCommands.count]
                var bytes = Array(ControlRequest(id: .integer(index), command: command).encodedLine().dropLast())
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch index % 3 {
                case 0: bytes[position] = UInt8.random(in: 0x20...0x7E, using: &generator)
                case 1: bytes.remove(at: position)
                default: bytes.insert(contentsOf: Array("\"}{[".utf8).shuffled(using: &generator), at: position)
                }
                // Keep one request per line; blank lines are skipped by design, so keep them non-blank.
                bytes.removeAll { $0 == 0x0A || $0 == 0x0D }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { bytes = Array("x".utf8) }
                lines.append(Data(bytes + [0x0A]))
            }
            let batch = lines
            let answers = try await server.withClient { client -> Int in
                var payload = Data()
                for line in batch { payload.append(line) }
                try client.sendRaw(payload)
                return try Self.responseCount(client, expected: batch.count)
            }
            #expect(answers == lines.count)
        }
    }

    @Test func anOversizedLineIsRefusedAndTheConnectionClosed() async throws {
        try await withControlServer(configure: { $0.maximumLineBytes = 4_096 }) { server in
            let (reply, closed) = try await server.withClient { client -> (String, Bool) in
                try client.sendRaw(Data(repeating: UInt8(ascii: "a"), count: 10_000))
                let line = String(
                    decoding: try #require(try client.readRawLine(timeout: mustHappenWithin)), as: UTF8.self)
                var closed = false
                do { _ = try client.readRawLine(timeout: mustHappenWithin) } catch { closed = true }
                return (line, closed)
            }
            #expect(reply.contains("\"too_large\""))
            #expect(closed)
            let state = try await server.withClient { try $0.send(.status) }
            #expect(state == .status(server.handler.status))
        }
    }

    @Test func aLineJustUnderTheLimitIsAccepted() async throws {
        try await withControlServer(configure: { $0.maximumLineBytes = 4_096 }) { server in
            let padding = String(repeating: "x", count: 4_096 - 60)
            let reply = try await server.withClient { client in
                try client.sendRaw(Data("{\"id\":\"\(padding)\",\"command\":\"status\"}\n".utf8))
                return String(decoding: try #require(try client.readRawLine(timeout: mustHappenWithin)), as: UTF8.self)
            }
            #expect(reply.contains("\"result\""))
        }
    }

    @Test func halfWrittenRequestsAreAnsweredOnceComplete() async throws {
        try await withControlServer { server in
            let replies = try await server.withClient { client -> [String] in
                // Split mid-token; the server must wait for the rest.
                try client.sendRaw(Data("{\"id\":1,\"comm".utf8))
                #expect(try client.readRawLine(timeout: .milliseconds(100)) == nil)
                try client.sendRaw(Data("and\":\"volume.get\"}\r\n".utf8))
                let first = String(
                    decoding: try #require(try client.readRawLine(timeout: mustHappenWithin)), as: UTF8.self)
                // A last request without newline, then end of input: still answered.
                try client.sendRaw(Data("{\"id\":2,\"command\":\"mute\"}".utf8))
                client.finishSending()
                let second = String(
                    decoding: try #require(try client.readRawLine(timeout: mustHappenWithin)), as: UTF8.self)
                return [first, second]
            }
            #expect(
                replies == ["{\"id\":1,\"result\":{\"volume_percent\":80}}", "{\"id\":2,\"result\":{\"muted\":true}}"])
        }
    }

    @Test func sixtyFourConcurrentClientsAreServedAndTheNextIsRefused() async throws {
        try await withControlServer(configure: { $0.maximumClients = 64 }) { server in
            let path = server.path
            // 64 clients on 64 threads, all connected at once, each doing round trips concurrently; they
            // stay connected until client 0 has checked that a 65th is refused.
            let connected = SharedCounter()
            let finished = SharedCounter()
            let probed = SharedCounter()
            let outcomes = try await withThrowingTaskGroup(of: (Int, ControlClientError?).self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await blockingCall {
                            let client = try ControlClient(socketPath: path)
                            connected.increment()
                            connected.wait(until: 64)
                            var answered = 0
                            for round in 0..<10 {
                                let volume = (index + round) % 101
                                if try client.send(.setVolume(volume)) == .volume(VolumeInfo(volumePercent: volume)) {
                                    answered += 1
                                }
                            }
                            finished.increment()
                            var probeError: ControlClientError?
                            if index == 0 {
                                finished.wait(until: 64)
                                do {
                                    _ = try ControlClient(socketPath: path)
                                } catch let error as ControlClientError {
                                    probeError = error
                                }
                                probed.increment()
                            }
                            probed.wait(until: 1)
                            return (answered, probeError)
                        }
                    }
                }
                var outcomes: [(Int, ControlClientError?)] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            let answered = outcomes.map(\.0).reduce(0, +)
            let probeErrors = outcomes.compactMap(\.1)
            #expect(probeErrors.count == 1, "the 65th client must be refused")
            if case .refused(let refusal)? = probeErrors.first {
                #expect(refusal.code == .busy)
            } else {
                Issue.record("the 65th client failed with \(String(describing: probeErrors.first)), not a busy refusal")
            }
            #expect(answered == 64 * 10)
            // Once they are gone, new clients are welcome again.
            #expect(try await waitUntil { server.server.connectionCount == 0 })
            let state = try await server.withClient { try $0.send(.status) }
            #expect(state == .status(server.handler.status))
        }
    }

    @Test func aStalledSubscriberIsDroppedWithANoticeAndOthersAreServed() async throws {
        try await withControlServer(configure: { $0.subscriberQueueLimit = 16 }) { server in
            let path = server.path
            // The stalled client subscribes, then reads nothing while a flood of events is published.
            let stalled = try await blockingCall { () -> ControlClientBox in
                let client = try ControlClient(socketPath: path)
                try client.send(.subscribe([.transcript]))
                return ControlClientBox(client)
            }
            let bigText = String(repeating: "lorem ipsum ", count: 700)
            for index in 0..<400 {
                server.handler.emit(
                    .transcript(TranscriptEvent(role: .assistant, text: "\(index) \(bigText)", isFinal: false)))
            }
            // Meanwhile others are served at once.
            let state = try await server.withClient(timeout: mustHappenWithin) { try $0.send(.status) }
            #expect(state == .status(server.handler.status))
            // A fresh subscriber gets new events.
            let handler = server.handler
            let fresh = try await server.withClient { client -> ControlEvent? in
                try client.send(.subscribe([.state]))
                handler.emit(.state(.speaking))
                return try client.nextEvent(timeout: mustHappenWithin)
            }
            #expect(fresh == .state(.speaking))
            // When the stalled client finally reads, it finds fewer events than were sent, then the notice.
            let (transcripts, notice) = try await blockingCall { () -> (Int, ControlEvent?) in
                var transcripts = 0
                while let event = try stalled.client.nextEvent(timeout: mustHappenWithin) {
                    if case .notice = event { return (transcripts, event) }
                    transcripts += 1
                }
                return (transcripts, nil)
            }
            #expect(transcripts < 400)
            guard case .notice(let code, _)? = notice else {
                Issue.record("no notice after \(transcripts) events")
                return
            }
            #expect(code == ControlEvent.subscriberDroppedCode)
            // The connection itself still works.
            let after = try await blockingCall { try stalled.client.send(.getVolume) }
            #expect(after == .volume(VolumeInfo(volumePercent: 80)))
        }
    }
}

extension ControlServerHostileInputTests {
    /// A client that subscribes again while its earlier subscription's events are still queued (the
    /// client reads slowly) reads every event once, in the order they were published: the earlier
    /// subscription's first, then the new one's, never the two interleaved.
    @Test func subscribingAgainWhileEventsAreStillQueuedKeepsThemInOrder() async throws {
        let subscriptionChanges = SharedCounter()
        // Publishes the new subscription's events the moment it exists, while the earlier one's still wait.
        let publishNewEvents = Mutex<(@Sendable () -> Void)?>(nil)
        try await withControlServer(
            configure: { $0.subscriberQueueLimit = 1000 },
            onSubscriptionsChanged: { _ in
                subscriptionChanges.increment()
                // Two subscribed, one unsubscribed and subscribed again.
                if subscriptionChanges.value == 4 { publishNewEvents.withLock { $0 }?() }
            }
        ) { server in
            let path = server.path
            let handler = server.handler
            publishNewEvents.withLock {
                $0 = {
                    for index in 0..<20 {
                        handler.emit(
                            .transcript(TranscriptEvent(role: .assistant, text: "new \(index)", isFinal: false)))
                    }
                }
            }
            let (box, probe) = try await blockingCall { () -> (ControlClientBox, ControlClientBox) in
                let client = try ControlClient(socketPath: path)
                try client.send(.subscribe([.transcript]))
                let probe = try ControlClient(socketPath: path)
                try probe.send(.subscribe([.transcript]))
                return (ControlClientBox(client), ControlClientBox(probe))
            }
            // More than the socket holds, so the subscription's writer is still busy with them...
            let bigText = String(repeating: "lorem ipsum ", count: 700)
            for index in 0..<200 {
                server.handler.emit(
                    .transcript(TranscriptEvent(role: .assistant, text: "old \(index) \(bigText)", isFinal: false)))
            }
            // (events reach subscribers through the server's pump: once a second subscriber that reads has the
            // last one, every one of them is queued for the first)
            let probed = try await blockingCall { () -> Bool in
                while let event = try probe.client.nextEvent(timeout: mustHappenWithin) {
                    if case .transcript(let transcript) = event, transcript.text.hasPrefix("old 199 ") { return true }
                }
                return false
            }
            #expect(probed)
            // ... when the client ends it and subscribes again, without waiting for the answers.
            try await blockingCall {
                var requests = ControlRequest(id: .integer(100), command: .unsubscribe).encodedLine()
                requests.append(ControlRequest(id: .integer(101), command: .subscribe([.transcript])).encodedLine())
                try box.client.sendRaw(requests)
            }
            async let received = blockingCall { () -> [String] in
                var texts: [String] = []
                while texts.count < 220, let event = try box.client.nextEvent(timeout: mustHappenWithin) {
                    if case .transcript(let transcript) = event {
                        texts.append(transcript.text.split(separator: " ").prefix(2).joined(separator: " "))
                    }
                }
                return texts
            }
            let expected = (0..<200).map { "old \($0)" } + (0..<20).map { "new \($0)" }
            let texts = try await received
            #expect(texts == expected)
        }
    }
}

/// Moves a blocking client between test threads (used by one thread at a time).
final class ControlClientBox: @unchecked Sendable {
    let client: ControlClient
    init(_ client: ControlClient) { self.client = client }
}

/// A small seeded generator so that failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A counter threads can share.
final class SharedCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }

    /// Blocks the calling (non-pool) thread until the count reaches `target`, at most 30 s.
    func wait(until target: Int) {
        let deadline = ContinuousClock.now + mustHappenWithin
        while value < target && ContinuousClock.now < deadline { usleep(500) }
    }
}

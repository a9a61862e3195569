import Foundation
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

/// A feed the test fills by hand, standing in for the daemon's recording tap.
final class ScriptedFeed: Sendable {
    let info: RecordingInfo
    let blocks: AsyncStream<RecordingBlock>
    let continuation: AsyncStream<RecordingBlock>.Continuation
    private let summaryBox = Mutex<RecordingSummary?>(nil)
    private let cancelCount = Atomic<Int>(0)

    init(sampleRate: Int = 8_000, seconds: Int = 1, blockSamples: Int = 800) {
        info = RecordingInfo(sampleRate: sampleRate, seconds: seconds, blockSamples: blockSamples)
        (blocks, continuation) = AsyncStream.makeStream()
    }

    var feed: RecordingFeed {
        RecordingFeed(
            info: info, blocks: blocks,
            summary: { [self] in
                summaryBox.withLock { $0 }
                    ?? RecordingSummary(samples: info.samples, lostSamples: 0, mutedSamples: 0, reason: .cancelled)
            },
            cancel: { [self] in cancelCount.add(1, ordering: .relaxed) })
    }

    var cancelled: Bool { cancelCount.load(ordering: .relaxed) > 0 }

    func send(start: Int, mic: [Int16], played: [Int16]) {
        continuation.yield(RecordingBlock(start: start, mic: mic, played: played))
    }

    func end(_ summary: RecordingSummary) {
        summaryBox.withLock { $0 = summary }
        continuation.finish()
    }
}

/// The error `body` threw, nil when it did not.
func recordingError(_ body: () throws(RecordingError) -> RecordingResult) -> RecordingError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// `record` through the real control server and the real client: chunk lines after the answer, the
/// files voicectl writes, refusals, and a client that goes away.
@Suite(.timeLimit(.minutes(2))) struct RecordingStreamTests {
    func ramp(_ count: Int, from start: Int, step: Int = 1) -> [Int16] {
        (0..<count).map { Int16(truncatingIfNeeded: (start + $0) * step) }
    }

    @Test func chunksBecomeTwoAlignedWAVFilesWithSilenceWhereBlocksWereLost() async throws {
        try await withControlServer { server in
            let feed = ScriptedFeed()
            server.handler.onRecord { _ in .success(feed.feed) }
            // Blocks 0 and 2 arrive, block 1 was dropped by the daemon (its queue was full), and so was
            // the last one: the files must still be one second long, aligned, silent where lost.
            feed.send(start: 0, mic: ramp(800, from: 1), played: ramp(800, from: 1, step: -1))
            feed.send(start: 1_600, mic: ramp(800, from: 1_601), played: ramp(800, from: 1_601, step: -1))
            feed.end(RecordingSummary(samples: 8_000, lostSamples: 6_400, mutedSamples: 0, reason: .complete))
            let prefix = server.directory.appending("room")
            let result = try await server.withClient { client in
                try client.record(seconds: 1, prefix: prefix, overwrite: false)
            }
            #expect(result.summary?.reason == .complete)
            #expect(result.interruption == nil)
            #expect(result.samplesWritten == 8_000)
            #expect(result.lostRanges == [800..<1_600, 2_400..<8_000])
            let mic = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: result.micPath))))
            let played = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: result.playedPath))))
            #expect(mic.sampleRate == 8_000 && played.sampleRate == 8_000)
            #expect(mic.channels == 1 && played.channels == 1)
            #expect(mic.samples.count == 8_000 && played.samples.count == 8_000)
            #expect(Array(mic.samples[0..<800]) == ramp(800, from: 1))
            #expect(Array(played.samples[0..<800]) == ramp(800, from: 1, step: -1))
            #expect(
                mic.samples[800..<1_600].allSatisfy { $0 == 0 } && played.samples[800..<1_600].allSatisfy { $0 == 0 })
            #expect(Array(mic.samples[1_600..<2_400]) == ramp(800, from: 1_601))
            #expect(Array(played.samples[1_600..<2_400]) == ramp(800, from: 1_601, step: -1))
            #expect(mic.samples[2_400...].allSatisfy { $0 == 0 })
            #expect(server.handler.receivedCommands.contains(.record(seconds: 1)))
        }
    }

    @Test func aRefusalLeavesNoFilesBehind() async throws {
        try await withControlServer { server in
            let message = "the microphone is muted: `voicectl unmute` first, or nothing but silence would be recorded"
            server.handler.onRecord { _ in .failure(ControlError(.unavailable, message)) }
            let prefix = server.directory.appending("muted")
            let error = try await server.withClient { client in
                recordingError { () throws(RecordingError) in
                    try client.record(seconds: 2, prefix: prefix, overwrite: false)
                }
            }
            #expect(error == .control(.refused(ControlError(.unavailable, message))))
            #expect(!FileManager.default.fileExists(atPath: prefix + "-mic.wav"))
            #expect(!FileManager.default.fileExists(atPath: prefix + "-played.wav"))
        }
    }

    @Test func existingFilesAreRefusedBeforeTheDaemonIsAsked() async throws {
        try await withControlServer { server in
            let prefix = server.directory.appending("kept")
            try Data("precious".utf8).write(to: URL(fileURLWithPath: prefix + "-played.wav"))
            let error = try await server.withClient { client in
                recordingError { () throws(RecordingError) in
                    try client.record(seconds: 2, prefix: prefix, overwrite: false)
                }
            }
            guard case .file(let fileError)? = error else {
                Issue.record("an existing file was not refused: \(String(describing: error))")
                return
            }
            #expect(fileError.description.contains("already exists; use --force"))
            #expect(try String(contentsOfFile: prefix + "-played.wav", encoding: .utf8) == "precious")
            #expect(!server.handler.receivedCommands.contains(.record(seconds: 2)))

            let unwritable = server.directory.appending("no/such/dir/x")
            #expect(throws: RecordingFileError.self) {
                try RecordingWriter.checkWritable(prefix: unwritable, overwrite: false)
            }
        }
    }

    @Test func aClientThatGoesAwayEndsTheRecording() async throws {
        try await withControlServer { server in
            let feed = ScriptedFeed()
            server.handler.onRecord { _ in .success(feed.feed) }
            feed.send(start: 0, mic: ramp(800, from: 0), played: ramp(800, from: 0))
            try await server.withClient { client in
                _ = try client.send(.record(seconds: 1))
                guard case .chunk(_, let block)? = try client.nextRecordingMessage(timeout: mustHappenWithin) else {
                    throw ControlClientError.broken("no chunk")
                }
                #expect(block.mic.count == 800)
                // The client is released (its socket closed) here.
            }
            #expect(try await waitUntil { feed.cancelled }, "the daemon was told the client went away")
        }
    }

    @Test func aRecordingCutShortLeavesValidFilesWithWhatArrived() async throws {
        try await withControlServer { server in
            let feed = ScriptedFeed()
            server.handler.onRecord { _ in .success(feed.feed) }
            feed.send(start: 0, mic: ramp(800, from: 3), played: ramp(800, from: 5))
            // Then nothing: the daemon's audio stopped. The client gives up after its timeout.
            let prefix = server.directory.appending("cut")
            let result = try await server.withClient { client in
                try client.record(seconds: 1, prefix: prefix, overwrite: false, chunkTimeout: .seconds(2))
            }
            guard case .timedOut(let what)? = result.interruption else {
                Issue.record("the recording was not reported as cut short: \(result)")
                return
            }
            #expect(what.contains("no audio from voiced"))
            #expect(result.summary == nil)
            #expect(result.samplesWritten == 800)
            let mic = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: result.micPath))))
            let played = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: result.playedPath))))
            #expect(mic.samples == ramp(800, from: 3))
            #expect(played.samples == ramp(800, from: 5))
            #expect(try await waitUntil { feed.cancelled }, "the daemon was told")
        }
    }

    @Test func aDaemonThatCannotRecordSaysSo() async throws {
        try await withControlServer { server in
            let error = try await server.withClient { client -> ControlClientError? in
                do throws(ControlClientError) {
                    _ = try client.send(.record(seconds: 1))
                    return nil
                } catch {
                    return error
                }
            }
            guard case .refused(let refusal)? = error else {
                Issue.record("record was not refused: \(String(describing: error))")
                return
            }
            #expect(refusal.code == .unavailable)
        }
    }
}

import Testing
import VoiceTestSupport

@testable import VoiceRealtime

/// Issue 9: the session loop's inputs go through a concrete inbox instead of `AsyncStream` (whose generic code
/// cost ~30 µs per mic chunk). It must keep the stream's contract: order, a waiting reader woken by the next
/// input, `finish()` after which the queue drains and then ends, and a cancelled reader let go.
@Suite(.timeLimit(.minutes(3)))
struct SessionInboxTests {
    typealias Inbox = RealtimeSession.Inbox

    @Test func inputsComeOutInTheOrderTheyWentIn() async {
        let inbox = Inbox()
        // More than the compaction threshold, read while more arrive, so the buffer is compacted midway.
        for id in 0..<100 { inbox.yield(.opened(id)) }
        var read: [Int] = []
        for _ in 0..<70 { read.append(Self.id(await inbox.next())) }
        for id in 100..<250 { inbox.yield(.opened(id)) }
        for _ in 0..<180 { read.append(Self.id(await inbox.next())) }
        #expect(read == Array(0..<250))
        #expect(!inbox.readerIsWaiting)
    }

    @Test func aWaitingReaderGetsTheNextInput() async throws {
        let inbox = Inbox()
        let reader = Task { await inbox.next() }
        try await Self.waitUntil { inbox.readerIsWaiting }
        inbox.yield(.opened(7))
        #expect(Self.id(await reader.value) == 7)
        #expect(!inbox.readerIsWaiting)
        inbox.yield(.opened(8))
        #expect(Self.id(await inbox.next()) == 8, "queued, not lost, when nobody waits")
    }

    @Test func finishDrainsWhatIsQueuedThenEnds() async throws {
        let inbox = Inbox()
        inbox.yield(.opened(1))
        inbox.yield(.opened(2))
        inbox.finish()
        inbox.yield(.opened(3))
        #expect(Self.id(await inbox.next()) == 1)
        #expect(Self.id(await inbox.next()) == 2)
        #expect(await inbox.next() == nil)
        #expect(await inbox.next() == nil)

        let waiting = Inbox()
        let reader = Task { await waiting.next() }
        try await Self.waitUntil { waiting.readerIsWaiting }
        waiting.finish()
        #expect(await reader.value == nil, "a waiting reader is let go")
    }

    @Test func aCancelledReaderGetsNilAndTheInboxEnds() async throws {
        let inbox = Inbox()
        let reader = Task { await inbox.next() }
        try await Self.waitUntil { inbox.readerIsWaiting }
        reader.cancel()
        #expect(await reader.value == nil)
        inbox.yield(.opened(1))
        #expect(await inbox.next() == nil, "inputs after the reader's cancellation are dropped")
    }

    // MARK: - Helpers

    static func id(_ input: RealtimeSession.LoopInput?) -> Int {
        if case .opened(let id) = input { id } else { -1 }
    }

    /// Polls `condition` (the reader reaching its wait happens on another task) for at most `mustHappenWithin`.
    static func waitUntil(_ condition: () -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + mustHappenWithin
        while !condition() {
            try #require(clock.now < deadline, "timed out waiting for the reader")
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}

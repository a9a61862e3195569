import Synchronization
import VoiceControl

/// The control side's end of a recording: the bounded queue of blocks, the final summary, and the
/// flag that says the client went away. Shared between the coordinator (which fills it) and the
/// control server (which drains it).
final class RecordingChannel: Sendable {
    let blocks: AsyncStream<RecordingBlock>
    private let continuation: AsyncStream<RecordingBlock>.Continuation
    private let cancelled = Atomic<Bool>(false)
    private let finalSummary: Mutex<RecordingSummary>

    /// - Parameter queueBlocks: blocks that may wait for a slow client before new ones are dropped.
    init(totalSamples: Int, queueBlocks: Int) {
        (blocks, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(max(1, queueBlocks)))
        finalSummary = Mutex(
            RecordingSummary(samples: totalSamples, lostSamples: 0, mutedSamples: 0, reason: .cancelled))
        // The consumer's task was cancelled (its connection closed): stop the tap even if the server
        // never gets to call `cancel()`.
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination { self?.cancelled.store(true, ordering: .relaxed) }
        }
    }

    /// True once the client went away (or the server cancelled the feed): the tap should stop.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
        continuation.finish()
    }

    /// Queues a block without waiting; false when it did not fit (or nobody reads any more).
    func offer(_ block: RecordingBlock) -> Bool {
        if case .enqueued = continuation.yield(block) { return true }
        return false
    }

    /// Ends the stream after the queued blocks; `summary` is what the end line reports.
    func finish(_ summary: RecordingSummary) {
        finalSummary.withLock { $0 = summary }
        continuation.finish()
    }

    var summary: RecordingSummary { finalSummary.withLock { $0 } }
}

/// Copies what the pipeline hears and what the speaker played at the same time, frame by frame, into
/// a preallocated block, and hands each full block (~100 ms) to the control side without waiting.
///
/// Owned by the coordinator, fed from its audio tick. A block the queue has no room for is dropped and
/// counted (`lostSamples`): the audio loop never waits for a client.
struct RecordingTap {
    let channel: RecordingChannel
    let totalSamples: Int
    private var mic: [Int16]
    private var played: [Int16]
    private var filled = 0
    /// Samples taken so far (handed over or lost), i.e. where the current block starts + `filled`.
    private(set) var taken = 0
    private(set) var lostSamples = 0
    private(set) var mutedSamples = 0

    init(channel: RecordingChannel, totalSamples: Int, blockSamples: Int) {
        self.channel = channel
        self.totalSamples = totalSamples
        mic = [Int16](repeating: 0, count: max(1, blockSamples))
        played = [Int16](repeating: 0, count: max(1, blockSamples))
    }

    var isComplete: Bool { taken == totalSamples }

    /// Takes the aligned mic and reference samples (as many as the recording still wants). `muted`: the
    /// mic samples are the mute's silence.
    mutating func append(mic heard: UnsafeBufferPointer<Int16>, played sounded: UnsafeBufferPointer<Int16>, muted: Bool)
    {
        var index = 0
        let wanted = min(heard.count, sounded.count, totalSamples - taken)
        if muted { mutedSamples += wanted }
        while index < wanted {
            let count = min(wanted - index, mic.count - filled)
            for offset in 0..<count {
                mic[filled + offset] = heard[index + offset]
                played[filled + offset] = sounded[index + offset]
            }
            filled += count
            taken += count
            index += count
            if filled == mic.count || taken == totalSamples { handOver() }
        }
    }

    /// Hands the partial block over and ends the recording.
    mutating func finish(reason: RecordingEndReason) {
        if reason != .cancelled { handOver() }
        channel.finish(
            RecordingSummary(
                samples: reason == .complete ? totalSamples : taken, lostSamples: lostSamples,
                mutedSamples: mutedSamples, reason: reason))
    }

    private mutating func handOver() {
        guard filled > 0 else { return }
        let block = RecordingBlock(
            start: taken - filled, mic: Array(mic[0..<filled]), played: Array(played[0..<filled]))
        if !channel.offer(block) { lostSamples += filled }
        filled = 0
    }
}

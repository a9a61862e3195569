import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

/// Issue 9: a reader that wakes itself on a timer (the daemon's audio loop while a turn streams) is told
/// when the next chunk is due, and the capture thread reads it in one batch without signalling anyone:
/// one thread woken per chunk (the reader's) instead of the capture signal's two.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ALSATimedCaptureTests {
    @Test func aReaderOnATimerGetsEachChunkInOneBatchWithoutASignal() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var tuning = ALSAEngineTuning()
        tuning.quiesceWhenIdle = true
        let engine = ALSAAudioEngine(
            settings: cardSettings(card, pace: .on), backendFactory: LibasoundPCMBackendFactory(), tuning: tuning
        )
        #expect(engine.expectCapture(samples: 2_400) == nil, "a stopped engine cannot tell")
        try engine.start()
        defer { engine.stop() }
        // The stream starts the usual way, on the capture thread's signal.
        await engine.waitForCapture(samples: 2_400, timeout: .seconds(60))
        #expect(engine.captureRing.availableToRead >= 2_400)
        let signalsBefore = engine.captureSignalsSent
        let transfersBefore = engine.counters().capture.transfers
        let chunks = 5
        var timerEnded = 0
        for _ in 0..<chunks {
            engine.captureRing.discardAll()
            guard let due = engine.expectCapture(samples: 2_400) else {
                // The audio is already late (a busy machine): the timer has nothing to plan by.
                #expect(await waitUntil(timeout: 10) { engine.captureRing.availableToRead >= 2_400 })
                continue
            }
            #expect(due <= monotonicNanoseconds() + 120_000_000, "due within the chunk's 100 ms (and some jitter)")
            // The reader's own timer: the chunk's due time plus some jitter.
            try await Task.sleep(for: .nanoseconds(max(due - monotonicNanoseconds(), 0) + 5_000_000))
            if engine.captureRing.availableToRead >= 2_400 { timerEnded += 1 }
            #expect(await waitUntil(timeout: 10) { engine.captureRing.availableToRead >= 2_400 })
        }
        #expect(timerEnded >= 1, "the chunk was there when its timer fired")
        #expect(engine.captureSignalsSent == signalsBefore, "nobody was signalled while the reader used its timer")
        // 500 ms of audio is 25 periods; read in batches of a chunk it takes about five reads.
        let reads = engine.counters().capture.transfers - transfersBefore
        #expect(reads <= chunks + 3, "\(reads) reads for \(chunks) 100 ms chunks")
        // A wait on the signal ends the batches the timer asked for, and works as before.
        engine.captureRing.discardAll()
        await engine.waitForCapture(samples: 480, timeout: .seconds(60))
        #expect(engine.captureRing.availableToRead >= 480)
        #expect(engine.captureSignalsSent > signalsBefore)
    }
}

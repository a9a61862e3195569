import Synchronization
import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

/// Issue 9: with `quiesceWhenIdle`, the speaker stops while nothing plays and the microphone pauses
/// while the daemon does not need it; both come back at once, and the capture thread wakes the
/// daemon's audio loop per chunk.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ALSAQuiescenceTests {
    private func quiescentEngine(_ card: ALSATestCard) -> ALSAAudioEngine {
        var tuning = ALSAEngineTuning()
        tuning.quiesceWhenIdle = true
        tuning.referenceRingSeconds = 60
        return ALSAAudioEngine(
            settings: cardSettings(card, pace: .on), backendFactory: LibasoundPCMBackendFactory(), tuning: tuning
        )
    }

    @Test func anIdleSpeakerStopsAndRestartsForTheNextSound() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = quiescentEngine(card)
        try engine.start()
        defer { engine.stop() }
        #expect(await waitUntil { engine.isPlaybackStopped }, "nothing to play: the speaker stops")
        // While stopped it transfers nothing: let the microphone run for ten periods meanwhile.
        let stoppedAt = engine.counters().playback.transfers
        let captureAt = engine.counters().capture.transfers
        #expect(await waitUntil { engine.counters().capture.transfers >= captureAt + 10 })
        #expect(engine.counters().playback.transfers == stoppedAt)

        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.3)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        engine.playbackRingWritten()
        #expect(await waitUntil { engine.playedFrames == tone.count && engine.isPlaybackIdle })
        #expect(await waitUntil { engine.isPlaybackStopped }, "and stops again after it")
        engine.stop()
        // The device got the tone sample for sample (unity volume, same format).
        let output = try card.readOutput()
        let start = try #require(output.firstIndex { $0 != 0 })
        let bitExact = Array(output[(start - 1)..<(start - 1 + tone.count)]) == tone
        #expect(bitExact)
        #expect(engine.statistics().playbackUnderruns == 0)
    }

    @Test func theReferenceOriginMovesByTheSpeakersGap() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = quiescentEngine(card)
        try engine.start()
        defer { engine.stop() }
        let beep = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        beep.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        engine.playbackRingWritten()
        #expect(await waitUntil { engine.playedFrames == beep.count && engine.isPlaybackStopped })
        let firstOrigin = try #require(engine.referenceOrigin)
        let writtenBeforeGap = engine.referenceRing.writePosition
        // A gap of at least 300 ms of capture (the microphone keeps the time).
        let captureAt = engine.counters().capture.transfers
        #expect(await waitUntil { engine.counters().capture.transfers >= captureAt + 15 })
        #expect(engine.referenceRing.writePosition == writtenBeforeGap, "no reference while stopped")
        // The microphone's clock when the second beep is queued: it cannot sound before this.
        let captureBeforeSecondBeep = try #require(engine.captureOrigin) + engine.captureRing.writePosition
        beep.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        engine.playbackRingWritten()
        #expect(await waitUntil { engine.playedFrames == 2 * beep.count })
        let secondOrigin = try #require(engine.referenceOrigin)
        // Sample p of the reference sounded at origin + p: after the gap, the same positions are
        // later by the gap (at least the 300 ms waited, less the two periods the paced writes run
        // ahead of the clock and the two periods an origin may wander).
        #expect(secondOrigin - firstOrigin >= 24_000 * 3 / 10 - 4 * 480)
        let captureOrigin = try #require(engine.captureOrigin)
        // Both streams are stamped on the same clock: the beep's last sample sounded after the microphone's
        // clock when it was queued (less the two periods the paced writes run ahead) and not later than a
        // second past the microphone's clock now (the device's buffer). Read now rather than compared
        // with a fixed gap, so a test thread that is scheduled late does not move the bound.
        let newestCapture = captureOrigin + engine.captureRing.writePosition
        let newestReference = secondOrigin + engine.referenceRing.writePosition
        #expect(newestReference >= captureBeforeSecondBeep - 2 * 480)
        #expect(newestReference < newestCapture + 24_000)
    }

    @Test func aPausedMicrophoneResumesWithTheNextWords() async throws {
        let words = Signals.tone(frequency: 1_000, rate: 24_000, seconds: 0.4)
        let card = try ALSATestCard.make(inputSamples: words, rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = quiescentEngine(card)
        // The daemon starts idle: the microphone is paused before it reads anything.
        engine.setCaptureNeeded(false)
        try engine.start()
        defer { engine.stop() }
        #expect(await waitUntil { engine.isCapturePaused })
        // Paused, it captures nothing: a wait for one period times out.
        await engine.waitForCapture(samples: 480, timeout: .milliseconds(300))
        #expect(engine.captureRing.availableToRead == 0)
        #expect(engine.counters().capture.transfers == 0)

        engine.setCaptureNeeded(true)
        #expect(await waitUntil { engine.captureRing.availableToRead >= words.count })
        #expect(!engine.isCapturePaused)
        let captured = engine.captureRing.readAll()
        let allThere = Array(captured.prefix(words.count)) == words
        #expect(allThere, "the first words after the resume are all there (\(captured.count) samples captured)")
    }

    @Test func aBatchReadEndsAtTheDaemonsLookPoint() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        // A device with its own clock: a read of a batch returns when the batch's last frame is there, so the thread
        // chooses its next batch before the daemon arms its next wait (the paced software card sleeps after it
        // delivers, and chooses with the wait armed).
        // Its clock runs at a third of the rate, so a batch takes 300 ms: the test task has that long to arm the look
        // point after a wait returns, as the daemon has a chunk's length. At the real rate (100 ms) a full test run on
        // two cores once left all three tries late.
        let faults = FaultInjectingFactory()
        faults.capture.blockNanosecondsPerReadFrame.store(3 * 1_000_000_000 / 24_000, ordering: .relaxed)
        var tuning = ALSAEngineTuning()
        tuning.quiesceWhenIdle = true
        tuning.referenceRingSeconds = 60
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .off), backendFactory: faults, tuning: tuning)
        try engine.start()
        defer { engine.stop() }
        let chunk = 2_400
        let period = 480
        var overshoots: [Int] = []
        for _ in 0..<3 {
            // As the daemon does while a turn is spoken: a wait per chunk, the audio taken after each, until the
            // thread reads a chunk per batch. A wait returns as a batch is delivered, and the next batch is chosen
            // before the next wait is armed.
            for _ in 0..<4 {
                engine.captureRing.discardAll()
                await engine.waitForCapture(samples: chunk, timeout: .seconds(60))
            }
            engine.captureRing.discardAll()
            // The daemon says a chunk ahead that it will look 30 ms into the chunk after the next (the frame that
            // would end a turn)...
            let lookPoint = engine.captureRing.writePosition + chunk + 720
            engine.setCaptureLookPoint(lookPoint)
            await engine.waitForCapture(samples: chunk, timeout: .seconds(60))
            engine.captureRing.discardAll()
            // ...and then waits for the rest up to it.
            await engine.waitForCapture(
                samples: max(lookPoint - engine.captureRing.readPosition, 1), timeout: .seconds(60))
            overshoots.append(engine.captureRing.writePosition - lookPoint)
            engine.setCaptureLookPoint(nil)
        }
        // Without the look point the batch would run on to the chunk's end, 1,680 samples past it; with it the batch
        // stops at the period that holds it. The fewest of three bounds it (a test task scheduled late lets the next
        // batch pass before it reads the position).
        #expect((overshoots.min() ?? .max) < period, "samples captured past the look point: \(overshoots)")
    }

    @Test func theCaptureThreadWakesTheWaiterWhenTheChunkIsThere() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = quiescentEngine(card)
        try engine.start()
        defer { engine.stop() }
        var readsPerChunk: [Int] = []
        for _ in 0..<5 {
            engine.captureRing.discardAll()
            let transfersBefore = engine.counters().capture.transfers
            // A minute's timeout: only the capture thread's signal can end this wait in time.
            await engine.waitForCapture(samples: 2_400, timeout: .seconds(60))
            #expect(engine.captureRing.availableToRead >= 2_400)
            readsPerChunk.append(engine.counters().capture.transfers - transfersBefore)
        }
        // A 100 ms chunk is 5 periods; read in batches of the waited-for chunk it takes one read, or two
        // when a read was under way as the wait began. Until this task runs again after the wake-up, the
        // thread goes on reading (one period at a time if the chunk's last read was one), so a chunk's
        // count also holds whatever a late task let pass: the fewest of five is the one to bound.
        #expect(readsPerChunk.min() ?? .max <= 3, "reads per 100 ms chunk: \(readsPerChunk)")
        // A cancelled wait ends at once.
        let waiting = Task { await engine.waitForCapture(samples: 0, timeout: .seconds(60)) }
        waiting.cancel()
        await waiting.value
        // A change of mind about the microphone ends the idle wait too.
        engine.setCaptureNeeded(false)
        let idle = Task { await engine.waitForCapture(samples: 0, timeout: .seconds(60)) }
        #expect(await waitUntil { engine.isCapturePaused })
        engine.setCaptureNeeded(true)
        await idle.value
    }
}

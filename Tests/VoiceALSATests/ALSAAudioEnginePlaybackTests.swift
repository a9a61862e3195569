import Synchronization
import Testing
import VoiceCore
import Foundation
import Glibc
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

/// Serialized: each test runs two real-time threads; on a busy 2-core machine, running all of them
/// at once starves the polling test tasks.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ALSAAudioEnginePlaybackTests {
    /// Queues `samples` for playback, waits until all were played, stops, returns the card output.
    private func play(_ samples: [Int16], on card: ALSATestCard, settings: AudioSettings) async throws -> [Int16] {
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        samples.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        let played = await waitUntil { engine.playedFrames == samples.count && engine.isPlaybackIdle }
        #expect(played, "played \(engine.playedFrames) of \(samples.count)")
        #expect(engine.statistics().playbackUnderruns == 0)
        engine.stop()
        return try card.readOutput()
    }

    @Test func playsS16Mono24kBitExact() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.3)
        let output = try await play(tone, on: card, settings: cardSettings(card))
        // Unity volume, same rate and format: the reply appears sample for sample.
        let start = try #require(output.firstIndex { $0 != 0 })
        #expect(Array(output[(start - 1)..<(start - 1 + tone.count)]) == tone)
        #expect(output[(start - 1 + tone.count)...].allSatisfy { $0 == 0 })
    }

    @Test func playsA24kToneAs48kStereoS32() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 48_000, channels: 2, format: .s32LE)
        defer { card.remove() }
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.3)
        // The 2:1 interpolator delays its output by 19 device frames, which leave with the next period
        // the loop writes; a period of trailing silence (as a reply's end has) carries them before
        // `play` sees everything played and stops the engine.
        let interleaved = try await play(
            tone + [Int16](repeating: 0, count: 480), on: card, settings: cardSettings(card))
        let left = stride(from: 0, to: interleaved.count - 1, by: 2).map { interleaved[$0] }
        let right = stride(from: 1, to: interleaved.count, by: 2).map { interleaved[$0] }
        #expect(left == right)
        let active = try #require(Signals.activeRange(left, threshold: 100))
        #expect(abs(active.count - tone.count * 2) <= 8)
        #expect(abs(Signals.estimatedFrequency(left[active], rate: 48_000) - 440) < 2)
        #expect(abs(Signals.rms(left[active]) / Signals.rms(tone[...]) - 1) < 0.03)
    }

    @Test func flushStopsTheReplyWithinOnePeriod() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .on))
        try engine.start()
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 30)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(await waitUntil { engine.playedFrames >= 4_800 })
        engine.flushPlayback()
        // Read after the request, so it is at least what had been played when the request came.
        let playedByRequest = engine.playedFrames
        #expect(await waitUntil { engine.isPlaybackIdle })
        let playedAfterFlush = engine.playedFrames
        engine.stop()

        let output = try card.readOutput()
        let active = try #require(Signals.activeRange(output, threshold: 1))
        let period = 480
        // The period being written when the request came may finish; nothing after it.
        #expect(playedAfterFlush <= playedByRequest + period)
        #expect(playedAfterFlush < tone.count)
        // What the engine says was played is what reached the device.
        #expect(abs(playedAfterFlush - active.count) <= 1)
        #expect(engine.playbackRing.availableToRead == 0)
    }

    @Test func referenceRingHoldsWhatWasPlayedAfterVolume() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var tuning = ALSAEngineTuning()
        tuning.referenceRingSeconds = 60
        let engine = ALSAAudioEngine(
            settings: cardSettings(card, pace: .on), backendFactory: LibasoundPCMBackendFactory(), tuning: tuning
        )
        engine.setVolume(percent: 50)
        try engine.start()
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.2)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        var reference: [Int16] = []
        // Drain the reference as the echo gate would, so a slow test machine cannot overflow it.
        #expect(
            await waitUntil {
                reference += engine.referenceRing.readAll()
                return engine.playedFrames == tone.count && engine.isPlaybackIdle
            })
        engine.stop()
        reference += engine.referenceRing.readAll()

        let output = try card.readOutput()
        // Continuous, silence included, sample for sample what the device got.
        let referenceMatchesOutput = reference == output
        #expect(referenceMatchesOutput, "reference \(reference.count) samples, output \(output.count)")
        let active = try #require(Signals.activeRange(output, threshold: 1))
        let gain = Signals.rms(output[active]) / Signals.rms(tone[...])
        // 50 % on SoftwareVolume's scale is -25 dB.
        let expected = pow(10, -25.0 / 20)
        #expect(abs(gain / expected - 1) < 0.02)
        #expect(engine.referenceRing.droppedSamples == 0)
    }

    @Test func muteSilencesButStillCountsPlayedFrames() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .on))
        engine.setVolume(percent: 0)
        try engine.start()
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(await waitUntil { engine.playedFrames == tone.count && engine.isPlaybackIdle })
        engine.stop()
        #expect(try card.readOutput().allSatisfy { $0 == 0 })
    }

    @Test func prebufferHoldsAShortReplyThenPlaysIt() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var settings = cardSettings(card, pace: .on)
        settings.playbackPrebufferMilliseconds = 200
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        #expect(await waitUntil { engine.counters().playback.transfers >= 3 })
        let periodsBeforeQueueing = engine.counters().playback.transfers
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        let periodsAfterQueueing = engine.counters().playback.transfers
        #expect(await waitUntil { engine.playedFrames == tone.count && engine.isPlaybackIdle })
        engine.stop()

        // Period k of the stream occupies output[480k ..< 480(k+1)]. The 100 ms reply is less than
        // the 200 ms pre-buffer, so it waits 10 periods for more audio, then plays anyway.
        let output = try card.readOutput()
        let active = try #require(Signals.activeRange(output, threshold: 1))
        let firstReplyPeriod = (active.lowerBound - 1) / 480
        #expect(firstReplyPeriod >= periodsBeforeQueueing + 10)
        #expect(firstReplyPeriod <= periodsAfterQueueing + 11)
        #expect(abs(active.count - tone.count) <= 1)
        #expect(engine.statistics().playbackUnderruns == 0)
    }

    @Test func theWatchedSampleReportsThePrebufferWaitAndTheWrite() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var settings = cardSettings(card, pace: .on)
        settings.playbackPrebufferMilliseconds = 200
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        #expect(await waitUntil { engine.counters().playback.transfers >= 3 })
        #expect(engine.playbackWatchReport() == nil)
        // A 100 ms reply, shorter than the 200 ms pre-buffer: playable only once it has waited ten
        // periods (paced at 20 ms each, unless the thread runs late: no lower bound is asserted).
        engine.watchPlayback(position: engine.playbackRing.writePosition)
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        engine.playbackRingWritten()
        #expect(await waitUntil { engine.playbackWatchReport() != nil })
        let report = try #require(engine.playbackWatchReport())
        #expect(report.playable > .zero, "waited \(report.playable)")
        #expect(report.written >= report.playable)
        #expect(await waitUntil { engine.playedFrames == tone.count && engine.isPlaybackIdle })
        engine.stop()
        // A new watch forgets the old report.
        engine.watchPlayback(position: engine.playbackRing.writePosition)
        #expect(engine.playbackWatchReport() == nil)
    }

    @Test func aReplyThatRunsDryAndContinuesIsAnUnderrun() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var tuning = ALSAEngineTuning()
        tuning.underrunWindowMilliseconds = 10_000
        let engine = ALSAAudioEngine(
            settings: cardSettings(card, pace: .on), backendFactory: LibasoundPCMBackendFactory(), tuning: tuning
        )
        try engine.start()
        let chunk = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        chunk.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(await waitUntil { engine.playedFrames == chunk.count && engine.isPlaybackIdle })
        // Let the stream run dry: a full period with nothing to play.
        let idleAt = engine.counters().playback.transfers
        #expect(await waitUntil { engine.counters().playback.transfers >= idleAt + 2 })
        #expect(engine.statistics().playbackUnderruns == 0)
        chunk.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(await waitUntil { engine.playedFrames == 2 * chunk.count && engine.isPlaybackIdle })
        engine.stop()
        #expect(engine.statistics().playbackUnderruns == 1)
    }

    @Test func outputDelayIsPublishedInSessionFrames() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 48_000, channels: 2, format: .s16LE)
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .on))
        try engine.start()
        #expect(await waitUntil { engine.counters().playback.transfers >= 5 })
        let delay = engine.outputDelayFrames
        engine.stop()
        // ALSA's null PCM consumes at once; whatever it reports must fit inside the device buffer.
        #expect(delay >= 0)
        #expect(delay <= 24_000 * 20 * 4 / 1000 + 2)
    }

    @Test func aDeviceWithItsOwnClockGoesIdleAfterTheReply() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        // Writes block for a period, as on hardware: the thread spends its life inside writei,
        // which must not read as "still playing".
        let faults = FaultInjectingFactory()
        faults.playback.blockNanosecondsPerTransfer.store(20_000_000, ordering: .relaxed)
        faults.capture.blockNanosecondsPerTransfer.store(20_000_000, ordering: .relaxed)
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .auto), backendFactory: faults)
        try engine.start()
        defer { engine.stop() }
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.2)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(!engine.isPlaybackIdle)
        #expect(await waitUntil { engine.playedFrames == tone.count && engine.isPlaybackIdle })
        #expect(!engine.counters().playback.isPaced)
    }

    @Test func realtimePriorityIsAskedForAndPlaybackWorksEitherWay() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var settings = cardSettings(card, pace: .on)
        settings.realtimePriority = 10
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        defer { engine.stop() }
        // Granted for root or with LimitRTPRIO; refused otherwise. Either way the engine plays.
        let probe = Self.canUseFIFO()
        #expect(engine.hasRealtimeThreads == probe)
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        tone.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(await waitUntil { engine.playedFrames == tone.count && engine.isPlaybackIdle })
    }

    /// Whether this process may give a thread SCHED_FIFO priority 10 (tried on a throwaway thread).
    private static func canUseFIFO() -> Bool {
        var thread = pthread_t()
        guard
            pthread_create(
                &thread, nil,
                { _ in
                    var parameters = sched_param(sched_priority: 10)
                    let granted = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters) == 0
                    return UnsafeMutableRawPointer(bitPattern: granted ? 1 : 2)
                }, nil) == 0
        else { return false }
        var result: UnsafeMutableRawPointer?
        pthread_join(thread, &result)
        return result == UnsafeMutableRawPointer(bitPattern: 1)
    }
}

import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

@Suite struct ALSAAudioEnginePlaybackTests {
    /// Queues `samples` for playback, waits until all were played, stops, returns the card output.
    private func play(_ samples: [Int16], on card: ALSATestCard, settings: AudioSettings) async throws -> [Int16] {
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        samples.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        let played = await waitUntil(timeout: 20) { engine.playedFrames == samples.count && engine.isPlaybackIdle }
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
        let interleaved = try await play(tone, on: card, settings: cardSettings(card))
        let left = stride(from: 0, to: interleaved.count - 1, by: 2).map { interleaved[$0] }
        let right = stride(from: 1, to: interleaved.count, by: 2).map { interleaved[$0] }
        #expect(left == right)
        let active = try #require(Signals.activeRange(left, threshold: 100))
        #expect(abs(active.count - tone.count * 2) <= 8)
        #expect(abs(Signals.estimatedFrequency(left[active], rate: 48_000) - 440) < 2)
        #expect(abs(Signals.rms(left[active]) / Signals.rms(tone[...]) - 1) < 0.03)
    }
}

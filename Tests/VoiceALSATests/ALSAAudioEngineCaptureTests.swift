import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

/// Engine settings for a test card: both directions on the card, devices in the card's format.
func cardSettings(_ card: ALSATestCard, pace: AudioSettings.Pacing = .auto) -> AudioSettings {
    var settings = AudioSettings()
    settings.alsaConfigPath = card.configPath
    settings.deviceRate = card.rate
    settings.channels = card.channels
    settings.format = card.format == .s16LE ? .s16LE : .s32LE
    settings.pace = pace
    return settings
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ALSAAudioEngineCaptureTests {
    @Test func capturesS16Mono24kBitExact() async throws {
        let input = Signals.tone(frequency: 1_000, rate: 24_000, seconds: 0.5)
        let card = try ALSATestCard.make(inputSamples: input, rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card))
        try engine.start()
        defer { engine.stop() }

        let arrived = await waitUntil { engine.captureRing.availableToRead >= input.count + 480 }
        #expect(arrived)
        let captured = engine.captureRing.readAll()
        // Same rate, same format, one channel: the session sees exactly the file, then silence
        // (the file plugin's stale buffer at end of file is cleared).
        #expect(Array(captured.prefix(input.count)) == input)
        #expect(captured[input.count...].allSatisfy { $0 == 0 })
        let statistics = engine.statistics()
        #expect(statistics.state == "running")
        #expect(statistics.captureRate == 24_000)
        #expect(engine.counters().capture.isPaced)
    }

    @Test(arguments: [ChannelSelection.channel(0), .downmix])
    func capturesS16Stereo16kAsSessionMono(selection: ChannelSelection) async throws {
        let left = Signals.tone(frequency: 440, rate: 16_000, seconds: 0.5, amplitude: 0.5)
        let right = [Int16](repeating: 0, count: left.count)
        let card = try ALSATestCard.make(
            inputSamples: Signals.interleave([left, right]), rate: 16_000, channels: 2, format: .s16LE
        )
        defer { card.remove() }
        var settings = cardSettings(card)
        settings.channel = selection
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        defer { engine.stop() }

        let expectedCount = left.count * 24_000 / 16_000
        #expect(await waitUntil { engine.captureRing.availableToRead >= expectedCount + 2_400 })
        let captured = engine.captureRing.readAll()
        let active = try #require(Signals.activeRange(captured, threshold: 100))
        #expect(abs(active.count - expectedCount) <= 8)
        let frequency = Signals.estimatedFrequency(captured[active], rate: 24_000)
        #expect(abs(frequency - 440) < 2)
        // The left channel alone keeps the level; a downmix with a silent right channel halves it.
        let expectedRMS = 0.5 * 32_767 / 2.squareRoot() * (selection == .downmix ? 0.5 : 1)
        let ratio = Signals.rms(captured[active]) / expectedRMS
        #expect(abs(ratio - 1) < 0.03)
    }

    @Test func captures48kStereoS32AsSession24kMono() async throws {
        let tone = Signals.tone(frequency: 1_000, rate: 48_000, seconds: 0.5, amplitude: 0.5)
        let card = try ALSATestCard.make(
            inputSamples: Signals.interleave([tone, tone]), rate: 48_000, channels: 2, format: .s32LE
        )
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card))
        try engine.start()
        defer { engine.stop() }

        let expectedCount = tone.count / 2
        #expect(await waitUntil { engine.captureRing.availableToRead >= expectedCount + 2_400 })
        let captured = engine.captureRing.readAll()
        let active = try #require(Signals.activeRange(captured, threshold: 100))
        #expect(abs(active.count - expectedCount) <= 8)
        #expect(abs(Signals.estimatedFrequency(captured[active], rate: 24_000) - 1_000) < 2)
        let ratio = Signals.rms(captured[active]) / (0.5 * 32_767 / 2.squareRoot())
        #expect(abs(ratio - 1) < 0.03)
        #expect(engine.statistics().captureRate == 48_000)
    }
}

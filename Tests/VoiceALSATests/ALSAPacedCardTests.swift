import Foundation
import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

/// The simulated card over PulseAudio's null sink: a device with a real-time clock, as on hardware.
/// Runs only when a PulseAudio server is up (see Config/alsa/simulated-card-paced.conf) and
/// VOICED_PULSE_TESTS=1.
@Suite(
    .serialized,
    .timeLimit(.minutes(5)),
    .enabled(if: ProcessInfo.processInfo.environment["VOICED_PULSE_TESTS"] == "1")
)
struct ALSAPacedCardTests {
    @Test func duplexOverAClockedDeviceNeedsNoPacing() async throws {
        let tone = Signals.tone(frequency: 1_000, rate: 48_000, seconds: 1)
        let card = try ALSATestCard.make(
            inputSamples: Signals.interleave([tone, tone]), rate: 48_000, channels: 2, format: .s16LE, slave: .pulse
        )
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .auto))
        try engine.start()
        let reply = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.5)
        reply.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        var captured: [Int16] = []
        let done = await waitUntil {
            captured += engine.captureRing.readAll()
            return engine.playedFrames == reply.count && engine.isPlaybackIdle && captured.count > 24_000
        }
        #expect(done, "played \(engine.playedFrames), captured \(captured.count)")
        let counters = engine.counters()
        engine.stop()

        #expect(!counters.capture.isPaced)
        #expect(!counters.playback.isPaced)
        let active = try #require(Signals.activeRange(captured, threshold: 100))
        #expect(abs(active.count - 24_000) <= 8)
        #expect(abs(Signals.estimatedFrequency(captured[active], rate: 24_000) - 1_000) < 2)
        let output = try card.readOutputFirstChannel()
        let played = try #require(Signals.activeRange(output, threshold: 100))
        #expect(abs(played.count - 2 * reply.count) <= 8)
    }

    @Test func flushDropsWhatTheDeviceStillHolds() async throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 48_000, channels: 2, format: .s16LE, slave: .pulse)
        defer { card.remove() }
        let engine = ALSAAudioEngine(settings: cardSettings(card, pace: .auto))
        try engine.start()
        defer { engine.stop() }
        let reply = Signals.tone(frequency: 440, rate: 24_000, seconds: 10)
        reply.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
        #expect(await waitUntil { engine.playedFrames >= 12_000 })
        #expect(engine.outputDelayFrames > 0)
        engine.flushPlayback()
        let playedByRequest = engine.playedFrames
        #expect(await waitUntil { engine.isPlaybackIdle })
        // What the device held was dropped, not played. The thread may be blocked in writei for up
        // to a period when the request comes, and PulseAudio moves its pointer in coarse steps.
        #expect(engine.playedFrames <= playedByRequest + 2 * 480)
        #expect(engine.playedFrames < reply.count)
    }
}

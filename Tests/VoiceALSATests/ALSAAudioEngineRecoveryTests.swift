import Glibc
import Synchronization
import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

@Suite(.serialized, .timeLimit(.minutes(5))) struct ALSAAudioEngineRecoveryTests {
    private struct Rig {
        let card: ALSATestCard
        let faults = FaultInjectingFactory()
        let engine: ALSAAudioEngine

        init(seconds: Double = 5) throws {
            card = try ALSATestCard.make(
                inputSamples: Signals.tone(frequency: 500, rate: 24_000, seconds: seconds), rate: 24_000,
                channels: 1, format: .s16LE
            )
            var tuning = ALSAEngineTuning()
            tuning.reopenIntervalNanoseconds = 100_000_000
            engine = ALSAAudioEngine(settings: cardSettings(card, pace: .on), backendFactory: faults, tuning: tuning)
        }
    }

    @Test(arguments: [EPIPE, ESTRPIPE])
    func captureRecoversInPlace(errno: Int32) async throws {
        let rig = try Rig()
        defer { rig.card.remove() }
        try rig.engine.start()
        defer { rig.engine.stop() }
        #expect(await waitUntil { rig.engine.counters().capture.transfers >= 3 })
        rig.faults.capture.nextReadFault.store(-errno, ordering: .relaxed)
        #expect(await waitUntil { rig.engine.statistics().captureXruns == 1 })
        let counters = rig.engine.counters()
        #expect(errno == EPIPE ? counters.capture.xruns == 1 : counters.capture.suspends == 1)
        #expect(counters.capture.reopens == 0)
        #expect(rig.faults.capture.recoverCalls.load(ordering: .relaxed) == 1)
        // Audio keeps coming after the recovery.
        rig.engine.captureRing.discardAll()
        #expect(await waitUntil { rig.engine.captureRing.availableToRead >= 2_400 })
        #expect(rig.engine.statistics().state == "running")
    }

    @Test(arguments: [EPIPE, ESTRPIPE])
    func playbackRecoversInPlace(errno: Int32) async throws {
        let rig = try Rig()
        defer { rig.card.remove() }
        try rig.engine.start()
        defer { rig.engine.stop() }
        #expect(await waitUntil { rig.engine.counters().playback.transfers >= 3 })
        rig.faults.playback.nextWriteFault.store(-errno, ordering: .relaxed)
        #expect(await waitUntil { rig.engine.statistics().playbackXruns == 1 })
        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.1)
        tone.withUnsafeBufferPointer { _ = rig.engine.playbackRing.write($0) }
        #expect(await waitUntil { rig.engine.playedFrames == tone.count && rig.engine.isPlaybackIdle })
        #expect(rig.engine.counters().playback.reopens == 0)
    }

    @Test func lostMicrophoneIsReopenedAndCaptureResumes() async throws {
        let rig = try Rig()
        defer { rig.card.remove() }
        try rig.engine.start()
        defer { rig.engine.stop() }
        #expect(await waitUntil { rig.engine.counters().capture.transfers >= 3 })
        // Unplugged: every reopen fails until the test plugs it back in.
        rig.faults.capture.failingOpens.store(1_000_000, ordering: .relaxed)
        rig.faults.capture.nextReadFault.store(-ENODEV, ordering: .relaxed)

        #expect(await waitUntil { rig.engine.statistics().state == "audio device lost" })
        let lost = rig.engine.statistics()
        #expect(lost.lastError?.contains("audio device lost") == true)
        #expect(lost.lastError?.contains("capture device") == true)
        // Attempts keep coming, one per interval (100 ms here), without a busy loop.
        #expect(await waitUntil { rig.faults.capture.openAttempts.load(ordering: .relaxed) >= 4 })

        rig.faults.capture.failingOpens.store(0, ordering: .relaxed)
        #expect(await waitUntil { rig.engine.counters().capture.reopens == 1 })
        #expect(rig.engine.statistics().state == "running")
        rig.engine.captureRing.discardAll()
        #expect(await waitUntil { rig.engine.captureRing.availableToRead >= 2_400 })
    }

    @Test func lostSpeakerDropsQueuedAudioAndPlaysAgainAfterReopen() async throws {
        let rig = try Rig()
        defer { rig.card.remove() }
        try rig.engine.start()
        #expect(await waitUntil { rig.engine.counters().playback.transfers >= 3 })
        rig.faults.playback.failingOpens.store(1_000_000, ordering: .relaxed)
        rig.faults.playback.nextWriteFault.store(-ENODEV, ordering: .relaxed)
        #expect(await waitUntil { rig.engine.counters().playback.isLost })
        #expect(rig.engine.statistics().state == "audio device lost")
        rig.faults.playback.failingOpens.store(0, ordering: .relaxed)
        #expect(await waitUntil { rig.engine.counters().playback.reopens == 1 })

        let tone = Signals.tone(frequency: 440, rate: 24_000, seconds: 0.2)
        let playedBefore = rig.engine.playedFrames
        tone.withUnsafeBufferPointer { _ = rig.engine.playbackRing.write($0) }
        #expect(
            await waitUntil {
                rig.engine.playedFrames == playedBefore + tone.count && rig.engine.isPlaybackIdle
            })
        rig.engine.stop()
        // The file PCM truncates its output when reopened: it now holds exactly the new reply.
        let output = try rig.card.readOutput()
        let active = try #require(Signals.activeRange(output, threshold: 1))
        #expect(abs(active.count - tone.count) <= 1)
        #expect(rig.engine.statistics().state == "stopped")
    }
}

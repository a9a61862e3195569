import Foundation
import Logging
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceDaemon

/// `voicectl record`'s daemon side: the coordinator's tap copies each frame the detector is given
/// into blocks for the control side, keeps the microphone on while it runs, and never waits.
@Suite(.timeLimit(.minutes(2))) struct RecordingTapTests: CoordinatorTicking {
    let rate = 24_000
    let link = LinkRecorder()
    let status = StatusBox()
    let events = EventHub<ControlEvent>()
    let time = TestTime()

    func makeCoordinator(
        engine: MemoryAudioEngine,
        detector: any SpeechDetecting = ThresholdDetector(),
        link: LinkRecorder? = nil,
        queueBlocks: Int = 30,
        earcon: [Int16] = []
    ) -> DaemonCoordinator {
        var settings = DaemonCoordinator.Settings()
        settings.recordingQueueBlocks = queueBlocks
        return DaemonCoordinator(
            settings: settings,
            engine: engine,
            link: link ?? self.link,
            detector: detector,
            status: status,
            events: events,
            now: { [time] in time.now },
            renderEarcon: { sound, _ in sound == .connected ? earcon : [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    func start(_ seconds: Int, on coordinator: DaemonCoordinator) async throws -> RecordingFeed {
        try await coordinator.startRecording(seconds: seconds).get()
    }

    /// Every block of a finished feed.
    func drain(_ feed: RecordingFeed) async -> [RecordingBlock] {
        var blocks: [RecordingBlock] = []
        for await block in feed.blocks { blocks.append(block) }
        return blocks
    }

    func tone(hertz: Double, milliseconds: Int, amplitude: Double) -> [Int16] {
        let step = 2 * Double.pi * hertz / Double(rate)
        return (0..<rate * milliseconds / 1000).map { Int16(amplitude * sin(step * Double($0))) }
    }

    @Test func theRecordingHoldsExactlyWhatTheDetectorWasGivenFrameByFrame() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate, reportsTiming: true)
        let log = FrameLog()
        // The "connected" earcon stands in for anything played: half a second of a 500 Hz tone.
        let played = tone(hertz: 500, milliseconds: 500, amplitude: 3_000)
        let coordinator = makeCoordinator(engine: engine, detector: LoggingDetector(log: log), earcon: played)
        let feed = try await start(1, on: coordinator)
        #expect(feed.info == RecordingInfo(sampleRate: rate, seconds: 1, blockSamples: rate / 10))
        // A turn, so that the detector listens too.
        await coordinator.press()
        await coordinator.play(.connected)
        let heard = tone(hertz: 300, milliseconds: 1_000, amplitude: 500)
        await hear(heard, on: engine, through: coordinator)

        let blocks = await drain(feed)
        #expect(blocks.map(\.start) == Array(stride(from: 0, to: rate, by: rate / 10)))
        #expect(blocks.allSatisfy { $0.mic.count == rate / 10 && $0.played.count == rate / 10 })
        let mic = blocks.flatMap(\.mic)
        let reference = blocks.flatMap(\.played)
        #expect(log.count == 100)
        #expect(mic == log.captures.flatMap { $0 }, "the mic stream is what the detector heard")
        #expect(reference == log.references.flatMap { $0 }, "the played stream is the reference it was given")
        #expect(mic == heard)
        #expect(Array(reference[0..<played.count]) == played, "what played, aligned with what was heard")
        #expect(reference[played.count...].allSatisfy { $0 == 0 }, "silence once nothing plays")
        #expect(feed.summary() == RecordingSummary(samples: rate, lostSamples: 0, mutedSamples: 0, reason: .complete))
    }

    @Test func aClientTooSlowLosesBlocksAndTheLossIsCounted() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine, queueBlocks: 2)
        let feed = try await start(1, on: coordinator)
        // Nobody reads: the first two blocks wait in the queue, the other eight are dropped.
        await hear(tone(milliseconds: 1_000, amplitude: 500), on: engine, through: coordinator)
        let blocks = await drain(feed)
        #expect(blocks.map(\.start) == [0, rate / 10])
        #expect(
            feed.summary()
                == RecordingSummary(samples: rate, lostSamples: rate * 8 / 10, mutedSamples: 0, reason: .complete))
    }

    @Test func theMicrophoneStaysOnWhileRecordingAndIsReleasedAfter() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        #expect(engine.captureNeeded == false, "idle: the microphone may pause")
        let feed = try await start(1, on: coordinator)
        #expect(engine.captureNeeded, "a recording needs the microphone, idle or not")
        let wake = await coordinator.nextWake
        #expect(wake.captureSamples == rate / 10 && wake.state == .idle, "idle, but its audio is drained per block")
        // A turn comes and goes while it records: the microphone stays on.
        await coordinator.press()
        await coordinator.cancel()
        #expect(await coordinator.state == .idle)
        #expect(engine.captureNeeded)
        await hear([Int16](repeating: 0, count: rate), on: engine, through: coordinator)
        #expect(feed.summary().reason == .complete)
        #expect(engine.captureNeeded == false, "released once the recording is over")
        #expect(engine.captureNeededChanges == [false, true, false])
        #expect(await coordinator.nextWake.captureSamples == 0)
    }

    @Test func aClientThatGoesAwayEndsItAndTheNextOneMayRecord() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        let first = try await start(5, on: coordinator)
        let second = await coordinator.startRecording(seconds: 1)
        guard case .failure(let busy) = second else {
            Issue.record("a second recording was accepted while one runs")
            return
        }
        #expect(busy.code == .busy)
        #expect(busy.message.contains("one at a time"))
        await hear([Int16](repeating: 0, count: rate / 5), on: engine, through: coordinator)
        first.cancel()
        await coordinator.audioTick()
        #expect(engine.captureNeeded == false, "the microphone is released when the client goes away")
        #expect(first.summary().reason == .cancelled)
        let third = try await start(1, on: coordinator)
        #expect(engine.captureNeeded)
        await hear([Int16](repeating: 0, count: rate), on: engine, through: coordinator)
        #expect(third.summary().reason == .complete)
    }

    @Test func aMutedMicrophoneIsRefusedAndAMuteDuringTheRecordingIsHonoured() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let coordinator = makeCoordinator(engine: engine)
        await coordinator.setMuted(true)
        guard case .failure(let refusal) = await coordinator.startRecording(seconds: 1) else {
            Issue.record("a muted microphone was recorded")
            return
        }
        #expect(refusal.code == .unavailable)
        #expect(
            refusal.message
                == "the microphone is muted: `voicectl unmute` first, or nothing but silence would be recorded")
        #expect(engine.captureNeeded == false)

        await coordinator.setMuted(false)
        let feed = try await start(1, on: coordinator)
        await hear(tone(milliseconds: 500, amplitude: 500), on: engine, through: coordinator)
        await coordinator.setMuted(true)
        await hear(tone(milliseconds: 500, amplitude: 500), on: engine, through: coordinator)
        let mic = await drain(feed).flatMap(\.mic)
        #expect(mic.count == rate)
        #expect(mic[0..<rate / 2].contains { $0 != 0 })
        #expect(mic.dropFirst(rate / 2).allSatisfy { $0 == 0 }, "muted means nothing is heard, recorded included")
        #expect(feed.summary().mutedSamples == rate / 2)
    }

    @Test func whatTheIdleMicrophoneHeardBeforeAPressIsRecordedButNotSent() async throws {
        let engine = MemoryAudioEngine(sessionRate: rate)
        let log = FrameLog()
        let coordinator = makeCoordinator(engine: engine, detector: LoggingDetector(log: log))
        let feed = try await start(2, on: coordinator)
        // Loud audio while idle: some ticks drain it, the rest still sits in the ring at the press.
        await hear(tone(milliseconds: 100, amplitude: 12_000), on: engine, through: coordinator)
        engine.hear(tone(milliseconds: 60, amplitude: 12_000))
        #expect(log.count == 0, "idle: the daemon does not listen; the microphone is on for the recording only")
        await coordinator.press()
        await hear([Int16](repeating: 0, count: rate / 5), on: engine, through: coordinator)
        await coordinator.press()
        #expect(link.sentAudio.count >= rate / 10)
        #expect(link.sentAudio.allSatisfy { $0 == 0 }, "only audio heard after the press went up")
        #expect(log.captures.allSatisfy { $0.allSatisfy { $0 == 0 } }, "the detector heard only the turn")
        await hear([Int16](repeating: 0, count: 2 * rate), on: engine, through: coordinator)
        let mic = await drain(feed).flatMap(\.mic)
        #expect(mic.count == 2 * rate)
        #expect(SignalMeasures.rmsDBFS(mic.prefix(rate * 160 / 1000)) > -15, "the recording has it all")
    }

    @Test func recordingChangesNothingTheDaemonDoes() async throws {
        // The same turn twice, once while recording: the same audio goes up, the same calls are made.
        func turn(recording: Bool) async throws -> (calls: [LinkCall], audio: [Int16], states: [VoiceState]) {
            let engine = MemoryAudioEngine(sessionRate: rate)
            let link = LinkRecorder()
            let coordinator = makeCoordinator(engine: engine, link: link)
            let feed = recording ? try await start(2, on: coordinator) : nil
            await coordinator.press()
            var states = [await coordinator.state]
            await hear(
                tone(milliseconds: 600) + [Int16](repeating: 0, count: rate / 2), on: engine, through: coordinator)
            states.append(await coordinator.state)
            if let feed { #expect(feed.summary().reason == .cancelled, "still recording: nothing final yet") }
            return (link.recorded, link.sentAudio, states)
        }
        let plain = try await turn(recording: false)
        let recorded = try await turn(recording: true)
        #expect(plain.states == [.listening, .thinking])
        #expect(recorded.states == plain.states)
        #expect(recorded.calls == plain.calls)
        #expect(recorded.audio == plain.audio)
        #expect(plain.audio.count >= rate / 2)
    }
}

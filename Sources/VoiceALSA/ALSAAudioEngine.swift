import Glibc
import Synchronization
import VoiceCore
import VoiceDSP

/// The audio engine over libasound: capture and playback each on a dedicated thread, converting
/// between the devices' formats and rates and the daemon's mono Int16 session rate.
///
/// `start()` opens both devices (so a wrong name fails right there, with a clear message) and starts
/// the threads. From then on the threads recover xruns and suspends in place and reopen a lost
/// device every second; the daemon never has to restart the engine.
public final class ALSAAudioEngine: AudioEngine {
    public let captureRing: AudioRingBuffer
    public let playbackRing: AudioRingBuffer
    public let referenceRing: AudioRingBuffer
    public let settings: AudioSettings
    public var sessionRate: Int { settings.sessionRate }

    private let shared: EngineSharedState
    private let waiter: CaptureWaiter
    private let backendFactory: any PCMBackendFactory
    private let tuning: ALSAEngineTuning
    private let running = Mutex<Running?>(nil)

    /// What exists while the engine runs. Only `start()`/`stop()` touch it, under the mutex.
    private struct Running {
        var captureBackend: any PCMBackend
        var playbackBackend: any PCMBackend
        var captureThread: AudioThread
        var playbackThread: AudioThread
    }

    /// - Parameters:
    ///   - settings: the `audio:` section of the config.
    ///   - playbackRingSeconds: reply audio the daemon may queue ahead (replies arrive faster than
    ///     real time).
    ///   - quiesceWhenIdle: stop the speaker while nothing plays (restarted by `playbackRingWritten()`)
    ///     and pause the microphone while `setCaptureNeeded(false)`: the idle daemon's audio threads
    ///     then sleep. Off, both devices run continuously (silence when idle).
    ///   - captureBatchMilliseconds: with `quiesceWhenIdle`, the most audio one capture read takes while the
    ///     daemon waits for the rest of a chunk: the chunk length, so the capture thread wakes once per chunk.
    public convenience init(
        settings: AudioSettings, playbackRingSeconds: Int = 60, quiesceWhenIdle: Bool = false,
        captureBatchMilliseconds: Int = 100
    ) {
        var tuning = ALSAEngineTuning()
        tuning.playbackRingSeconds = playbackRingSeconds
        tuning.quiesceWhenIdle = quiesceWhenIdle
        tuning.captureBatchMilliseconds = captureBatchMilliseconds
        self.init(settings: settings, backendFactory: LibasoundPCMBackendFactory(), tuning: tuning)
    }

    init(settings: AudioSettings, backendFactory: any PCMBackendFactory, tuning: ALSAEngineTuning = .init()) {
        self.settings = settings
        self.backendFactory = backendFactory
        self.tuning = tuning
        let rate = max(settings.sessionRate, 8_000)
        captureRing = AudioRingBuffer(minimumCapacity: rate * max(tuning.captureRingSeconds, 1))
        playbackRing = AudioRingBuffer(minimumCapacity: rate * max(tuning.playbackRingSeconds, 1))
        referenceRing = AudioRingBuffer(minimumCapacity: rate * max(tuning.referenceRingSeconds, 1))
        shared = EngineSharedState(quiesceWhenIdle: tuning.quiesceWhenIdle)
        waiter = CaptureWaiter(ring: captureRing)
    }

    deinit { stop() }

    // MARK: - Lifecycle

    public func start() throws {
        let problems = settings.validationProblems()
        guard problems.isEmpty else { throw AudioSettingsError(problems: problems) }
        try running.withLock { running throws in
            guard running == nil else { return }
            running = try open()
        }
    }

    private func open() throws -> Running {
        ALSALibrary.silenceErrorOutput()
        shared.stopRequested.store(false, ordering: .relaxed)
        var captureRequest = PCMOpenRequest(settings: settings, stream: .capture)
        // Batched reads (see `CaptureLoop`) need a capture buffer of a batch plus two periods; a
        // longer capture buffer adds no latency (reads return as soon as their frames are there).
        let batchPeriods = max(1, tuning.captureBatchMilliseconds / max(settings.periodMilliseconds, 1))
        if tuning.quiesceWhenIdle { captureRequest.bufferPeriods = max(captureRequest.bufferPeriods, batchPeriods + 3) }
        let playbackRequest = PCMOpenRequest(settings: settings, stream: .playback)
        let captureBackend = backendFactory.makeBackend(for: .capture)
        let playbackBackend = backendFactory.makeBackend(for: .playback)
        let captureParameters = try captureBackend.open(captureRequest)
        let playbackParameters: PCMParameters
        do {
            playbackParameters = try playbackBackend.open(playbackRequest)
        } catch {
            captureBackend.close()
            throw error
        }
        for (state, parameters) in [(shared.capture, captureParameters), (shared.playback, playbackParameters)] {
            state.rate.store(parameters.rate, ordering: .relaxed)
            state.lost.store(false, ordering: .relaxed)
        }
        let captureLoop = CaptureLoop(
            link: DeviceLink(
                backend: captureBackend, request: captureRequest, parameters: captureParameters,
                state: shared.capture, reopenIntervalNanoseconds: tuning.reopenIntervalNanoseconds
            ),
            ring: captureRing, shared: shared, settings: settings, waiter: waiter,
            batchPeriods: tuning.quiesceWhenIdle ? batchPeriods : 1
        )
        let playbackLoop = PlaybackLoop(
            link: DeviceLink(
                backend: playbackBackend, request: playbackRequest, parameters: playbackParameters,
                state: shared.playback, reopenIntervalNanoseconds: tuning.reopenIntervalNanoseconds
            ),
            ring: playbackRing, referenceRing: referenceRing, shared: shared, settings: settings,
            underrunWindowMilliseconds: tuning.underrunWindowMilliseconds
        )
        guard
            let captureThread = AudioThread.start(
                name: "voiced-capture", realtimePriority: settings.realtimePriority, body: captureLoop.run
            )
        else {
            captureBackend.close()
            playbackBackend.close()
            throw AudioSettingsError(problems: ["cannot start the audio capture thread (pthread_create failed)"])
        }
        guard
            let playbackThread = AudioThread.start(
                name: "voiced-playback", realtimePriority: settings.realtimePriority, body: playbackLoop.run
            )
        else {
            shared.stopRequested.store(true, ordering: .relaxed)
            captureThread.join()
            captureBackend.close()
            playbackBackend.close()
            throw AudioSettingsError(problems: ["cannot start the audio playback thread (pthread_create failed)"])
        }
        waiter.start()
        return Running(
            captureBackend: captureBackend, playbackBackend: playbackBackend,
            captureThread: captureThread, playbackThread: playbackThread
        )
    }

    public func stop() {
        running.withLock { running in
            guard let current = running.take() else { return }
            shared.stopRequested.store(true, ordering: .relaxed)
            shared.captureResume.signal()
            shared.playbackResume.signal()
            current.captureThread.join()
            current.playbackThread.join()
            waiter.stop()
            current.captureBackend.close()
            current.playbackBackend.close()
        }
    }

    public var isRunning: Bool { running.withLock { $0 != nil } }

    /// True when both audio threads got the SCHED_FIFO priority of `audio.realtime_priority`.
    public var hasRealtimeThreads: Bool {
        running.withLock { running in
            guard let running else { return false }
            return running.captureThread.isRealtime && running.playbackThread.isRealtime
        }
    }

    // MARK: - Playback control

    public func flushPlayback() {
        shared.flushGeneration.add(1, ordering: .releasing)
        if shared.quiesceWhenIdle { shared.playbackResume.signal() }
    }

    public func playbackRingWritten() {
        // The watched reply sample is playable the moment it is queued behind a playing burst, or
        // once the pre-buffer's worth is queued (the playback thread stamps the other case: the
        // first audio waited the pre-buffer's length).
        if shared.playbackBursting.load(ordering: .acquiring) || playbackRing.availableToRead >= prebufferFrames {
            shared.markWatchPlayable(queuedUpTo: playbackRing.writePosition)
        }
        // Always signalled (one eventfd write): checking "is it stopped?" first would race with a
        // thread that is just stopping.
        if shared.quiesceWhenIdle { shared.playbackResume.signal() }
    }

    private var prebufferFrames: Int { settings.sessionRate * settings.playbackPrebufferMilliseconds / 1000 }

    public func watchPlayback(position: Int) {
        shared.watchPosition.store(-1, ordering: .releasing)
        shared.watchPlayableAt.store(0, ordering: .relaxed)
        shared.watchWrittenAt.store(0, ordering: .relaxed)
        shared.watchStartedAt.store(monotonicNanoseconds(), ordering: .relaxed)
        shared.watchPosition.store(position, ordering: .releasing)
    }

    public func playbackWatchReport() -> PlaybackWatchReport? {
        let written = shared.watchWrittenAt.load(ordering: .acquiring)
        guard written != 0 else { return nil }
        let started = shared.watchStartedAt.load(ordering: .relaxed)
        let playable = shared.watchPlayableAt.load(ordering: .acquiring)
        return PlaybackWatchReport(
            playable: .nanoseconds(max(0, min(playable == 0 ? written : playable, written) - started)),
            written: .nanoseconds(max(0, written - started))
        )
    }

    public func setCaptureNeeded(_ needed: Bool) {
        let previous = shared.captureNeeded.exchange(needed, ordering: .acquiringAndReleasing)
        guard previous != needed else { return }
        if needed {
            shared.captureResume.signal()
            // The daemon's audio loop may be in its long idle wait: it has work now.
            waiter.nudge()
        }
    }

    public func endCaptureWait() {
        waiter.nudge()
    }

    public func setCaptureLookPoint(_ position: Int?) {
        shared.captureLookPoint.store(position ?? Int.min, ordering: .relaxed)
    }

    public var captureOrigin: Int? { Self.origin(shared.captureOrigin) }
    public var referenceOrigin: Int? { Self.origin(shared.referenceOrigin) }

    private static func origin(_ value: borrowing Atomic<Int>) -> Int? {
        let origin = value.load(ordering: .acquiring)
        return origin == Int.min ? nil : origin
    }

    /// True while the microphone is paused (idle, `quiesceWhenIdle`).
    public var isCapturePaused: Bool { shared.capturePaused.load(ordering: .acquiring) }
    /// True while the speaker is stopped because nothing plays (`quiesceWhenIdle`).
    public var isPlaybackStopped: Bool { shared.playbackStopped.load(ordering: .acquiring) }

    /// Returns once `captureRing` holds at least `samples` samples (0: do not wait for audio), after
    /// `timeout`, or at once when the daemon's state asks for capture again. The capture thread
    /// signals it the moment the audio is there, so the daemon runs per chunk, not per timer tick.
    /// Task cancellation ends the wait at once.
    ///
    /// Runs in the caller's isolation (`isolation`): an actor's loop that waits here does not leave the actor to
    /// arm the wait. (The wake itself still comes back through the generic executor: a continuation resumes there
    /// and then hops to the actor.)
    public func waitForCapture(
        samples: Int, timeout: Duration, isolation: isolated (any Actor)? = #isolation
    ) async {
        await withTaskCancellationHandler {
            await waiter.wait(minimum: samples, timeout: timeout, isolation: isolation)
        } onCancel: {
            waiter.nudge()
        }
    }

    public var playedFrames: Int { shared.playedFrames.load(ordering: .acquiring) }

    public var isPlaybackIdle: Bool {
        // Order matters: the thread marks itself busy before it empties the ring and publishes the
        // frames it holds before it clears the mark.
        guard playbackRing.availableToRead == 0 else { return false }
        guard !shared.playbackBusy.load(ordering: .acquiring) else { return false }
        return shared.replyFramesInDevice.load(ordering: .acquiring) == 0
    }

    public var outputDelayFrames: Int { shared.outputDelayFrames.load(ordering: .relaxed) }

    /// Sets the speaker level on VoiceDSP's `SoftwareVolume` scale (100 = 0 dB, 0.5 dB per
    /// percent below, 0 = silence); the playback thread ramps to it within 10 ms.
    public func setVolume(percent: Int) {
        shared.volumePercent.store(min(max(percent, 0), 100), ordering: .relaxed)
    }

    // MARK: - Status

    public func statistics() -> AudioEngineStatistics {
        var statistics = AudioEngineStatistics()
        let isRunning = self.isRunning
        let captureLost = shared.capture.lost.load(ordering: .acquiring)
        let playbackLost = shared.playback.lost.load(ordering: .acquiring)
        statistics.state = !isRunning ? "stopped" : (captureLost || playbackLost) ? "audio device lost" : "running"
        statistics.captureDevice = settings.captureDevice
        statistics.playbackDevice = settings.playbackDevice
        statistics.captureRate = shared.capture.rate.load(ordering: .relaxed)
        statistics.playbackRate = shared.playback.rate.load(ordering: .relaxed)
        statistics.captureXruns =
            shared.capture.xruns.load(ordering: .relaxed)
            + shared.capture.suspends.load(ordering: .relaxed)
        statistics.playbackXruns =
            shared.playback.xruns.load(ordering: .relaxed)
            + shared.playback.suspends.load(ordering: .relaxed)
        statistics.playbackUnderruns = shared.playbackUnderruns.load(ordering: .relaxed)
        statistics.captureDroppedSamples = captureRing.droppedSamples
        statistics.lastError = lastError(captureLost: captureLost, playbackLost: playbackLost)
        return statistics
    }

    /// Detailed recovery counters (status shows their sums).
    public func counters() -> ALSAEngineCounters {
        func direction(_ state: DirectionState) -> ALSAEngineCounters.Direction {
            .init(
                xruns: state.xruns.load(ordering: .relaxed), suspends: state.suspends.load(ordering: .relaxed),
                reopens: state.reopens.load(ordering: .relaxed), isLost: state.lost.load(ordering: .relaxed),
                isPaced: state.pacing.load(ordering: .relaxed), transfers: state.transfers.load(ordering: .relaxed),
                frames: state.frames.load(ordering: .relaxed), rate: state.rate.load(ordering: .relaxed)
            )
        }
        return ALSAEngineCounters(
            capture: direction(shared.capture), playback: direction(shared.playback),
            playbackUnderruns: shared.playbackUnderruns.load(ordering: .relaxed)
        )
    }

    private func lastError(captureLost: Bool, playbackLost: Bool) -> String? {
        var lines: [String] = []
        for (stream, state, lost) in [
            (PCMStream.capture, shared.capture, captureLost),
            (.playback, shared.playback, playbackLost),
        ] {
            let call = ALSACall(rawValue: state.lastErrorCall.load(ordering: .relaxed)) ?? .none
            guard call != .none else { continue }
            let device = stream == .capture ? settings.captureDevice : settings.playbackDevice
            let error = ALSAError(
                device: device, direction: stream.name, call: call.name,
                code: state.lastErrorCode.load(ordering: .relaxed)
            )
            let what = "\(stream.name) device \"\(device)\": \(call.name): \(error.reason)"
            lines.append(lost ? "audio device lost (\(what)); reopening every second" : what)
        }
        return lines.isEmpty ? nil : lines.joined(separator: "; ")
    }
}

/// Engine constants that are not user settings; tests shorten them.
struct ALSAEngineTuning: Sendable {
    /// How often a lost device is reopened.
    var reopenIntervalNanoseconds: Int64 = 1_000_000_000
    /// A reply that runs dry and continues within this time counts as an underrun.
    var underrunWindowMilliseconds = 250
    var playbackRingSeconds = 60
    var captureRingSeconds = 4
    var referenceRingSeconds = 4
    /// See `ALSAAudioEngine.init(settings:playbackRingSeconds:quiesceWhenIdle:)`; also turns on
    /// batched capture reads of up to `captureBatchMilliseconds` while the daemon waits for a chunk.
    var quiesceWhenIdle = false
    var captureBatchMilliseconds = 100
}

/// Recovery counters per direction, for status details, tests and benchmarks.
public struct ALSAEngineCounters: Sendable, Equatable {
    public struct Direction: Sendable, Equatable {
        public var xruns: Int
        public var suspends: Int
        public var reopens: Int
        public var isLost: Bool
        /// True when the engine paces this direction to the clock (`pace: on`, or detected).
        public var isPaced: Bool
        /// Periods transferred since start.
        public var transfers: Int
        /// Device frames transferred since start.
        public var frames: Int
        /// The device rate in use.
        public var rate: Int
    }

    public var capture: Direction
    public var playback: Direction
    public var playbackUnderruns: Int
}

/// Settings the engine cannot work with, each problem in words a person can act on.
public struct AudioSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "audio settings: " + problems.joined(separator: "; ") }
}

import Synchronization
import VoiceCore
import VoiceDSP

/// An `AudioEngine` without a device: tests push mic audio into `captureRing` (or `speak(_:)`) and
/// advance playback by hand with `playOut(frames:)`, which moves audio from the playback ring to
/// `played` and writes the reference the echo gate sees.
public final class MemoryAudioEngine: AudioEngine, @unchecked Sendable {
    public let captureRing: AudioRingBuffer
    public let playbackRing: AudioRingBuffer
    public let referenceRing: AudioRingBuffer
    public let sessionRate: Int
    private let state = Mutex(State())

    struct State {
        var played: [Int16] = []
        var playedFrames = 0
        var flushes = 0
        var volume = 80
        var started = false
        var captureNeeded = true
        var captureNeededChanges: [Bool] = []
        var captureLookPoint: Int?
        var captureWaitsEnded = 0
        var playbackKicks = 0
        var speakerStopped = false
        /// The virtual clock `hear` advances, in samples.
        var clock = 0
        var captureOrigin: Int?
        var referenceOrigin: Int?
        /// The playback probe (`watchPlayback`): position, and times on `watchClock`.
        var watchedPosition: Int?
        var watchStartedAt: Duration = .zero
        var watchPlayableAt: Duration?
        var watchWrittenAt: Duration?
    }

    /// Reply audio counts as playable (the probe's pre-buffer) once this many frames are queued;
    /// `playOut` itself does not hold audio back.
    public let prebufferFrames: Int
    /// The clock the playback probe stamps with (the test's); nil: the engine reports no probe.
    private let watchClock: (@Sendable () -> Duration)?

    /// With `reportsTiming`, the engine stamps its rings on a virtual clock that `hear` advances
    /// (`captureOrigin`/`referenceOrigin`), as the ALSA engine does on the monotonic clock; without,
    /// it reports no timing and the daemon aligns the rings by count.
    public let reportsTiming: Bool

    public init(
        sessionRate: Int = 24_000, ringSeconds: Int = 4, reportsTiming: Bool = false, prebufferFrames: Int = 0,
        watchClock: (@Sendable () -> Duration)? = nil
    ) {
        self.sessionRate = sessionRate
        self.reportsTiming = reportsTiming
        self.prebufferFrames = prebufferFrames
        self.watchClock = watchClock
        captureRing = AudioRingBuffer(minimumCapacity: sessionRate * ringSeconds)
        playbackRing = AudioRingBuffer(minimumCapacity: sessionRate * ringSeconds)
        referenceRing = AudioRingBuffer(minimumCapacity: sessionRate * ringSeconds)
    }

    public func start() throws { state.withLock { $0.started = true } }
    public func stop() { state.withLock { $0.started = false } }

    public func flushPlayback() {
        playbackRing.discardAll()
        state.withLock { $0.flushes += 1 }
    }

    public var playedFrames: Int { state.withLock { $0.playedFrames } }
    public var isPlaybackIdle: Bool { playbackRing.availableToRead == 0 }
    public var outputDelayFrames: Int { 0 }
    public func setVolume(percent: Int) { state.withLock { $0.volume = percent } }
    public var volumePercent: Int { state.withLock { $0.volume } }
    public var flushCount: Int { state.withLock { $0.flushes } }
    /// Everything that was "played" so far.
    public var played: [Int16] { state.withLock { $0.played } }

    public func statistics() -> AudioEngineStatistics {
        var statistics = AudioEngineStatistics()
        statistics.state = state.withLock { $0.started } ? "running" : "stopped"
        statistics.captureRate = sessionRate
        statistics.playbackRate = sessionRate
        return statistics
    }

    /// The microphone hears `samples` (written into the capture ring, and the same amount of
    /// reference is produced by playing out as many frames, as a duplex device would — unless the
    /// speaker is stopped, which leaves a gap in the reference).
    public func hear(_ samples: [Int16]) {
        let (clock, stopped) = state.withLock { ($0.clock, $0.speakerStopped) }
        if reportsTiming { state.withLock { $0.captureOrigin = clock - captureRing.writePosition } }
        _ = samples.withUnsafeBufferPointer { captureRing.write($0) }
        if !stopped {
            if reportsTiming { state.withLock { $0.referenceOrigin = clock - referenceRing.writePosition } }
            playOut(frames: samples.count)
        }
        state.withLock { $0.clock += samples.count }
    }

    /// The speaker plays `frames` frames while the microphone hears nothing at all (paused, as the
    /// ALSA engine pauses it while the daemon is idle): reference without capture.
    public func speakerPlaysAlone(frames: Int) {
        let clock = state.withLock { $0.clock }
        if reportsTiming { state.withLock { $0.referenceOrigin = clock - referenceRing.writePosition } }
        playOut(frames: frames)
        state.withLock { $0.clock += frames }
    }

    /// A stopped speaker plays nothing and writes no reference (an idle ALSA engine stops its device).
    public var speakerStopped: Bool {
        get { state.withLock { $0.speakerStopped } }
        set { state.withLock { $0.speakerStopped = newValue } }
    }

    public func setCaptureNeeded(_ needed: Bool) {
        state.withLock {
            $0.captureNeeded = needed
            $0.captureNeededChanges.append(needed)
        }
    }

    public func setCaptureLookPoint(_ position: Int?) { state.withLock { $0.captureLookPoint = position } }

    public func endCaptureWait() { state.withLock { $0.captureWaitsEnded += 1 } }

    /// How often the daemon ended its audio loop's wait early (`endCaptureWait`).
    public var captureWaitsEnded: Int { state.withLock { $0.captureWaitsEnded } }

    /// The daemon's last `setCaptureLookPoint`.
    public var captureLookPoint: Int? { state.withLock { $0.captureLookPoint } }

    /// What the daemon last said about the microphone, and every change in order.
    public var captureNeeded: Bool { state.withLock { $0.captureNeeded } }
    public var captureNeededChanges: [Bool] { state.withLock { $0.captureNeededChanges } }

    public func playbackRingWritten() {
        let queuedUpTo = playbackRing.writePosition
        let playable = playbackRing.availableToRead >= prebufferFrames
        let time = watchClock?()
        state.withLock {
            $0.playbackKicks += 1
            if playable, let time, let watched = $0.watchedPosition, queuedUpTo > watched, $0.watchPlayableAt == nil {
                $0.watchPlayableAt = time
            }
        }
    }

    public func watchPlayback(position: Int) {
        guard let time = watchClock?() else { return }
        state.withLock {
            $0.watchedPosition = position
            $0.watchStartedAt = time
            $0.watchPlayableAt = nil
            $0.watchWrittenAt = nil
        }
    }

    public func playbackWatchReport() -> PlaybackWatchReport? {
        state.withLock { state in
            state.watchWrittenAt.map { written in
                PlaybackWatchReport(
                    playable: (state.watchPlayableAt ?? written) - state.watchStartedAt,
                    written: written - state.watchStartedAt
                )
            }
        }
    }

    /// How often the daemon said it queued playback audio.
    public var playbackKicks: Int { state.withLock { $0.playbackKicks } }

    public var captureOrigin: Int? { state.withLock { $0.captureOrigin } }
    public var referenceOrigin: Int? { state.withLock { $0.referenceOrigin } }

    /// The speaker plays `frames` frames: from the playback ring, silence when it runs dry.
    public func playOut(frames: Int) {
        var buffer = [Int16](repeating: 0, count: frames)
        let got = buffer.withUnsafeMutableBufferPointer { playbackRing.read(into: $0) }
        _ = buffer.withUnsafeBufferPointer { referenceRing.write($0) }
        let readUpTo = playbackRing.readPosition
        let time = watchClock?()
        state.withLock {
            $0.played.append(contentsOf: buffer[0..<got])
            $0.playedFrames += got
            if got > 0, let time, let watched = $0.watchedPosition, readUpTo > watched {
                if $0.watchPlayableAt == nil { $0.watchPlayableAt = time }
                $0.watchWrittenAt = time
                $0.watchedPosition = nil
            }
        }
    }
}

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
        var playbackKicks = 0
        var speakerStopped = false
        /// The virtual clock `hear` advances, in samples.
        var clock = 0
        var captureOrigin: Int?
        var referenceOrigin: Int?
    }

    /// With `reportsTiming`, the engine stamps its rings on a virtual clock that `hear` advances
    /// (`captureOrigin`/`referenceOrigin`), as the ALSA engine does on the monotonic clock; without,
    /// it reports no timing and the daemon aligns the rings by count.
    public let reportsTiming: Bool

    public init(sessionRate: Int = 24_000, ringSeconds: Int = 4, reportsTiming: Bool = false) {
        self.sessionRate = sessionRate
        self.reportsTiming = reportsTiming
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

    /// What the daemon last said about the microphone, and every change in order.
    public var captureNeeded: Bool { state.withLock { $0.captureNeeded } }
    public var captureNeededChanges: [Bool] { state.withLock { $0.captureNeededChanges } }

    public func playbackRingWritten() { state.withLock { $0.playbackKicks += 1 } }
    /// How often the daemon said it queued playback audio.
    public var playbackKicks: Int { state.withLock { $0.playbackKicks } }

    public var captureOrigin: Int? { state.withLock { $0.captureOrigin } }
    public var referenceOrigin: Int? { state.withLock { $0.referenceOrigin } }

    /// The speaker plays `frames` frames: from the playback ring, silence when it runs dry.
    public func playOut(frames: Int) {
        var buffer = [Int16](repeating: 0, count: frames)
        let got = buffer.withUnsafeMutableBufferPointer { playbackRing.read(into: $0) }
        _ = buffer.withUnsafeBufferPointer { referenceRing.write($0) }
        state.withLock {
            $0.played.append(contentsOf: buffer[0..<got])
            $0.playedFrames += got
        }
    }
}

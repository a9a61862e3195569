import Synchronization

/// The libasound calls whose failures the engine reports (an index the threads can store
/// atomically; the text is built later, off the real-time threads).
enum ALSACall: Int, Sendable {
    case none = 0
    case open, readi, writei, recover, prepare, drop

    var name: String {
        switch self {
        case .none: return ""
        case .open: return "snd_pcm_open"
        case .readi: return "snd_pcm_readi"
        case .writei: return "snd_pcm_writei"
        case .recover: return "snd_pcm_recover"
        case .prepare: return "snd_pcm_prepare"
        case .drop: return "snd_pcm_drop"
        }
    }
}

/// Per-direction counters and flags, written by that direction's thread, read by anyone.
final class DirectionState: Sendable {
    let xruns = Atomic<Int>(0)
    let suspends = Atomic<Int>(0)
    let reopens = Atomic<Int>(0)
    let lost = Atomic<Bool>(false)
    let pacing = Atomic<Bool>(false)
    let rate = Atomic<Int>(0)
    /// Transfers completed (periods read or written), for tests and benchmarks.
    let transfers = Atomic<Int>(0)
    /// Device frames transferred since start.
    let frames = Atomic<Int>(0)
    let lastErrorCall = Atomic<Int>(0)
    let lastErrorCode = Atomic<Int32>(0)

    func recordError(_ call: ALSACall, code: Int32) {
        lastErrorCall.store(call.rawValue, ordering: .relaxed)
        lastErrorCode.store(code, ordering: .relaxed)
    }
}

/// Everything the engine's threads and its async callers share: atomics only, so neither side
/// locks, allocates or waits.
final class EngineSharedState: Sendable {
    let stopRequested = Atomic<Bool>(false)
    let flushGeneration = Atomic<Int>(0)
    /// Speaker volume 0…100 (VoiceDSP's `SoftwareVolume` scale; 0 is silence).
    let volumePercent = Atomic<Int>(100)
    let playedFrames = Atomic<Int>(0)
    let outputDelayFrames = Atomic<Int>(0)
    /// Reply frames written to the device and not yet heard.
    let replyFramesInDevice = Atomic<Int>(0)
    /// True from the moment the playback thread takes frames out of the ring until it has
    /// published them as written, so `isPlaybackIdle` never sees them in neither place.
    let playbackBusy = Atomic<Bool>(false)
    /// Reply streams that ran dry and then continued (see `PlaybackLoop`).
    let playbackUnderruns = Atomic<Int>(0)
    let capture = DirectionState()
    let playback = DirectionState()
    /// `AudioEngine.setCaptureLookPoint`: a capture ring position a batch read must not run past (`Int.min`: none).
    let captureLookPoint = Atomic<Int>(Int.min)

    /// Pause the microphone and stop the speaker while the daemon is idle (see `ALSAEngineTuning`).
    let quiesceWhenIdle: Bool
    /// The daemon wants microphone audio (`setCaptureNeeded`); read by the capture thread.
    let captureNeeded = Atomic<Bool>(true)
    /// True while the capture thread has paused the device; for status, tests and benchmarks.
    let capturePaused = Atomic<Bool>(false)
    /// True while the playback thread has stopped the device because nothing plays.
    let playbackStopped = Atomic<Bool>(false)
    /// Wakes the capture thread out of its pause.
    let captureResume = EventSignal()
    /// Wakes the playback thread out of its stop (audio queued, a flush, or shutdown).
    let playbackResume = EventSignal()
    /// `AudioEngine.captureOrigin` / `referenceOrigin`; `Int.min` until the stream first runs.
    let captureOrigin = Atomic<Int>(Int.min)
    let referenceOrigin = Atomic<Int>(Int.min)
    /// True while the playback thread plays a burst (past the jitter pre-buffer): audio queued now
    /// plays without waiting for more.
    let playbackBursting = Atomic<Bool>(false)
    /// The playback latency probe (`AudioEngine.watchPlayback`): the playback-ring position watched
    /// (-1: none), and when it was watched, let through the pre-buffer and written, in monotonic
    /// nanoseconds (0: not yet).
    let watchPosition = Atomic<Int>(-1)
    let watchStartedAt = Atomic<Int64>(0)
    let watchPlayableAt = Atomic<Int64>(0)
    let watchWrittenAt = Atomic<Int64>(0)

    /// Stamps the watched sample playable now, once, if it is queued (`queuedUpTo`: the ring's write position).
    @inline(__always)
    func markWatchPlayable(queuedUpTo: Int) {
        let watched = watchPosition.load(ordering: .acquiring)
        guard watched >= 0, queuedUpTo > watched else { return }
        _ = watchPlayableAt.compareExchange(
            expected: 0, desired: monotonicNanoseconds(), ordering: .acquiringAndReleasing)
    }

    /// Stamps the watched sample written now, once, if the ring was read past it (`readUpTo`).
    @inline(__always)
    func markWatchWritten(readUpTo: Int) {
        let watched = watchPosition.load(ordering: .acquiring)
        guard watched >= 0, readUpTo > watched else { return }
        let now = monotonicNanoseconds()
        _ = watchPlayableAt.compareExchange(expected: 0, desired: now, ordering: .acquiringAndReleasing)
        _ = watchWrittenAt.compareExchange(expected: 0, desired: now, ordering: .acquiringAndReleasing)
        _ = watchPosition.compareExchange(expected: watched, desired: -1, ordering: .acquiringAndReleasing)
    }

    init(quiesceWhenIdle: Bool = false) { self.quiesceWhenIdle = quiesceWhenIdle }

    func direction(_ stream: PCMStream) -> DirectionState { stream == .capture ? capture : playback }
}

/// The engine's monotonic clock in samples of `rate` (microsecond arithmetic: no overflow for
/// centuries of uptime at any session rate).
@inline(__always)
func sampleClock(rate: Int) -> Int {
    Int(monotonicNanoseconds() / 1_000) * rate / 1_000_000
}

/// Moves a stream's origin (see `AudioEngine.captureOrigin`) only when the stream really jumped (it
/// restarted after a pause or lost audio): scheduling jitter of a period or so is left alone, so
/// continuous audio stays aligned by count.
@inline(__always)
func updateOrigin(_ origin: borrowing Atomic<Int>, candidate: Int, tolerance: Int) {
    let current = origin.load(ordering: .relaxed)
    if current == Int.min || abs(candidate - current) > tolerance {
        origin.store(candidate, ordering: .releasing)
    }
}

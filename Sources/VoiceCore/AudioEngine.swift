import VoiceDSP

/// The audio device as the daemon sees it: rings of mono 16-bit samples at the session rate.
///
/// `ALSAAudioEngine` implements it over libasound; tests and `voiced once` use in-memory engines.
/// Ring ownership: the daemon consumes `captureRing` and `referenceRing` and produces into
/// `playbackRing`; the engine's threads own the other side of each.
public protocol AudioEngine: AnyObject, Sendable {
    /// Mono Int16 at `sessionRate`: what the microphone heard.
    var captureRing: AudioRingBuffer { get }
    /// Mono Int16 at `sessionRate`: what should be played (reply audio and earcons).
    var playbackRing: AudioRingBuffer { get }
    /// Mono Int16 at `sessionRate`: what was actually played, continuous (silence when idle), so
    /// that sample `n` of it lines up with sample `n` of `captureRing` before `outputDelayFrames`.
    var referenceRing: AudioRingBuffer { get }
    var sessionRate: Int { get }

    /// Opens the devices and starts the threads. Throws an error whose description says what failed,
    /// on which device, and what to do.
    func start() throws
    /// Stops the threads and closes the devices. Idempotent.
    func stop()

    /// Drops everything queued for playback; sound stops within one period.
    func flushPlayback()
    /// Frames from `playbackRing` that have been played (written to the device and past its output
    /// delay), counted since the engine started.
    var playedFrames: Int { get }
    /// True when nothing is queued or still sounding.
    var isPlaybackIdle: Bool { get }
    /// The device's output latency in session-rate frames (`snd_pcm_delay`).
    var outputDelayFrames: Int { get }

    /// Software volume, 0…100, and mute of the speaker.
    func setVolume(percent: Int)
    func statistics() -> AudioEngineStatistics

    /// Whether the daemon needs microphone audio now. While it does not (idle: no turn, nothing to
    /// interrupt) an engine may pause capture so the microphone costs no wake-ups; `true` resumes it
    /// at once. Default: ignored (capture always runs).
    func setCaptureNeeded(_ needed: Bool)
    /// The daemon will want to look at the microphone's audio once `captureRing` has been written up to
    /// `position` (see `AudioRingBuffer.writePosition`): the frame that would end the user's turn if the silence
    /// so far holds. An engine that reads the device in batches (a whole outgoing chunk per wake-up) ends a batch
    /// there instead of reading past it, so the end of a turn is heard when it happens. Nil: no such moment.
    /// Default: ignored.
    func setCaptureLookPoint(_ position: Int?)
    /// The daemon's state changed outside its audio loop (a release, a reply arriving): a wait for capture already
    /// under way was planned for the old state (the rest of a listening chunk) and ends now, so the loop plans
    /// afresh. Default: nothing to do.
    func endCaptureWait()
    /// Tells the engine that audio was just written into `playbackRing`, so an engine that stopped
    /// its speaker while nothing played restarts it now. Default: nothing to do.
    func playbackRingWritten()
    /// When the capture stream was heard, in session-rate samples of the engine's monotonic clock:
    /// sample `p` of `captureRing` (see `AudioRingBuffer.writePosition`) was captured at
    /// `captureOrigin + p`. It changes only when the stream restarts after a gap (a paused
    /// microphone, an xrun). Nil: unknown, and the rings are aligned by count.
    var captureOrigin: Int? { get }
    /// The same for `referenceRing`: sample `p` sounded at `referenceOrigin + p`. Playback may stop
    /// while nothing plays; the reference then has a gap, which counts as silence.
    var referenceOrigin: Int? { get }

    /// Latency probe of reply audio: report when the sample that will sit at `position` of
    /// `playbackRing` (see `AudioRingBuffer.writePosition`; it may not be written yet) is let through
    /// the jitter pre-buffer and written to the device. Replaces an earlier watch. Default: no report.
    func watchPlayback(position: Int)
    /// The watched sample's report once it was written to the device, else nil (also nil from an
    /// engine that cannot tell). Reading it does not clear it; the next `watchPlayback` does.
    func playbackWatchReport() -> PlaybackWatchReport?
}

/// When the sample `AudioEngine.watchPlayback(position:)` named got through the engine, measured
/// from the `watchPlayback` call on the engine's own clock.
public struct PlaybackWatchReport: Sendable, Equatable {
    /// Watch → the jitter pre-buffer let it play: enough audio queued, or the first audio waited
    /// the pre-buffer's length. Zero when audio was already playing when it was queued.
    public var playable: Duration
    /// Watch → written to the device (`snd_pcm_writei` returned).
    public var written: Duration

    public init(playable: Duration, written: Duration) {
        self.playable = playable
        self.written = written
    }
}

extension AudioEngine {
    public func setCaptureNeeded(_ needed: Bool) {}
    public func setCaptureLookPoint(_ position: Int?) {}
    public func endCaptureWait() {}
    public func playbackRingWritten() {}
    public var captureOrigin: Int? { nil }
    public var referenceOrigin: Int? { nil }
    public func watchPlayback(position: Int) {}
    public func playbackWatchReport() -> PlaybackWatchReport? { nil }
}

/// Counters and state the engine publishes for status.
public struct AudioEngineStatistics: Sendable, Equatable {
    public var state: String = "stopped"
    public var captureDevice: String = ""
    public var playbackDevice: String = ""
    public var captureRate: Int = 0
    public var playbackRate: Int = 0
    public var captureXruns: Int = 0
    public var playbackXruns: Int = 0
    public var playbackUnderruns: Int = 0
    public var captureDroppedSamples: Int = 0
    public var lastError: String?
    public init() {}
}

import Glibc

/// Monotonic time in nanoseconds. The corresponding C function is `clock_gettime(CLOCK_MONOTONIC)`.
@inline(__always)
func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

/// Sleeps until an absolute monotonic time; returns early only if interrupted (callers loop).
@inline(__always)
func sleepUntil(nanoseconds deadline: Int64) {
    var target = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
}

/// Paces a thread to the wall clock for devices that have none (ALSA's `null` PCM consumes and
/// produces frames as fast as it is asked).
///
/// The deadline of frame `n` is `anchor + n / rate`; `lead` frames may run ahead (the playback
/// prefill). Frames are folded into the anchor every second so the arithmetic never overflows.
struct Pacer {
    let rate: Int
    let leadFrames: Int
    private var anchor: Int64 = 0
    private var frames: Int = 0
    private var started = false

    init(rate: Int, leadFrames: Int = 0) {
        self.rate = rate
        self.leadFrames = leadFrames
    }

    /// Counts `count` frames as done and sleeps until they are due.
    mutating func advance(by count: Int) {
        let now = monotonicNanoseconds()
        if !started {
            started = true
            anchor = now
            frames = 0
        }
        frames += count
        if frames >= rate {
            anchor += Int64(frames / rate) * 1_000_000_000
            frames %= rate
        }
        let due = anchor + Int64(frames - leadFrames) * 1_000_000_000 / Int64(rate)
        if now - due > 200_000_000 {
            // Far behind (the thread was stalled, or a device reopened): start a new rhythm rather
            // than catching up in a burst.
            anchor = now
            frames = leadFrames
            return
        }
        if due > now { sleepUntil(nanoseconds: due) }
    }

    /// Forgets the rhythm; the next `advance` starts a new one.
    mutating func restart() { started = false }
}

/// Decides, for `pace: auto`, whether a device runs much faster than real time.
///
/// After `graceFrames` (frames a device may legitimately take at once, e.g. filling its playback
/// buffer), it measures windows of 200 ms of audio; a window that took less than a quarter of its
/// duration means the device has no clock of its own. A device with a clock cannot do that once
/// its buffer is full, while a clockless one can be slowed below the threshold by a busy CPU, so
/// the detector keeps watching until it fires.
struct PaceDetector {
    let rate: Int
    let graceFrames: Int
    private(set) var decided = false
    private var framesSeen = 0
    private var windowFrames = 0
    private var windowStart: Int64 = 0

    init(rate: Int, graceFrames: Int) {
        self.rate = rate
        self.graceFrames = graceFrames
    }

    /// Counts frames just transferred. Returns true once, when pacing should be switched on.
    mutating func record(frames count: Int) -> Bool {
        guard !decided else { return false }
        if framesSeen < graceFrames {
            framesSeen += count
            windowStart = monotonicNanoseconds()
            return false
        }
        windowFrames += count
        guard windowFrames * 5 >= rate else { return false }
        let now = monotonicNanoseconds()
        let elapsed = now - windowStart
        let audio = Int64(windowFrames) * 1_000_000_000 / Int64(rate)
        windowFrames = 0
        windowStart = now
        decided = elapsed * 4 < audio
        return decided
    }
}

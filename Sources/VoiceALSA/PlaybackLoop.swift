import Glibc
import Synchronization
import VoiceCore
import VoiceDSP

/// Preallocated memory and DSP for one playback period.
final class PlaybackBuffers {
    let session: UnsafeMutableBufferPointer<Int16>
    let converter: PlaybackConverter
    let raw: UnsafeMutableRawBufferPointer

    init(sessionPeriodFrames: Int, sessionRate: Int, parameters: PCMParameters, volume: SoftwareVolume) {
        session = .allocate(capacity: sessionPeriodFrames)
        session.initialize(repeating: 0)
        converter = PlaybackConverter(
            sessionRate: sessionRate, deviceRate: parameters.rate, format: parameters.format,
            channels: parameters.channels, maximumPeriodSamples: sessionPeriodFrames, volume: volume
        )
        raw = .allocate(byteCount: converter.maximumOutputFrames * parameters.bytesPerFrame, alignment: 16)
    }

    deinit {
        session.deallocate()
        raw.deallocate()
    }
}

/// What each recent period held, newest last, so the frames still inside the device (per
/// `snd_pcm_delay`) can be split into reply audio and silence. Fixed capacity: no allocation.
struct PlayedTimeline: ~Copyable {
    private let sessionFrames: UnsafeMutablePointer<Int>
    private let replyFrames: UnsafeMutablePointer<Int>
    private let capacity: Int
    private var newest = -1
    private var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        sessionFrames = .allocate(capacity: capacity)
        replyFrames = .allocate(capacity: capacity)
    }

    deinit {
        sessionFrames.deallocate()
        replyFrames.deallocate()
    }

    /// A period of `session` frames whose first `reply` frames were reply audio (the rest silence).
    mutating func append(session: Int, reply: Int) {
        newest = (newest + 1) % capacity
        sessionFrames[newest] = session
        replyFrames[newest] = reply
        count = min(count + 1, capacity)
    }

    mutating func removeAll() {
        count = 0
    }

    /// Reply frames among the newest `pending` session frames (those not yet heard).
    func replyFrames(inNewest pending: Int) -> Int {
        var remaining = pending
        var reply = 0
        var index = newest
        var visited = 0
        while remaining > 0, visited < count {
            let frames = sessionFrames[index]
            let covered = min(frames, remaining)
            // Reply frames sit at the start of their period, so the newest `covered` frames of it
            // hold `reply - (frames - covered)` of them.
            reply += max(0, replyFrames[index] - (frames - covered))
            remaining -= covered
            visited += 1
            index = (index - 1 + capacity) % capacity
        }
        return reply
    }
}

/// The playback thread's body: `playbackRing` → jitter buffer → volume → device rate → device
/// format → `snd_pcm_writei`, one period at a time, silence when there is nothing to play.
final class PlaybackLoop {
    private let link: DeviceLink
    private let ring: AudioRingBuffer
    private let referenceRing: AudioRingBuffer
    private let shared: EngineSharedState
    private let sessionRate: Int
    private let sessionPeriodFrames: Int
    private let prebufferFrames: Int
    private let prebufferPeriods: Int
    /// A reply that runs dry and continues within this many periods counts as an underrun; a
    /// longer pause is the end of one reply and the start of the next.
    private let underrunWindowPeriods: Int
    private let pace: AudioSettings.Pacing
    /// How far the reference's timing may wander before its origin is moved (two periods).
    private let originTolerance: Int
    private var buffers: PlaybackBuffers
    private var timeline = PlayedTimeline(capacity: 128)
    private var pacer: Pacer
    private var detector: PaceDetector
    private var pacing: Bool

    private var seenFlushGeneration = 0
    private var bursting = false
    private var waitingPeriods = 0
    private var ranDry = false
    private var dryPeriods = 0
    private var replyFramesWritten = 0
    private var playedBeforeTimeline = 0

    init(
        link: DeviceLink, ring: AudioRingBuffer, referenceRing: AudioRingBuffer, shared: EngineSharedState,
        settings: AudioSettings, underrunWindowMilliseconds: Int
    ) {
        self.link = link
        self.ring = ring
        self.referenceRing = referenceRing
        self.shared = shared
        sessionRate = settings.sessionRate
        sessionPeriodFrames = settings.sessionRate * settings.periodMilliseconds / 1000
        prebufferFrames = settings.sessionRate * settings.playbackPrebufferMilliseconds / 1000
        prebufferPeriods = settings.playbackPrebufferMilliseconds / settings.periodMilliseconds
        underrunWindowPeriods = max(1, underrunWindowMilliseconds / settings.periodMilliseconds)
        pace = settings.pace
        originTolerance = 2 * sessionPeriodFrames
        let parameters = link.parameters
        buffers = PlaybackBuffers(
            sessionPeriodFrames: sessionPeriodFrames, sessionRate: sessionRate, parameters: parameters,
            volume: SoftwareVolume(
                percent: shared.volumePercent.load(ordering: .relaxed), sampleRate: settings.sessionRate
            )
        )
        // Two periods of lead: the prefill that keeps the first writes from underrunning.
        pacer = Pacer(rate: settings.sessionRate, leadFrames: 2 * sessionPeriodFrames)
        let bufferInSession = parameters.bufferFrames * settings.sessionRate / max(parameters.rate, 1)
        detector = PaceDetector(rate: settings.sessionRate, graceFrames: bufferInSession + 2 * sessionPeriodFrames)
        pacing = settings.pace == .on
        shared.playback.pacing.store(pacing, ordering: .relaxed)
        seenFlushGeneration = shared.flushGeneration.load(ordering: .acquiring)
    }

    func run() {
        while !shared.stopRequested.load(ordering: .relaxed) {
            guard link.isOpen else {
                waitForDevice()
                continue
            }
            honourFlush()
            if shared.quiesceWhenIdle, isQuiet {
                stopUntilAudio()
                continue
            }
            let reply = takeReplyFrames()
            let written = render(replyFrames: reply)
            if written {
                replyFramesWritten += reply
                timeline.append(session: sessionPeriodFrames, reply: reply)
                if reply > 0 { shared.markWatchWritten(readUpTo: ring.readPosition) }
            }
            publishPlayedFrames()
            shared.playbackBusy.store(false, ordering: .releasing)
            shared.playback.transfers.add(1, ordering: .relaxed)
            keepTime(frames: sessionPeriodFrames)
        }
    }

    /// A flush request from async code: forget queued reply audio, and what the device still holds.
    private func honourFlush() {
        let generation = shared.flushGeneration.load(ordering: .acquiring)
        guard generation != seenFlushGeneration else { return }
        seenFlushGeneration = generation
        ring.discardAll()
        setBursting(false)
        waitingPeriods = 0
        ranDry = false
        publishPlayedFrames()
        if shared.replyFramesInDevice.load(ordering: .relaxed) > 0 {
            // Reply audio is still queued in the device: drop it so sound stops now, not one
            // buffer later. The device restarts from the prefill.
            if link.backend.drop() < 0 || link.backend.prepare() < 0 {
                _ = link.handle(error: -EBADFD, during: .prepare)
            }
            playedBeforeTimeline = shared.playedFrames.load(ordering: .relaxed)
            replyFramesWritten = 0
            timeline.removeAll()
            shared.replyFramesInDevice.store(0, ordering: .relaxed)
            buffers.converter.reset()
            pacer.restart()
        }
    }

    /// Nothing to play, no reply that might continue (the underrun window has passed), and nothing
    /// of a reply still inside the device: writing more silence would only cost wake-ups.
    private var isQuiet: Bool {
        !bursting && waitingPeriods == 0 && !ranDry && ring.availableToRead == 0
            && shared.replyFramesInDevice.load(ordering: .acquiring) == 0
    }

    /// Stops the device (what it still holds is silence) and sleeps until audio is queued, a flush
    /// comes, or the engine stops. The echo reference then has a gap, which the reader treats as
    /// silence; its origin moves when the stream restarts.
    private func stopUntilAudio() {
        if link.backend.drop() < 0 || link.backend.prepare() < 0 {
            _ = link.handle(error: -EBADFD, during: .prepare)
            return
        }
        playedBeforeTimeline = shared.playedFrames.load(ordering: .relaxed)
        replyFramesWritten = 0
        timeline.removeAll()
        shared.outputDelayFrames.store(0, ordering: .relaxed)
        shared.playbackStopped.store(true, ordering: .releasing)
        let generation = seenFlushGeneration
        while !shared.stopRequested.load(ordering: .relaxed), ring.availableToRead == 0,
            shared.flushGeneration.load(ordering: .acquiring) == generation
        {
            shared.playbackResume.wait(timeoutNanoseconds: 1_000_000_000)
        }
        buffers.converter.reset()
        pacer.restart()
        shared.playbackStopped.store(false, ordering: .releasing)
    }

    /// Published so the daemon's side can tell that audio queued now plays without a pre-buffer wait.
    private func setBursting(_ value: Bool) {
        bursting = value
        shared.playbackBursting.store(value, ordering: .releasing)
    }

    /// Fills `buffers.session` with the next period: reply audio, then silence.
    /// - Returns: how many frames are reply audio.
    private func takeReplyFrames() -> Int {
        let session = buffers.session
        let available = ring.availableToRead
        if !bursting {
            if available == 0 {
                waitingPeriods = 0
                if ranDry {
                    dryPeriods += 1
                    if dryPeriods > underrunWindowPeriods { ranDry = false }
                }
                session.update(repeating: 0)
                return 0
            }
            if ranDry {
                shared.playbackUnderruns.add(1, ordering: .relaxed)
                ranDry = false
            }
            // Jitter buffer: start a burst once the pre-buffer is queued, or once the first audio
            // has waited that long (a reply or earcon shorter than the pre-buffer).
            if available >= prebufferFrames || waitingPeriods >= prebufferPeriods {
                setBursting(true)
                shared.markWatchPlayable(queuedUpTo: ring.writePosition)
            } else {
                waitingPeriods += 1
                session.update(repeating: 0)
                return 0
            }
        }
        // Busy until the frames taken here are published as written (see `isPlaybackIdle`).
        shared.playbackBusy.store(true, ordering: .releasing)
        let reply = ring.read(into: session)
        if reply < session.count {
            UnsafeMutableBufferPointer(rebasing: session[reply...]).update(repeating: 0)
            setBursting(false)
            waitingPeriods = 0
            ranDry = true
            dryPeriods = 0
        }
        return reply
    }

    /// Volume, echo reference, resampling, device format, write.
    /// - Returns: false when the device was lost mid-period.
    private func render(replyFrames: Int) -> Bool {
        let parameters = link.parameters
        let converter = buffers.converter
        converter.volume.update(percent: shared.volumePercent.load(ordering: .relaxed), isMuted: false)
        // The converter applies the volume in place, so the session buffer is then exactly what
        // is played: the echo reference.
        let deviceFrames = converter.convert(buffers.session, into: buffers.raw)
        // This period's first sample sounds once what the device holds now has played.
        updateOrigin(
            shared.referenceOrigin,
            candidate: sampleClock(rate: sessionRate) + shared.outputDelayFrames.load(ordering: .relaxed)
                - referenceRing.writePosition,
            tolerance: originTolerance
        )
        referenceRing.write(UnsafeBufferPointer(buffers.session))
        let raw = buffers.raw.baseAddress!
        var offset = 0
        while offset < deviceFrames {
            let result = link.backend.writeInterleaved(
                from: raw + offset * parameters.bytesPerFrame, frames: deviceFrames - offset
            )
            if result < 0 {
                if link.handle(error: Int32(result), during: .writei) == .lost {
                    shared.replyFramesInDevice.store(0, ordering: .relaxed)
                    return false
                }
                continue
            }
            offset += result
        }
        shared.playback.frames.add(deviceFrames, ordering: .relaxed)
        return true
    }

    /// Played = reply frames written, minus those still inside the device (`snd_pcm_delay`).
    private func publishPlayedFrames() {
        var deviceDelay = 0
        if !link.isOpen || link.backend.delay(&deviceDelay) != 0 || deviceDelay < 0 { deviceDelay = 0 }
        let parameters = link.parameters
        let delayInDevice = deviceDelay + (deviceDelay > 0 ? buffers.converter.delayFrames : 0)
        let delay = delayInDevice * sessionRate / max(parameters.rate, 1)
        let pending = timeline.replyFrames(inNewest: delay)
        shared.outputDelayFrames.store(delay, ordering: .relaxed)
        shared.replyFramesInDevice.store(pending, ordering: .releasing)
        shared.playedFrames.store(playedBeforeTimeline + replyFramesWritten - pending, ordering: .releasing)
    }

    private func keepTime(frames: Int) {
        if pace == .auto, detector.record(frames: frames) {
            pacing = true
            shared.playback.pacing.store(true, ordering: .relaxed)
        }
        if pacing { pacer.advance(by: frames) }
    }

    /// While the device is lost: nothing can sound, so queued reply audio is dropped (the daemon
    /// sees playback idle) and the echo reference keeps flowing as silence.
    private func waitForDevice() {
        let slice = link.waitSlice(cap: 100_000_000)
        if slice > 0 { sleepUntil(nanoseconds: monotonicNanoseconds() + slice) }
        ring.discardAll()
        setBursting(false)
        ranDry = false
        referenceRing.writeSilence(count: Int(slice * Int64(sessionRate) / 1_000_000_000))
        guard link.reopenIfDue() else { return }
        buffers = PlaybackBuffers(
            sessionPeriodFrames: sessionPeriodFrames, sessionRate: sessionRate, parameters: link.parameters,
            volume: buffers.converter.volume
        )
        playedBeforeTimeline = shared.playedFrames.load(ordering: .relaxed)
        replyFramesWritten = 0
        timeline.removeAll()
        pacer.restart()
    }
}

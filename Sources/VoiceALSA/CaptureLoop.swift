import Glibc
import Synchronization
import VoiceCore
import VoiceDSP

/// Preallocated memory and DSP for one capture period.
final class CaptureBuffers {
    let raw: UnsafeMutableRawPointer
    let rawByteCount: Int
    let converter: CaptureConverter
    let samples: UnsafeMutableBufferPointer<Int16>

    /// Room for `batchPeriods` periods: one read may take several (see `CaptureLoop`).
    init(parameters: PCMParameters, sessionRate: Int, selection: ChannelSelection, batchPeriods: Int = 1) {
        let maximumFrames = parameters.periodFrames * max(batchPeriods, 1)
        rawByteCount = maximumFrames * parameters.bytesPerFrame
        raw = .allocate(byteCount: rawByteCount, alignment: 16)
        converter = CaptureConverter(
            deviceRate: parameters.rate, sessionRate: sessionRate, format: parameters.format,
            channels: parameters.channels, selection: selection, maximumPeriodFrames: maximumFrames
        )
        samples = .allocate(capacity: converter.maximumOutputCount)
    }

    deinit {
        raw.deallocate()
        samples.deallocate()
    }
}

/// The capture thread's body: device → mono → session rate → Int16 → `captureRing`.
///
/// Normally one period per read. When the daemon waits for more than a period (the rest of a 100 ms
/// chunk while a turn is spoken), the thread reads all of it at once — up to `batchPeriods`, with
/// `avail_min` raised to match — so it wakes once per chunk instead of once per period.
final class CaptureLoop {
    private let link: DeviceLink
    private let ring: AudioRingBuffer
    private let shared: EngineSharedState
    private let selection: ChannelSelection
    private let sessionRate: Int
    private let pace: AudioSettings.Pacing
    private let waiter: CaptureWaiter?
    /// How far the stream's timing may wander before its origin is moved (two periods).
    private let originTolerance: Int
    private var buffers: CaptureBuffers
    /// The most periods one read may take (fits the device buffer with room to spare).
    private var batchPeriods: Int
    private let wantedBatchPeriods: Int
    /// Periods of the previous read, and the `avail_min` in force.
    private var currentPeriods = 1
    private var availableMinimumPeriods = 1
    private var pacer: Pacer
    private var detector: PaceDetector
    private var pacing: Bool

    init(
        link: DeviceLink, ring: AudioRingBuffer, shared: EngineSharedState, settings: AudioSettings,
        waiter: CaptureWaiter? = nil, batchPeriods: Int = 1
    ) {
        self.link = link
        self.ring = ring
        self.shared = shared
        self.waiter = waiter
        originTolerance = 2 * settings.sessionRate * settings.periodMilliseconds / 1000
        selection = settings.channel
        sessionRate = settings.sessionRate
        pace = settings.pace
        let parameters = link.parameters
        wantedBatchPeriods = max(batchPeriods, 1)
        self.batchPeriods = Self.batchPeriods(wantedBatchPeriods, parameters: parameters)
        buffers = CaptureBuffers(
            parameters: parameters, sessionRate: sessionRate, selection: selection, batchPeriods: self.batchPeriods
        )
        pacer = Pacer(rate: parameters.rate)
        detector = PaceDetector(rate: parameters.rate, graceFrames: 0)
        pacing = settings.pace == .on
        shared.capture.pacing.store(pacing, ordering: .relaxed)
    }

    func run() {
        while !shared.stopRequested.load(ordering: .relaxed) {
            guard link.isOpen else {
                waitForDevice()
                continue
            }
            if shared.quiesceWhenIdle, !shared.captureNeeded.load(ordering: .acquiring) {
                pause()
                continue
            }
            let parameters = link.parameters
            let periods = periodsToRead()
            let frames = periods * parameters.periodFrames
            // libasound's file plugin leaves the buffer untouched at the end of its input file:
            // clear it so stale audio is never captured twice.
            buffers.raw.initializeMemory(as: UInt8.self, repeating: 0, count: frames * parameters.bytesPerFrame)
            let result = link.backend.readInterleaved(into: buffers.raw, frames: frames)
            if result < 0 {
                if link.handle(error: Int32(result), during: .readi) == .recovered { pacer.restart() }
                continue
            }
            if result > 0 {
                deliver(frames: result, parameters: parameters)
                shared.capture.frames.add(result, ordering: .relaxed)
            }
            shared.capture.transfers.add(1, ordering: .relaxed)
            keepTime(frames: max(result, parameters.periodFrames / 4))
        }
    }

    /// A batch must leave the device buffer two periods of room, or a late wake-up overruns it.
    private static func batchPeriods(_ wanted: Int, parameters: PCMParameters) -> Int {
        max(1, min(wanted, parameters.bufferFrames / max(parameters.periodFrames, 1) - 2))
    }

    /// How many periods the next read takes: what the daemon still waits for, in whole periods
    /// (the same as last time while it is between two waits), no further than the daemon's look point (the frame
    /// that would end a turn), and `avail_min` to match, so a device with its own clock wakes the thread once for
    /// the whole batch.
    private func periodsToRead() -> Int {
        var periods = 1
        if batchPeriods > 1, let waiter {
            let sessionPeriod = sessionRate * link.parameters.periodFrames / max(link.parameters.rate, 1)
            if let wanted = waiter.periodsWanted(periodSamples: sessionPeriod) {
                currentPeriods = min(max(wanted, 1), batchPeriods)
            }
            periods = currentPeriods
            // The batch is chosen before the daemon arms its next wait: the look point is how it says, one chunk
            // ahead, that it wants to look sooner than a whole batch from now.
            let lookPoint = shared.captureLookPoint.load(ordering: .relaxed)
            let untilLookPoint = lookPoint == Int.min ? 0 : lookPoint - ring.writePosition
            if untilLookPoint > 0, sessionPeriod > 0 {
                periods = min(periods, (untilLookPoint + sessionPeriod - 1) / sessionPeriod)
            }
        } else {
            currentPeriods = 1
        }
        if periods != availableMinimumPeriods {
            if link.backend.setAvailableMinimum(frames: periods * link.parameters.periodFrames) == 0 {
                availableMinimumPeriods = periods
            } else {
                currentPeriods = 1
                periods = 1
            }
        }
        return periods
    }

    private func deliver(frames: Int, parameters: PCMParameters) {
        let produced = buffers.converter.convert(
            UnsafeRawBufferPointer(start: buffers.raw, count: frames * parameters.bytesPerFrame), into: buffers.samples
        )
        // The origin first, so a reader that sees these samples sees their timing too.
        updateOrigin(
            shared.captureOrigin, candidate: sampleClock(rate: sessionRate) - (ring.writePosition + produced),
            tolerance: originTolerance
        )
        ring.write(UnsafeBufferPointer(rebasing: buffers.samples[0..<produced]))
        waiter?.captureDelivered()
    }

    /// The daemon is idle and needs no microphone: stop the device and sleep until it does (or the
    /// engine stops). Nothing is read meanwhile, so the thread costs no wake-ups; a press resumes
    /// it within the time of one `snd_pcm_prepare`. The stream's origin moves at the next delivery.
    private func pause() {
        _ = link.backend.drop()
        shared.capturePaused.store(true, ordering: .releasing)
        while !shared.stopRequested.load(ordering: .relaxed), !shared.captureNeeded.load(ordering: .acquiring) {
            shared.captureResume.wait(timeoutNanoseconds: 1_000_000_000)
        }
        let status = link.backend.prepare()
        if status < 0 { _ = link.handle(error: status, during: .prepare) }
        buffers.converter.reset()
        pacer.restart()
        shared.capturePaused.store(false, ordering: .releasing)
    }

    private func keepTime(frames: Int) {
        if pace == .auto, detector.record(frames: frames) {
            pacing = true
            shared.capture.pacing.store(true, ordering: .relaxed)
        }
        if pacing { pacer.advance(by: frames) }
    }

    private func waitForDevice() {
        let slice = link.waitSlice(cap: 100_000_000)
        if slice > 0 { sleepUntil(nanoseconds: monotonicNanoseconds() + slice) }
        guard link.reopenIfDue() else { return }
        let parameters = link.parameters
        batchPeriods = Self.batchPeriods(wantedBatchPeriods, parameters: parameters)
        buffers = CaptureBuffers(
            parameters: parameters, sessionRate: sessionRate, selection: selection, batchPeriods: batchPeriods
        )
        currentPeriods = 1
        availableMinimumPeriods = 1
        pacer = Pacer(rate: parameters.rate)
    }
}

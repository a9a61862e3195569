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

    init(parameters: PCMParameters, sessionRate: Int, selection: ChannelSelection) {
        rawByteCount = parameters.periodFrames * parameters.bytesPerFrame
        raw = .allocate(byteCount: rawByteCount, alignment: 16)
        converter = CaptureConverter(
            deviceRate: parameters.rate, sessionRate: sessionRate, format: parameters.format,
            channels: parameters.channels, selection: selection, maximumPeriodFrames: parameters.periodFrames
        )
        samples = .allocate(capacity: converter.maximumOutputCount)
    }

    deinit {
        raw.deallocate()
        samples.deallocate()
    }
}

/// The capture thread's body: device → mono → session rate → Int16 → `captureRing`.
final class CaptureLoop {
    private let link: DeviceLink
    private let ring: AudioRingBuffer
    private let shared: EngineSharedState
    private let selection: ChannelSelection
    private let sessionRate: Int
    private let pace: AudioSettings.Pacing
    private var buffers: CaptureBuffers
    private var pacer: Pacer
    private var detector: PaceDetector
    private var pacing: Bool

    init(link: DeviceLink, ring: AudioRingBuffer, shared: EngineSharedState, settings: AudioSettings) {
        self.link = link
        self.ring = ring
        self.shared = shared
        selection = settings.channel
        sessionRate = settings.sessionRate
        pace = settings.pace
        let parameters = link.parameters
        buffers = CaptureBuffers(parameters: parameters, sessionRate: sessionRate, selection: selection)
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
            let parameters = link.parameters
            // libasound's file plugin leaves the buffer untouched at the end of its input file:
            // clear it so stale audio is never captured twice.
            buffers.raw.initializeMemory(as: UInt8.self, repeating: 0, count: buffers.rawByteCount)
            let result = link.backend.readInterleaved(into: buffers.raw, frames: parameters.periodFrames)
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

    private func deliver(frames: Int, parameters: PCMParameters) {
        let produced = buffers.converter.convert(
            UnsafeRawBufferPointer(start: buffers.raw, count: frames * parameters.bytesPerFrame), into: buffers.samples
        )
        ring.write(UnsafeBufferPointer(rebasing: buffers.samples[0..<produced]))
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
        buffers = CaptureBuffers(parameters: parameters, sessionRate: sessionRate, selection: selection)
        pacer = Pacer(rate: parameters.rate)
    }
}

import Glibc
import Synchronization
import VoiceCore

@testable import VoiceALSA

/// The real libasound backend with faults a test can arm from its own thread: the next read or
/// write returns a chosen error instead of touching the device, and opens can be made to fail (a
/// USB microphone that is still unplugged).
final class FaultInjectingPCMBackend: PCMBackend, @unchecked Sendable {
    // @unchecked: `wrapped` is used only by the engine's thread (PCMBackend's rule); the fault
    // fields are atomics.
    private let wrapped = LibasoundPCMBackend()
    /// Returned (once) by the next read instead of reading; 0 = none.
    let nextReadFault = Atomic<Int32>(0)
    /// Returned (once) by the next write instead of writing; 0 = none.
    let nextWriteFault = Atomic<Int32>(0)
    /// Opens still to fail with -ENODEV.
    let failingOpens = Atomic<Int>(0)
    let openAttempts = Atomic<Int>(0)
    /// Each read or write blocks this long first, like a device with its own clock.
    let blockNanosecondsPerTransfer = Atomic<Int>(0)
    /// Each read blocks this long per frame it asks for, as a device's clock makes a blocking read wait for the whole
    /// batch (the software card delivers at once).
    let blockNanosecondsPerReadFrame = Atomic<Int>(0)
    let recoverCalls = Atomic<Int>(0)

    func open(_ request: PCMOpenRequest) throws(ALSAError) -> PCMParameters {
        openAttempts.add(1, ordering: .relaxed)
        if failingOpens.load(ordering: .relaxed) > 0 {
            failingOpens.subtract(1, ordering: .relaxed)
            throw ALSAError(device: request.device, direction: request.stream.name, call: "snd_pcm_open", code: -ENODEV)
        }
        return try wrapped.open(request)
    }

    func close() { wrapped.close() }

    func readInterleaved(into buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        let fault = nextReadFault.exchange(0, ordering: .relaxed)
        if fault != 0 { return Int(fault) }
        block(extra: frames * blockNanosecondsPerReadFrame.load(ordering: .relaxed))
        return wrapped.readInterleaved(into: buffer, frames: frames)
    }

    func writeInterleaved(from buffer: UnsafeRawPointer, frames: Int) -> Int {
        let fault = nextWriteFault.exchange(0, ordering: .relaxed)
        if fault != 0 { return Int(fault) }
        block()
        return wrapped.writeInterleaved(from: buffer, frames: frames)
    }

    private func block(extra: Int = 0) {
        let nanoseconds = blockNanosecondsPerTransfer.load(ordering: .relaxed) + extra
        guard nanoseconds > 0 else { return }
        var duration = timespec(tv_sec: nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
        nanosleep(&duration, nil)
    }

    func recover(from code: Int32) -> Int32 {
        recoverCalls.add(1, ordering: .relaxed)
        return wrapped.recover(from: code)
    }

    func prepare() -> Int32 { wrapped.prepare() }
    func drop() -> Int32 { wrapped.drop() }
    func setAvailableMinimum(frames: Int) -> Int32 { wrapped.setAvailableMinimum(frames: frames) }
    func delay(_ frames: inout Int) -> Int32 { wrapped.delay(&frames) }
}

struct FaultInjectingFactory: PCMBackendFactory {
    let capture = FaultInjectingPCMBackend()
    let playback = FaultInjectingPCMBackend()

    func makeBackend(for stream: PCMStream) -> any PCMBackend { stream == .capture ? capture : playback }
}

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
    }

    public init(sessionRate: Int = 24_000, ringSeconds: Int = 4) {
        self.sessionRate = sessionRate
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
    /// reference is produced by playing out as many frames, as a duplex device would).
    public func hear(_ samples: [Int16]) {
        _ = samples.withUnsafeBufferPointer { captureRing.write($0) }
        playOut(frames: samples.count)
    }

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

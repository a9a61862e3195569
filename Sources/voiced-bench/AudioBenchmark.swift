import ArgumentParser
import CVoicedBenchAllocations
import Foundation
import VoiceALSA
import VoiceCore
import VoiceDSP

/// `voiced-bench audio`: the ALSA engine's capture and playback threads over ALSA's `file` PCM on
/// `null`, unpaced, so each thread runs flat out and its CPU time per audio second is the cost of
/// the path (libasound's file plugin, format conversion, resampling, volume, rings). Also counts
/// the allocations made on the two real-time threads in steady state, unpaced and paced.
struct AudioBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "ALSA engine capture/playback CPU per audio hour and allocations on the real-time threads."
    )

    @Option(help: "Audio seconds each path processes in the measured window.")
    var seconds: Double = 300

    @Option(help: "Device rate in Hz.")
    var deviceRate: Int = 48_000

    @Option(help: "Device channels (1 or 2).")
    var channels: Int = 2

    @Option(help: "Device format: S16_LE or S32_LE.")
    var format: String = "S32_LE"

    @Option(help: "Session rate in Hz.")
    var sessionRate: Int = 24_000

    @Option(help: "Period length in ms.")
    var periodMs: Int = 20

    @Option(help: "Seconds of the paced (real-time) allocation check; 0 skips it.")
    var pacedSeconds: Double = 3

    @Option(
        help:
            "What the file PCMs sit on: null (no clock, measured unpaced) or pulse (a running PulseAudio: only the real-time allocation check runs)."
    )
    var slave: String = "null"

    func run() throws {
        guard let sampleFormat = AudioSettings.SampleFormat(rawValue: format), sampleFormat != .auto else {
            throw ValidationError("--format must be S16_LE or S32_LE")
        }
        guard slave == "null" || slave == "pulse" else { throw ValidationError("--slave must be null or pulse") }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("voiced-bench-audio-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // One second of input; after its end the file PCM delivers (cleared) silence, which costs
        // the capture path the same. Playback goes to /dev/null.
        let bytesPerSample = sampleFormat == .s16LE ? 2 : 4
        let inputPath = directory.appendingPathComponent("capture.raw").path
        try Self.toneBytes(rate: deviceRate, channels: channels, bytesPerSample: bytesPerSample)
            .write(to: URL(fileURLWithPath: inputPath))
        let configPath = directory.appendingPathComponent("asound.conf").path
        try Self.configuration(inputPath: inputPath, slave: slave).write(
            toFile: configPath, atomically: true, encoding: .utf8)

        var settings = AudioSettings()
        settings.alsaConfigPath = configPath
        settings.deviceRate = deviceRate
        settings.channels = channels
        settings.format = sampleFormat
        settings.sessionRate = sessionRate
        settings.periodMilliseconds = periodMs
        settings.pace = .off

        print(
            "audio: device \(deviceRate) Hz \(format) \(channels) ch ↔ session \(sessionRate) Hz mono, "
                + "\(periodMs) ms periods, ALSA file PCM over \(slave)"
        )
        print(
            "  allocation counter self-check: \(Self.selfCheckAllocations()) counted for one buffer allocated on a named thread"
        )
        if slave == "pulse" {
            settings.pace = .auto
            let clocked = try measure(settings: settings, audioSeconds: pacedSeconds)
            print(
                "  allocations on the real-time threads over PulseAudio (\(pacedSeconds) s): capture "
                    + "\(clocked.capture.allocations) in \(clocked.capture.periods) periods, playback "
                    + "\(clocked.playback.allocations) in \(clocked.playback.periods) periods"
            )
            return
        }
        let unpaced = try measure(settings: settings, audioSeconds: seconds)
        for (name, path) in [("capture", unpaced.capture), ("playback", unpaced.playback)] {
            let perHour = path.cpuSeconds / path.audioSeconds * 3600
            print(
                String(
                    format: "  %@ path: %.1f s of audio in %.3f s CPU → %.1f CPU-seconds per audio hour "
                        + "(%.2f %% of one core)",
                    name, path.audioSeconds, path.cpuSeconds, perHour, perHour / 36
                )
            )
        }
        print(
            "  allocations on the real-time threads, unpaced steady state: capture \(unpaced.capture.allocations) "
                + "in \(unpaced.capture.periods) periods, playback \(unpaced.playback.allocations) "
                + "in \(unpaced.playback.periods) periods (xruns recovered: capture \(unpaced.capture.recoveries), "
                + "playback \(unpaced.playback.recoveries))"
        )
        if pacedSeconds > 0 {
            settings.pace = .on
            let paced = try measure(settings: settings, audioSeconds: pacedSeconds)
            print(
                "  allocations on the real-time threads, paced (\(pacedSeconds) s real time): capture "
                    + "\(paced.capture.allocations) in \(paced.capture.periods) periods, playback "
                    + "\(paced.playback.allocations) in \(paced.playback.periods) periods"
            )
        }
    }

    struct PathFigures {
        var audioSeconds: Double
        var cpuSeconds: Double
        var periods: Int
        var allocations: UInt
        /// Xruns and suspends recovered in the window (recovery may allocate inside libasound).
        var recoveries: Int
    }

    /// Runs the engine, warms it up, then measures one window in which each thread processes at
    /// least `audioSeconds` of audio.
    private func measure(settings: AudioSettings, audioSeconds: Double) throws -> (
        capture: PathFigures, playback: PathFigures
    ) {
        let engine = ALSAAudioEngine(settings: settings, playbackRingSeconds: 4)
        try engine.start()
        defer { engine.stop() }
        let reply = (0..<(sessionRate / 10)).map {
            Int16(8_000 * sin(2 * Double.pi * 440 * Double($0) / Double(sessionRate)))
        }
        func service() {
            // The daemon's side: keep reply audio queued, consume what the threads produce.
            if engine.playbackRing.availableToRead < sessionRate / 2 {
                reply.withUnsafeBufferPointer { _ = engine.playbackRing.write($0) }
            }
            engine.captureRing.discardAll()
            engine.referenceRing.discardAll()
        }
        func waitFor(_ condition: () -> Bool) {
            while !condition() {
                service()
                usleep(1_000)
            }
        }
        waitFor { engine.counters().capture.transfers >= 100 && engine.counters().playback.transfers >= 100 }

        guard let captureThread = Self.threadID(named: "voiced-capture"),
            let playbackThread = Self.threadID(named: "voiced-playback")
        else { throw ValidationError("cannot find the audio threads in /proc/self/task") }
        let start = engine.counters()
        let captureCPU = Self.cpuNanoseconds(thread: captureThread)
        let playbackCPU = Self.cpuNanoseconds(thread: playbackThread)
        voiced_bench_reset_allocations()
        voiced_bench_count_allocations(0, "voiced-capture")
        voiced_bench_count_allocations(1, "voiced-playback")
        waitFor {
            let now = engine.counters()
            return Double(now.capture.frames - start.capture.frames) >= audioSeconds * Double(now.capture.rate)
                && Double(now.playback.frames - start.playback.frames) >= audioSeconds * Double(now.playback.rate)
        }
        voiced_bench_stop_counting()
        let end = engine.counters()
        let capture = PathFigures(
            audioSeconds: Double(end.capture.frames - start.capture.frames) / Double(end.capture.rate),
            cpuSeconds: Double(Self.cpuNanoseconds(thread: captureThread) - captureCPU) / 1e9,
            periods: end.capture.transfers - start.capture.transfers,
            allocations: voiced_bench_allocations(0),
            recoveries: end.capture.xruns + end.capture.suspends - start.capture.xruns - start.capture.suspends
        )
        let playback = PathFigures(
            audioSeconds: Double(end.playback.frames - start.playback.frames) / Double(end.playback.rate),
            cpuSeconds: Double(Self.cpuNanoseconds(thread: playbackThread) - playbackCPU) / 1e9,
            periods: end.playback.transfers - start.playback.transfers,
            allocations: voiced_bench_allocations(1),
            recoveries: end.playback.xruns + end.playback.suspends - start.playback.xruns - start.playback.suspends
        )
        return (capture, playback)
    }

    /// Proves the counter sees allocations: a thread named like the audio threads makes one array.
    private static func selfCheckAllocations() -> UInt {
        voiced_bench_reset_allocations()
        voiced_bench_count_allocations(0, "voiced-check")
        let thread = Thread {
            Thread.current.name = "voiced-check"
            let buffer = UnsafeMutablePointer<Int>.allocate(capacity: 1_000)
            buffer.deallocate()
        }
        thread.start()
        while !thread.isFinished { usleep(1_000) }
        voiced_bench_stop_counting()
        return voiced_bench_allocations(0)
    }

    /// The kernel thread id of this process's thread with that name.
    private static func threadID(named name: String) -> String? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.first { task in
            let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
            return comm?.trimmingCharacters(in: .whitespacesAndNewlines) == name
        }
    }

    /// Time the thread has spent on a CPU, from the scheduler's statistics.
    private static func cpuNanoseconds(thread: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/task/\(thread)/schedstat", encoding: .utf8)) ?? ""
        return Int(text.split(separator: " ").first ?? "") ?? 0
    }

    private static func configuration(inputPath: String, slave: String) -> String {
        """
        pcm.bench_playback {
            type file
            slave.pcm { type \(slave) }
            file "/dev/null"
            format "raw"
        }
        pcm.bench_capture {
            type file
            slave.pcm { type \(slave) }
            file "/dev/null"
            infile "\(inputPath)"
            format "raw"
        }
        pcm.!default {
            type asym
            playback.pcm "bench_playback"
            capture.pcm "bench_capture"
        }

        """
    }

    /// One second of a 440 Hz tone, interleaved, little-endian, in the upper bits of the sample.
    private static func toneBytes(rate: Int, channels: Int, bytesPerSample: Int) -> Data {
        var data = Data(capacity: rate * channels * bytesPerSample)
        for index in 0..<rate {
            let value = 0.5 * sin(2 * Double.pi * 440 * Double(index) / Double(rate))
            for _ in 0..<channels {
                if bytesPerSample == 2 {
                    withUnsafeBytes(of: Int16(value * 32_767).littleEndian) { data.append(contentsOf: $0) }
                } else {
                    withUnsafeBytes(of: Int32(value * 2_147_483_647).littleEndian) { data.append(contentsOf: $0) }
                }
            }
        }
        return data
    }
}

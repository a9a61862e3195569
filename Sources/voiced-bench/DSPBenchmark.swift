import ArgumentParser
import VoiceDSP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `voiced-bench dsp`: CPU cost of the audio threads' DSP per hour of audio.
///
/// Runs the same `CaptureConverter` / `PlaybackConverter` the ALSA threads use, one period at a
/// time, and reads this thread's CPU clock around the loop. Prints figures, asserts nothing.
struct DSPBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsp",
        abstract: "CPU seconds per hour of audio for capture/playback conversion and resampling."
    )

    @Option(help: "Seconds of audio pushed through each of the two main paths.")
    var seconds: Int = 600

    @Option(help: "Period length in milliseconds (the ALSA threads use 10–20 ms).")
    var periodMilliseconds: Int = 10

    @Flag(help: "Also time the resampler alone for every device rate to and from 24 kHz.")
    var allRates = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (1...200).contains(periodMilliseconds) else {
            throw ValidationError("--period-milliseconds must be 1…200")
        }
    }

    func run() {
        print(
            "voiced-bench dsp: \(seconds) s of audio per path, \(periodMilliseconds) ms periods, CPU time of one thread"
        )
        print(Self.row("path", "CPU s / audio h", "% of a core"))
        let capture = Self.measureCapture(
            deviceRate: 48000, sessionRate: 24000, format: .s32LE, channels: 2,
            seconds: seconds, periodMilliseconds: periodMilliseconds
        )
        print(Self.row("capture  48000 Hz S32_LE ×2 → pick → 24000 Hz mono Int16", capture))
        let playback = Self.measurePlayback(
            sessionRate: 24000, deviceRate: 48000, format: .s16LE, channels: 2,
            seconds: seconds, periodMilliseconds: periodMilliseconds
        )
        print(Self.row("playback 24000 Hz mono Int16 → volume → 48000 Hz S16_LE ×2", playback))

        guard allRates else { return }
        let resamplerSeconds = max(1, seconds / 5)
        print("resampler alone, mono Float, \(resamplerSeconds) s of input each:")
        for deviceRate in [8000, 11025, 16000, 22050, 32000, 44100, 48000] {
            for (input, output) in [(deviceRate, 24000), (24000, deviceRate)] {
                let result = Self.measureResampler(
                    inputRate: input, outputRate: output,
                    seconds: resamplerSeconds, periodMilliseconds: periodMilliseconds
                )
                print(Self.row("  \(input) → \(output) Hz", result))
            }
        }
    }

    // MARK: Measurements

    struct Result {
        let audioSeconds: Double
        let cpuSeconds: Double
        var cpuSecondsPerAudioHour: Double { cpuSeconds / audioSeconds * 3600 }
        var percentOfACore: Double { cpuSeconds / audioSeconds * 100 }
    }

    static func measureCapture(
        deviceRate: Int, sessionRate: Int, format: PCMSampleFormat, channels: Int,
        seconds: Int, periodMilliseconds: Int
    ) -> Result {
        let periodFrames = deviceRate * periodMilliseconds / 1000
        let converter = CaptureConverter(
            deviceRate: deviceRate, sessionRate: sessionRate, format: format, channels: channels,
            selection: .channel(channels - 1), maximumPeriodFrames: periodFrames
        )
        // One second of device audio, replayed period by period.
        let signal = testSignal(sampleRate: deviceRate, count: deviceRate)
        var device = [UInt8](repeating: 0, count: deviceRate * channels * format.bytesPerSample)
        signal.withUnsafeBufferPointer { mono in
            _ = device.withUnsafeMutableBytes {
                SampleConversion.interleave(mono, into: $0, format: format, channels: channels)
            }
        }
        var output = [Int16](repeating: 0, count: converter.maximumOutputCount)
        let periodBytes = periodFrames * channels * format.bytesPerSample
        let periodsPerSecond = deviceRate / periodFrames
        let periods = seconds * periodsPerSecond
        var produced = 0
        let cpu = device.withUnsafeBytes { deviceBytes in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                cpuSeconds {
                    for period in 0..<periods {
                        let start = (period % periodsPerSecond) * periodBytes
                        let chunk = UnsafeRawBufferPointer(rebasing: deviceBytes[start..<(start + periodBytes)])
                        produced &+= converter.convert(chunk, into: outputBuffer)
                    }
                }
            }
        }
        precondition(produced > 0, "the capture benchmark produced nothing")
        return Result(audioSeconds: Double(periods * periodFrames) / Double(deviceRate), cpuSeconds: cpu)
    }

    static func measurePlayback(
        sessionRate: Int, deviceRate: Int, format: PCMSampleFormat, channels: Int,
        seconds: Int, periodMilliseconds: Int
    ) -> Result {
        let periodSamples = sessionRate * periodMilliseconds / 1000
        let converter = PlaybackConverter(
            sessionRate: sessionRate, deviceRate: deviceRate, format: format, channels: channels,
            maximumPeriodSamples: periodSamples, volume: SoftwareVolume(percent: 60, sampleRate: sessionRate)
        )
        let source = SampleConversion.int16s(from: testSignal(sampleRate: sessionRate, count: sessionRate))
        var period = [Int16](repeating: 0, count: periodSamples)
        var device = [UInt8](repeating: 0, count: converter.maximumOutputFrames * channels * format.bytesPerSample)
        let periodsPerSecond = sessionRate / periodSamples
        let periods = seconds * periodsPerSecond
        var written = 0
        let cpu = period.withUnsafeMutableBufferPointer { periodBuffer in
            device.withUnsafeMutableBytes { deviceBytes in
                source.withUnsafeBufferPointer { sourceBuffer in
                    cpuSeconds {
                        for index in 0..<periods {
                            // The ring read the thread would do: copy one period of reply audio.
                            let start = (index % periodsPerSecond) * periodSamples
                            _ = periodBuffer.update(fromContentsOf: sourceBuffer[start..<(start + periodSamples)])
                            written &+= converter.convert(periodBuffer, into: deviceBytes)
                            // Change the volume now and then so ramps are part of the cost.
                            if index % 500 == 0 { converter.volume.setPercent(index % 1000 == 0 ? 60 : 66) }
                        }
                    }
                }
            }
        }
        precondition(written > 0, "the playback benchmark wrote nothing")
        return Result(audioSeconds: Double(periods * periodSamples) / Double(sessionRate), cpuSeconds: cpu)
    }

    static func measureResampler(inputRate: Int, outputRate: Int, seconds: Int, periodMilliseconds: Int) -> Result {
        let resampler = PolyphaseResampler(inputRate: inputRate, outputRate: outputRate)
        let periodSamples = max(1, inputRate * periodMilliseconds / 1000)
        let signal = testSignal(sampleRate: inputRate, count: inputRate)
        var output = [Float](repeating: 0, count: resampler.maximumOutputCount(forInputCount: periodSamples))
        let periodsPerSecond = inputRate / periodSamples
        let periods = seconds * periodsPerSecond
        var produced = 0
        let cpu = signal.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                cpuSeconds {
                    for period in 0..<periods {
                        let start = (period % periodsPerSecond) * periodSamples
                        let chunk = UnsafeBufferPointer(rebasing: input[start..<(start + periodSamples)])
                        produced &+= resampler.process(chunk, into: outputBuffer)
                    }
                }
            }
        }
        precondition(produced > 0, "the resampler benchmark produced nothing")
        return Result(audioSeconds: Double(periods * periodSamples) / Double(inputRate), cpuSeconds: cpu)
    }

    // MARK: Helpers

    /// Speech-band content that keeps every filter tap busy: two tones and a little noise.
    static func testSignal(sampleRate: Int, count: Int) -> [Float] {
        var noiseState: UInt32 = 0x1234_5678
        return (0..<count).map { index in
            let time = Double(index) / Double(sampleRate)
            noiseState = noiseState &* 1_664_525 &+ 1_013_904_223
            let noise = (Double(noiseState >> 8) / Double(1 << 24) - 0.5) * 0.02
            return Float(0.3 * sin(2 * .pi * 440 * time) + 0.1 * sin(2 * .pi * 2500 * time) + noise)
        }
    }

    /// CPU time this thread spends in `work`, in seconds.
    static func cpuSeconds(_ work: () -> Void) -> Double {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let start = now()
        work()
        return now() - start
    }

    static func row(_ path: String, _ result: Result) -> String {
        row(path, format(result.cpuSecondsPerAudioHour, decimals: 2), format(result.percentOfACore, decimals: 3))
    }

    static func row(_ path: String, _ cost: String, _ share: String) -> String {
        func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, width - text.count))
            return left ? padding + text : text + padding
        }
        return pad(path, 62) + pad(cost, 16, left: true) + pad(share, 14, left: true)
    }

    static func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = Int((value * scale).rounded())
        let whole = rounded / Int(scale)
        let fraction = String(rounded % Int(scale))
        return "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}

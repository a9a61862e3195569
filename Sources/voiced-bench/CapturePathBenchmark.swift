import ArgumentParser
import VoiceDSP
import VoiceProtocol

/// `voiced-bench capture-path`: the whole capture path per second of audio, in one thread.
///
/// Device periods (48 kHz stereo S32_LE by default, an I2S HAT) go through what the daemon does to
/// each: `CaptureConverter` (pick a channel, resample to 24 kHz mono Int16), the capture ring, the
/// `ListeningDetector` (energy VAD and echo gate) every 10 ms frame against a silent reference, and
/// every 100 ms chunk is base64-encoded into an `input_audio_buffer.append` event and put in a
/// masked WebSocket client frame. The loop is an ordinary synchronous function (no top-level code,
/// no async), so it runs under callgrind: `scripts/bench.sh` runs it at two lengths and reports
/// the difference in instructions per second of audio, which leaves out the program's start-up.
struct CapturePathBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture-path",
        abstract: "CPU cost of read → resample → VAD/gate → encode → frame, per second and per hour of audio."
    )

    @Option(help: "Seconds of audio pushed through the path.")
    var seconds: Int = 60

    @Option(help: "Device sample rate in Hz.")
    var deviceRate: Int = 48000

    @Option(help: "Device sample format: S16_LE or S32_LE.")
    var format: String = "S32_LE"

    @Option(help: "Device channel count (the last one is used, as for a mono mic on a stereo HAT).")
    var channels: Int = 2

    @Option(help: "How far down the path to go: convert, detect, encode or frame (everything).")
    var stage: Stage = .frame

    @Flag(help: "Run every stage in turn and print the cost each one adds.")
    var breakdown = false

    enum Stage: String, ExpressibleByArgument, CaseIterable, Comparable {
        case convert, detect, encode, frame

        static func < (lhs: Stage, rhs: Stage) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard PCMSampleFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be S16_LE or S32_LE")
        }
        guard (1...8).contains(channels) else { throw ValidationError("--channels must be 1…8") }
        guard PolyphaseResampler.supports(inputRate: deviceRate, outputRate: 24000) else {
            throw ValidationError("--device-rate \(deviceRate) cannot be resampled to 24000 Hz")
        }
    }

    func run() {
        let sampleFormat = PCMSampleFormat(rawValue: format) ?? .s32LE
        print(
            "voiced-bench capture-path: \(seconds) s of \(deviceRate) Hz \(format) ×\(channels) → 24000 Hz mono, "
                + "10 ms periods, 100 ms chunks, CPU time of one thread")
        print(DSPBenchmark.row("path up to", "CPU s / audio h", "% of a core"))
        let stages = breakdown ? Stage.allCases : [stage]
        for stage in stages {
            let result = Self.measure(
                deviceRate: deviceRate, format: sampleFormat, channels: channels, seconds: seconds, upTo: stage
            )
            print(DSPBenchmark.row("  \(stage.rawValue)", result.cpu))
            if stage == stages.last {
                print(
                    "chunks sent: \(result.chunks), bytes framed: \(result.framedBytes), "
                        + "speech frames: \(result.speechFrames) of \(result.frames)")
            }
        }
    }

    struct Outcome {
        var cpu: DSPBenchmark.Result
        var frames = 0
        var speechFrames = 0
        var chunks = 0
        var framedBytes = 0
    }

    /// The benchmarked loop: `seconds` of device audio through the path, up to `stage`.
    static func measure(
        deviceRate: Int, format: PCMSampleFormat, channels: Int, seconds: Int, upTo stage: Stage
    ) -> Outcome {
        let sessionRate = 24000
        let periodFrames = deviceRate / 100
        let frameLength = sessionRate / 100
        let chunkLength = sessionRate / 10
        let converter = CaptureConverter(
            deviceRate: deviceRate, sessionRate: sessionRate, format: format, channels: channels,
            selection: .channel(channels - 1), maximumPeriodFrames: periodFrames
        )
        let ring = AudioRingBuffer(minimumCapacity: sessionRate)
        var detector = ListeningDetector(sampleRate: sessionRate)
        let device = deviceAudio(deviceRate: deviceRate, format: format, channels: channels)
        let periodBytes = periodFrames * channels * format.bytesPerSample
        let periodsPerSecond = 100
        let periods = seconds * periodsPerSecond

        var converted = [Int16](repeating: 0, count: converter.maximumOutputCount)
        var frame = [Int16](repeating: 0, count: frameLength)
        let reference = [Int16](repeating: 0, count: frameLength)
        var chunk: [Int16] = []
        chunk.reserveCapacity(chunkLength)
        var wireFrame: [UInt8] = []
        var outcome = Outcome(cpu: .init(audioSeconds: Double(seconds), cpuSeconds: 0))

        let cpu = DSPBenchmark.cpuSeconds {
            for period in 0..<periods {
                // The capture thread: one device period → session-rate samples → the ring.
                let start = (period % periodsPerSecond) * periodBytes
                let produced = device.withUnsafeBytes { bytes in
                    converted.withUnsafeMutableBufferPointer { output in
                        converter.convert(
                            UnsafeRawBufferPointer(rebasing: bytes[start..<(start + periodBytes)]), into: output)
                    }
                }
                converted.withUnsafeBufferPointer { _ = ring.write(UnsafeBufferPointer(rebasing: $0[..<produced])) }
                guard stage > .convert else {
                    while ring.availableToRead >= frameLength {
                        _ = frame.withUnsafeMutableBufferPointer { ring.read(into: $0) }
                    }
                    continue
                }
                // The coordinator: 10 ms frames through the detector, 100 ms chunks to the session.
                while ring.availableToRead >= frameLength {
                    _ = frame.withUnsafeMutableBufferPointer { ring.read(into: $0) }
                    let decision = frame.withUnsafeBufferPointer { mic in
                        reference.withUnsafeBufferPointer { detector.process(frame: mic, reference: $0) }
                    }
                    outcome.frames += 1
                    if decision.isSpeech { outcome.speechFrames += 1 }
                    guard stage > .detect else { continue }
                    chunk.append(contentsOf: frame)
                    guard chunk.count >= chunkLength else { continue }
                    // What the session does per chunk (`WireAudioCodec.appendEvent`): base64 into the event text.
                    let text = RealtimeCoding.encodeAudioAppend(pcm16: chunk)
                    chunk.removeAll(keepingCapacity: true)
                    outcome.chunks += 1
                    if stage > .encode {
                        outcome.framedBytes += maskedClientFrame(
                            text, into: &wireFrame, key: UInt32(truncatingIfNeeded: period))
                    } else {
                        outcome.framedBytes += text.utf8.count
                    }
                }
            }
        }
        precondition(outcome.frames > 0 || stage == .convert, "the capture-path benchmark processed nothing")
        outcome.cpu = .init(audioSeconds: Double(periods) / Double(periodsPerSecond), cpuSeconds: cpu)
        return outcome
    }

    /// A WebSocket text frame as a client sends it (RFC 6455 §5.2: FIN, length, 4-byte mask, masked
    /// payload), built in a reused buffer with one XOR pass, as the WebSocket encoder does.
    static func maskedClientFrame(_ text: String, into frame: inout [UInt8], key: UInt32) -> Int {
        frame.removeAll(keepingCapacity: true)
        var text = text
        return text.withUTF8 { payload in
            frame.append(0x81)
            if payload.count < 126 {
                frame.append(0x80 | UInt8(payload.count))
            } else if payload.count <= 0xFFFF {
                frame.append(0x80 | 126)
                frame.append(UInt8(payload.count >> 8))
                frame.append(UInt8(payload.count & 0xFF))
            } else {
                frame.append(0x80 | 127)
                for shift in stride(from: 56, through: 0, by: -8) {
                    frame.append(UInt8((payload.count >> shift) & 0xFF))
                }
            }
            let mask = (UInt8(key >> 24), UInt8((key >> 16) & 0xFF), UInt8((key >> 8) & 0xFF), UInt8(key & 0xFF))
            frame.append(mask.0)
            frame.append(mask.1)
            frame.append(mask.2)
            frame.append(mask.3)
            let header = frame.count
            frame.append(contentsOf: payload)
            frame.withUnsafeMutableBufferPointer { bytes in
                var index = header
                while index + 4 <= bytes.count {
                    bytes[index] ^= mask.0
                    bytes[index + 1] ^= mask.1
                    bytes[index + 2] ^= mask.2
                    bytes[index + 3] ^= mask.3
                    index += 4
                }
                let tail = [mask.0, mask.1, mask.2]
                for offset in 0..<(bytes.count - index) { bytes[index + offset] ^= tail[offset] }
            }
            return frame.count
        }
    }

    /// One second of device audio: speech-band tones and noise, loud for 600 ms and room-quiet for
    /// 400 ms, so the VAD crosses its onset and offset every second as it does in conversation.
    static func deviceAudio(deviceRate: Int, format: PCMSampleFormat, channels: Int) -> [UInt8] {
        var signal = DSPBenchmark.testSignal(sampleRate: deviceRate, count: deviceRate)
        for index in (deviceRate * 6 / 10)..<deviceRate { signal[index] *= 0.003 }
        var device = [UInt8](repeating: 0, count: deviceRate * channels * format.bytesPerSample)
        signal.withUnsafeBufferPointer { mono in
            _ = device.withUnsafeMutableBytes {
                SampleConversion.interleave(mono, into: $0, format: format, channels: channels)
            }
        }
        return device
    }
}

import Foundation

/// A simulated sound card for one test: an ALSA configuration of `file` PCMs over `null` in a
/// fresh temporary directory. Capture plays back `inputSamples` (then silence); playback lands in
/// `outputPath` as raw interleaved frames.
///
/// Open it in-process with `AudioSettings.alsaConfigPath = card.configPath` (libasound's
/// `snd_pcm_open_lconf`), so tests never touch `ALSA_CONFIG_PATH` and can run in parallel. PCM
/// names: `default` (capture + playback), `voiced_capture`, `voiced_playback`.
public struct ALSATestCard: Sendable {
    public enum SampleFormat: Sendable {
        case s16LE
        case s32LE

        public var bytesPerSample: Int { self == .s16LE ? 2 : 4 }
    }

    /// What the file PCMs sit on.
    public enum Slave: Sendable {
        /// No clock: the engine has to pace itself.
        case null
        /// PulseAudio (a running server with a null sink): a real-time clock.
        case pulse

        var definition: String { self == .null ? "{ type null }" : "{ type pulse }" }
    }

    public let directory: URL
    public let configPath: String
    public let inputPath: String
    public let outputPath: String
    public let rate: Int
    public let channels: Int
    public let format: SampleFormat

    /// Writes the input file and the configuration.
    /// - Parameters:
    ///   - inputSamples: interleaved frames the microphone "hears"; for S32_LE each sample is
    ///     stored in the upper 16 bits.
    ///   - rate, channels, format: how the input file is encoded (the engine must be set to match).
    ///   - slave: `null` (default) or `pulse` for a paced card.
    public static func make(
        inputSamples: [Int16], rate: Int, channels: Int, format: SampleFormat, slave: Slave = .null
    ) throws -> ALSATestCard {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("voiced-alsa-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let input = directory.appendingPathComponent("capture.raw")
        let output = directory.appendingPathComponent("playback.raw")
        let config = directory.appendingPathComponent("asound.conf")
        try encode(inputSamples, format: format).write(to: input)
        try configuration(inputPath: input.path, outputPath: output.path, slave: slave).write(
            to: config, atomically: true, encoding: .utf8)
        return ALSATestCard(
            directory: directory, configPath: config.path, inputPath: input.path, outputPath: output.path,
            rate: rate, channels: channels, format: format
        )
    }

    /// The text of a simulated card whose capture reads `inputPath` and whose playback writes
    /// `outputPath` (both raw).
    public static func configuration(inputPath: String, outputPath: String, slave: Slave = .null) -> String {
        """
        # voiced test card: ALSA file PCMs over \(slave).
        pcm.voiced_playback {
            type file
            slave.pcm \(slave.definition)
            file "\(outputPath)"
            format "raw"
            perm 0644
        }
        pcm.voiced_capture {
            type file
            slave.pcm \(slave.definition)
            file "/dev/null"
            infile "\(inputPath)"
            format "raw"
        }
        pcm.!default {
            type asym
            playback.pcm "voiced_playback"
            capture.pcm "voiced_capture"
        }

        """
    }

    /// Raw interleaved bytes for `samples` in `format`.
    public static func encode(_ samples: [Int16], format: SampleFormat) -> Data {
        var data = Data(capacity: samples.count * format.bytesPerSample)
        for sample in samples {
            switch format {
            case .s16LE:
                withUnsafeBytes(of: sample.littleEndian) { data.append(contentsOf: $0) }
            case .s32LE:
                withUnsafeBytes(of: (Int32(sample) << 16).littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// What playback wrote, as 16-bit samples (the upper half of S32_LE), still interleaved.
    public func readOutput() throws -> [Int16] {
        let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        return Self.decode(data, format: format)
    }

    /// The first channel of what playback wrote, as 16-bit samples.
    public func readOutputFirstChannel() throws -> [Int16] {
        let interleaved = try readOutput()
        return stride(from: 0, to: interleaved.count - channels + 1, by: channels).map { interleaved[$0] }
    }

    public static func decode(_ data: Data, format: SampleFormat) -> [Int16] {
        data.withUnsafeBytes { raw in
            switch format {
            case .s16LE:
                return (0..<(raw.count / 2)).map {
                    Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))
                }
            case .s32LE:
                return (0..<(raw.count / 4)).map {
                    Int16(
                        truncatingIfNeeded: Int32(
                            littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) >> 16)
                }
            }
        }
    }

    /// Removes the temporary directory.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore
import VoiceDSP

/// Runs the daemon's own listening detector over recordings: the engine behind `voiced vad`.
///
/// Nothing here has its own VAD logic; every decision comes from `ListeningDetector`, frame by
/// frame, exactly as the daemon would make it live.
public enum OfflineVAD {
    /// One frame's outcome plus the detector's internal levels, for timelines.
    public struct FrameTrace: Sendable, Equatable {
        public var decision: ListeningDecision
        public var noiseFloorDBFS: Double
        public var echoEstimateDBFS: Double
        /// The room was marked as struck-tone (bells, chimes): onsets there wait to show a voice's change.
        public var struckToneRoom: Bool
    }

    /// Runs the detector over mono samples, 10 ms at a time (a trailing partial frame is dropped).
    /// `reference` is what the device played, aligned with `samples` (shorter: silence after it).
    public static func trace(
        samples: [Int16],
        reference: [Int16]?,
        sampleRate: Int,
        parameters: ListeningParameters
    ) -> [FrameTrace] {
        var detector = ListeningDetector(sampleRate: sampleRate, parameters: parameters)
        let frameLength = detector.frameLength
        let frameCount = samples.count / frameLength
        var traces: [FrameTrace] = []
        traces.reserveCapacity(frameCount)
        samples.withUnsafeBufferPointer { mic in
            let played = reference ?? []
            played.withUnsafeBufferPointer { ref in
                for index in 0..<frameCount {
                    let start = index * frameLength
                    let frame = UnsafeBufferPointer(rebasing: mic[start..<(start + frameLength)])
                    let refEnd = min(start + frameLength, ref.count)
                    let refFrame: UnsafeBufferPointer<Int16>? =
                        reference != nil && start < refEnd ? UnsafeBufferPointer(rebasing: ref[start..<refEnd]) : nil
                    let decision = detector.process(frame: frame, reference: refFrame)
                    traces.append(
                        FrameTrace(
                            decision: decision,
                            noiseFloorDBFS: detector.noiseFloorDBFS,
                            echoEstimateDBFS: detector.echoEstimateDBFS,
                            struckToneRoom: detector.vad.isStruckToneRoom
                        )
                    )
                }
            }
        }
        return traces
    }

    /// The near-end speech decisions as the eval kit's string: one `0`/`1` per 10 ms frame.
    public static func decisionString(
        samples: [Int16],
        reference: [Int16]?,
        sampleRate: Int,
        parameters: ListeningParameters
    ) -> String {
        let traces = trace(samples: samples, reference: reference, sampleRate: sampleRate, parameters: parameters)
        return String(traces.map { $0.decision.isSpeech ? "1" : "0" })
    }

    /// Scores every clip of `rate` in a corpus manifest (see ../shared/eval/README.md) and writes
    /// the decisions JSON (`{"16k/clip.wav": "0011…", …}`) to `outputPath`. Echo clips get their
    /// `ref_file` as what was played. Returns the number of clips written.
    @discardableResult
    public static func scoreManifest(
        manifestPath: String,
        rate: Int,
        outputPath: String,
        settings: ListeningSettings = ListeningSettings()
    ) throws -> Int {
        let manifestURL = URL(fileURLWithPath: manifestPath)
        let data: Data
        do {
            data = try Data(contentsOf: manifestURL)
        } catch {
            throw OfflineVADError.unreadable(path: manifestPath, reason: fileProblem(error))
        }
        let manifest: CorpusManifest
        do {
            manifest = try JSONDecoder().decode(CorpusManifest.self, from: data)
        } catch {
            throw OfflineVADError.badManifest(path: manifestPath, reason: "\(error)")
        }
        let base = manifestURL.deletingLastPathComponent()
        let entries = manifest.files.filter { $0.rate == rate }
        guard !entries.isEmpty else {
            let rates = Set(manifest.files.map(\.rate)).sorted().map(String.init).joined(separator: ", ")
            throw OfflineVADError.noClips(path: manifestPath, rate: rate, available: rates)
        }
        let parameters = settings.detectorParameters
        var output: [String: String] = [:]
        for entry in entries {
            let audio = try readMono(base.appendingPathComponent(entry.file).path)
            let reference = try entry.refFile.map { try readMono(base.appendingPathComponent($0).path).samples }
            output[entry.file] = decisionString(
                samples: audio.samples,
                reference: reference,
                sampleRate: audio.sampleRate,
                parameters: parameters
            )
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try encoder.encode(output).write(to: URL(fileURLWithPath: outputPath))
        } catch {
            throw OfflineVADError.unwritable(path: outputPath, reason: fileProblem(error))
        }
        return output.count
    }

    /// Reads a WAV file as mono Int16 (channels averaged).
    public static func readMono(_ path: String) throws -> (samples: [Int16], sampleRate: Int) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw OfflineVADError.unreadable(path: path, reason: fileProblem(error))
        }
        do {
            let audio = try WAVCodec.decode(bytes)
            guard audio.sampleRate >= 8000, audio.sampleRate % 100 == 0 else {
                throw OfflineVADError.unsupportedRate(path: path, rate: audio.sampleRate)
            }
            return (audio.mono, audio.sampleRate)
        } catch let error as WAVError {
            throw OfflineVADError.badWAV(path: path, reason: error.description)
        }
    }
}

/// Why an offline VAD run failed; the description names the file and what to do.
public enum OfflineVADError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case badManifest(path: String, reason: String)
    case noClips(path: String, rate: Int, available: String)
    case badWAV(path: String, reason: String)
    case unsupportedRate(path: String, rate: Int)
    case rateMismatch(path: String, rate: Int, expected: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason); check the path and permissions"
        case .unwritable(let path, let reason):
            "cannot write \(path): \(reason); check that the directory exists and is writable"
        case .badManifest(let path, let reason):
            "\(path) is not a corpus manifest (\(reason)); generate one with ../shared/eval/make_dev_corpus.py"
        case .noClips(let path, let rate, let available):
            "\(path) has no clips at \(rate) Hz (it has: \(available)); pass one of those with --rate"
        case .badWAV(let path, let reason):
            "\(path) is not a usable WAV file: \(reason); convert it to 16-bit PCM WAV (e.g. with sox)"
        case .unsupportedRate(let path, let rate):
            "\(path) is sampled at \(rate) Hz; the VAD needs a multiple of 100 Hz, 8000 or more (resample with sox)"
        case .rateMismatch(let path, let rate, let expected):
            "\(path) is sampled at \(rate) Hz but the recording is at \(expected) Hz; resample it to match"
        }
    }
}

/// The parts of the eval kit's manifest the runner needs.
struct CorpusManifest: Decodable {
    struct Entry: Decodable {
        var file: String
        var rate: Int
        var kind: String?
        var refFile: String?

        enum CodingKeys: String, CodingKey {
            case file, rate, kind
            case refFile = "ref_file"
        }
    }

    var files: [Entry]
}

/// A file that could not be read or written, in words (Foundation's `localizedDescription` is not
/// in FoundationEssentials).
func fileProblem(_ error: any Error) -> String {
    guard let error = error as? CocoaError else { return "\(error)" }
    switch error.code {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileWriteOutOfSpace: return "no space left on the device"
    default: return "error \(error.code.rawValue)"
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Limits of the `record` command.
public enum RecordingLimits {
    /// Longest recording, in seconds (at 24 kHz, 14 MB per file).
    public static let maximumSeconds = 300
    /// What `voicectl record` records when not told.
    public static let defaultSeconds = 10
}

/// The answer to `record`: `{"sample_rate":24000,"seconds":10,"samples":240000,"block_samples":2400}`.
///
/// Chunk lines follow on the same connection (`RecordingMessage`), then one end line.
public struct RecordingInfo: Sendable, Hashable, Codable {
    /// The session rate: both streams are mono PCM16 at this rate.
    public var sampleRate: Int
    public var seconds: Int
    /// Samples per stream the recording will hold (`seconds × sampleRate`).
    public var samples: Int
    /// Samples per chunk line (the last may be shorter).
    public var blockSamples: Int

    public init(sampleRate: Int, seconds: Int, blockSamples: Int) {
        self.sampleRate = sampleRate
        self.seconds = seconds
        self.samples = sampleRate * seconds
        self.blockSamples = blockSamples
    }

    enum CodingKeys: String, CodingKey {
        case seconds, samples
        case sampleRate = "sample_rate"
        case blockSamples = "block_samples"
    }
}

/// One block of a recording, as the daemon hands it to the control server: what the pipeline heard
/// and what the speaker played while each of those samples was heard, sample for sample.
public struct RecordingBlock: Sendable, Equatable {
    /// Position of the first sample in the recording (blocks the client was too slow for are missing:
    /// the next block's `start` jumps over them).
    public var start: Int
    public var mic: [Int16]
    public var played: [Int16]

    public init(start: Int, mic: [Int16], played: [Int16]) {
        self.start = start
        self.mic = mic
        self.played = played
    }
}

/// Why a recording ended.
public enum RecordingEndReason: String, Sendable, Hashable, Codable {
    /// It reached its length.
    case complete
    /// The client went away or asked to stop.
    case cancelled
}

/// The last line of a recording.
public struct RecordingSummary: Sendable, Hashable, Codable {
    /// Samples per stream the recording covers (lost ones included).
    public var samples: Int
    /// Samples the daemon dropped because the client did not read fast enough (silence in the files).
    public var lostSamples: Int
    /// Samples heard while the microphone was muted (silence: the mute is honoured).
    public var mutedSamples: Int
    public var reason: RecordingEndReason

    public init(samples: Int, lostSamples: Int, mutedSamples: Int, reason: RecordingEndReason) {
        self.samples = samples
        self.lostSamples = lostSamples
        self.mutedSamples = mutedSamples
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case samples, reason
        case lostSamples = "lost_samples"
        case mutedSamples = "muted_samples"
    }
}

/// What the daemon hands the control server for a recording: the blocks as they are heard, then a summary.
///
/// `blocks` is a bounded queue that the audio loop never waits on: a block that does not fit is dropped
/// and counted in the summary. `summary()` is final once `blocks` has finished. `cancel()` ends the
/// recording early (the client went away); calling it after the end does nothing.
public struct RecordingFeed: Sendable {
    public var info: RecordingInfo
    public var blocks: AsyncStream<RecordingBlock>
    public var summary: @Sendable () -> RecordingSummary
    public var cancel: @Sendable () -> Void

    public init(
        info: RecordingInfo,
        blocks: AsyncStream<RecordingBlock>,
        summary: @escaping @Sendable () -> RecordingSummary,
        cancel: @escaping @Sendable () -> Void
    ) {
        self.info = info
        self.blocks = blocks
        self.summary = summary
        self.cancel = cancel
    }
}

/// A recording line from the server: `{"recording":"chunk",...}` or `{"recording":"end",...}`.
public enum RecordingMessage: Sendable, Equatable {
    /// `{"recording":"chunk","id":1,"start":0,"samples":2400,"mic":"<base64>","played":"<base64>"}`: the
    /// samples are PCM16 little-endian, base64 (standard alphabet, padded).
    case chunk(id: ControlRequestID?, RecordingBlock)
    /// `{"recording":"end","id":1,"samples":240000,"lost_samples":0,"muted_samples":0,"reason":"complete"}`
    case end(id: ControlRequestID?, RecordingSummary)
}

extension RecordingMessage: Codable {
    enum CodingKeys: String, CodingKey {
        case recording, id, start, samples, mic, played
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .recording)
        let id = try container.decodeIfPresent(ControlRequestID.self, forKey: .id)
        switch kind {
        case "chunk":
            let start = try container.decode(Int.self, forKey: .start)
            let count = try container.decode(Int.self, forKey: .samples)
            guard start >= 0, count > 0, count <= 1 << 20 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .samples, in: container,
                    debugDescription: "a chunk needs start >= 0 and 1 to \(1 << 20) samples (got start \(start), "
                        + "samples \(count))")
            }
            func samples(_ key: CodingKeys) throws -> [Int16] {
                let text = try container.decode(String.self, forKey: key)
                guard let bytes = Data(base64Encoded: text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container, debugDescription: "\(key.stringValue) is not valid base64")
                }
                guard bytes.count == 2 * count else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key, in: container,
                        debugDescription: "\(key.stringValue) holds \(bytes.count) bytes; \(count) samples need "
                            + "\(2 * count)")
                }
                return PCM16.samples(littleEndian: bytes)
            }
            self = .chunk(id: id, RecordingBlock(start: start, mic: try samples(.mic), played: try samples(.played)))
        case "end":
            let summary = try RecordingSummary(from: decoder)
            guard summary.samples >= 0, summary.lostSamples >= 0, summary.mutedSamples >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .samples, in: container, debugDescription: "an end line's counts cannot be negative")
            }
            self = .end(id: id, summary)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .recording, in: container,
                debugDescription: "unknown recording line \"\(kind)\" (expected chunk or end)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .chunk(let id, let block):
            try container.encode("chunk", forKey: .recording)
            try container.encodeIfPresent(id, forKey: .id)
            try container.encode(block.start, forKey: .start)
            try container.encode(block.mic.count, forKey: .samples)
            try container.encode(PCM16.littleEndianData(block.mic).base64EncodedString(), forKey: .mic)
            try container.encode(PCM16.littleEndianData(block.played).base64EncodedString(), forKey: .played)
        case .end(let id, let summary):
            try container.encode("end", forKey: .recording)
            try container.encodeIfPresent(id, forKey: .id)
            try summary.encode(to: encoder)
        }
    }
}

/// PCM16 little-endian bytes ↔ samples.
public enum PCM16 {
    public static func littleEndianData(_ samples: [Int16]) -> Data {
        var data = Data(count: samples.count * 2)
        data.withUnsafeMutableBytes { raw in
            for (index, sample) in samples.enumerated() {
                raw.storeBytes(of: sample.littleEndian, toByteOffset: index * 2, as: Int16.self)
            }
        }
        return data
    }

    public static func samples(littleEndian bytes: Data) -> [Int16] {
        bytes.withUnsafeBytes { raw in
            (0..<raw.count / 2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        }
    }
}

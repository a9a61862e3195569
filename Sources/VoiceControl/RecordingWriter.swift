#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import VoiceDSP

/// Why a recording's files could not be written.
public struct RecordingFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Writes a recording's two streams as it arrives: `PREFIX-mic.wav` and `PREFIX-played.wav`, mono
/// PCM16 WAV at the recording's rate, always the same length.
///
/// The header's sizes are brought up to date after every block, so a recording cut short (Ctrl-C, a
/// broken connection) still leaves two valid files holding what arrived; nothing is kept in memory.
/// Blocks the daemon had to drop (`RecordingBlock.start` jumps ahead) become silence in both files,
/// so they stay aligned with each other and with the time of the recording; `lostRanges` says where.
public final class RecordingWriter {
    public let micPath: String
    public let playedPath: String
    public let sampleRate: Int
    /// Samples written to each file so far (lost ones, written as silence, included).
    public private(set) var samplesWritten = 0
    /// Sample ranges that were lost and are silence in both files.
    public private(set) var lostRanges: [Range<Int>] = []

    private var micDescriptor: Int32 = -1
    private var playedDescriptor: Int32 = -1
    private static let headerBytes = 44

    /// The two file names for `prefix`.
    public static func paths(prefix: String) -> (mic: String, played: String) {
        (prefix + "-mic.wav", prefix + "-played.wav")
    }

    /// Checks, before anything is recorded, that both files can be created: the directory exists and
    /// is writable, and neither file exists unless `overwrite`.
    public static func checkWritable(prefix: String, overwrite: Bool) throws(RecordingFileError) {
        let (mic, played) = paths(prefix: prefix)
        let directory = directoryName(of: mic)
        var info = stat()
        guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw RecordingFileError("cannot write the recording: the directory \(directory) does not exist")
        }
        guard access(directory, W_OK) == 0 else {
            throw RecordingFileError(
                "cannot write the recording in \(directory): \(String(cString: strerror(errno))); "
                    + "run voicectl record in a directory you can write, or give --output PREFIX elsewhere")
        }
        for path in [mic, played] where !overwrite && access(path, F_OK) == 0 {
            throw RecordingFileError("\(path) already exists; use --force to overwrite it, or another --output")
        }
    }

    /// Creates (or, with `overwrite`, truncates) both files and writes their headers.
    public init(prefix: String, sampleRate: Int, overwrite: Bool) throws(RecordingFileError) {
        (micPath, playedPath) = Self.paths(prefix: prefix)
        self.sampleRate = sampleRate
        micDescriptor = try Self.create(micPath, overwrite: overwrite)
        do {
            playedDescriptor = try Self.create(playedPath, overwrite: overwrite)
        } catch {
            close(micDescriptor)
            micDescriptor = -1
            unlink(micPath)
            throw error
        }
        let header = WAVCodec.encode(WAVAudio(sampleRate: sampleRate, samples: []))
        try write(header, to: micDescriptor, path: micPath)
        try write(header, to: playedDescriptor, path: playedPath)
    }

    deinit { closeFiles() }

    /// Appends a block, after silence for whatever was lost before it.
    public func append(_ block: RecordingBlock) throws(RecordingFileError) {
        guard block.mic.count == block.played.count else {
            throw RecordingFileError(
                "voiced sent a block with \(block.mic.count) mic and \(block.played.count) played samples")
        }
        guard block.start >= samplesWritten else {
            throw RecordingFileError(
                "voiced sent a block for sample \(block.start), but \(samplesWritten) are already written")
        }
        try fillSilence(upTo: block.start)
        try appendSamples(block.mic, to: micDescriptor, path: micPath)
        try appendSamples(block.played, to: playedDescriptor, path: playedPath)
        samplesWritten += block.mic.count
        try updateHeaders()
    }

    /// Ends both files at `totalSamples` (silence for what was lost at the end) and closes them.
    public func finish(totalSamples: Int) throws(RecordingFileError) {
        try fillSilence(upTo: totalSamples)
        try updateHeaders()
        closeFiles()
    }

    /// Closes the files as they are (the headers are already current).
    public func closeFiles() {
        if micDescriptor >= 0 { close(micDescriptor) }
        if playedDescriptor >= 0 { close(playedDescriptor) }
        micDescriptor = -1
        playedDescriptor = -1
    }

    private func fillSilence(upTo end: Int) throws(RecordingFileError) {
        guard end > samplesWritten else { return }
        lostRanges.append(samplesWritten..<end)
        var remaining = end - samplesWritten
        let silence = [Int16](repeating: 0, count: min(remaining, sampleRate))
        while remaining > 0 {
            let part = Array(silence[0..<min(remaining, silence.count)])
            try appendSamples(part, to: micDescriptor, path: micPath)
            try appendSamples(part, to: playedDescriptor, path: playedPath)
            remaining -= part.count
            samplesWritten += part.count
        }
    }

    private func appendSamples(_ samples: [Int16], to descriptor: Int32, path: String) throws(RecordingFileError) {
        var bytes = [UInt8](repeating: 0, count: samples.count * 2)
        for (index, sample) in samples.enumerated() {
            let value = UInt16(bitPattern: sample)
            bytes[2 * index] = UInt8(value & 0xFF)
            bytes[2 * index + 1] = UInt8(value >> 8)
        }
        try write(bytes, to: descriptor, path: path)
    }

    private func updateHeaders() throws(RecordingFileError) {
        let dataBytes = samplesWritten * 2
        for (descriptor, path) in [(micDescriptor, micPath), (playedDescriptor, playedPath)] {
            try patch(UInt32(truncatingIfNeeded: 36 + dataBytes), at: 4, in: descriptor, path: path)
            try patch(UInt32(truncatingIfNeeded: dataBytes), at: 40, in: descriptor, path: path)
        }
    }

    private func patch(_ value: UInt32, at offset: Int, in descriptor: Int32, path: String) throws(RecordingFileError) {
        let bytes = (0..<4).map { UInt8((value >> (8 * UInt32($0))) & 0xFF) }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, 4, off_t(offset)) }
        guard written == 4 else { throw Self.failure("update", path) }
    }

    private func write(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(RecordingFileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write", path)
            }
            offset += written
        }
    }

    private static func create(_ path: String, overwrite: Bool) throws(RecordingFileError) -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            if errno == EEXIST {
                throw RecordingFileError("\(path) already exists; use --force to overwrite it, or another --output")
            }
            throw failure("create", path)
        }
        return descriptor
    }

    private static func failure(_ action: String, _ path: String) -> RecordingFileError {
        RecordingFileError("cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }

    private static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}

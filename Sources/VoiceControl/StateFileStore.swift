#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

/// Reads and writes the state file (`control.state_file`) safely.
///
/// `load` never fails: a missing, unreadable or corrupt file gives the defaults and warnings to log.
/// `save` is atomic: a temp file in the same directory is written, fsynced and renamed over the old
/// one (then the directory is fsynced), so a power cut leaves either the old or the new file.
public struct StateFileStore: Sendable {
    public let path: String
    /// A state file larger than this is not ours: it is ignored as corrupt.
    static let maximumBytes = 64 * 1_024

    public init(path: String) {
        self.path = path
    }

    public func load() -> (settings: PersistedSettings, warnings: [String]) {
        guard FileManager.default.fileExists(atPath: path) else {
            return (PersistedSettings(), ["no state file at \(path) yet; using the default voice, volume and mute"])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return (PersistedSettings(), ["cannot read the state file \(path); using defaults (check its permissions)"])
        }
        guard data.count <= Self.maximumBytes else {
            return (
                PersistedSettings(),
                [
                    "the state file \(path) is \(data.count) bytes, not a voiced state file; "
                        + "using defaults (it is replaced at the next change)"
                ]
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (
                PersistedSettings(),
                [
                    "the state file \(path) is not text; using defaults "
                        + "(it is replaced at the next change)"
                ]
            )
        }
        let (settings, problems) = StateFile.decode(text)
        return (settings, problems.map { "state file \(path): \($0)" })
    }

    public func save(_ settings: PersistedSettings) throws {
        let directory = Self.parentDirectory(of: path)
        let temporary = "\(path).tmp-\(getpid())"
        let bytes = Array(StateFile.encode(settings).utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create", temporary) }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(descriptor)
                unlink(temporary)
                throw error
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let error = failure("fsync", temporary)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename to \(path)", temporary)
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable.
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private func failure(_ operation: String, _ file: String) -> StateFileError {
        StateFileError(
            description: "cannot save the state file: \(operation) \(file) failed: "
                + "\(String(cString: strerror(errno))) (systemd's StateDirectory=voiced makes /var/lib/voiced; "
                + "or set control.state_file)")
    }

    /// The directory part of a path ("" for a bare file name), as Foundation's
    /// `deletingLastPathComponent` gives it: "/var/lib/voiced/state" → "/var/lib/voiced", "/state" → "/".
    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}

public struct StateFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

import Foundation
import Logging

/// The state file: voice, volume and mute set from the control socket, kept across restarts.
///
/// Written atomically (temp file, fsync, rename) so a power cut leaves the old or the new file,
/// never half of one. A missing or unreadable file means defaults and a warning, never a crash.
public struct StateFileStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public func load(logger: Logger) -> PersistedSettings? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(PersistedSettings.self, from: data)
        } catch {
            logger.warning("state file \(path) is unreadable (\(error)); using the configured defaults")
            return nil
        }
    }

    public func save(_ settings: PersistedSettings, logger: Logger) {
        do {
            try write(settings)
        } catch {
            logger.error("cannot save settings to \(path): \(error); they will be lost at restart (check the directory's permissions)")
        }
    }

    func write(_ settings: PersistedSettings) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(settings)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == data.count, synced == 0 else {
            unlink(temporary)
            throw POSIXError(.EIO)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }
}

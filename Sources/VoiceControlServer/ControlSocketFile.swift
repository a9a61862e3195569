#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The socket file on disk: clearing a stale one before bind, permissions and group after.
enum ControlSocketFile {
    /// Makes `path` free for bind: a socket file nobody listens on (left by a crash) is removed; a live
    /// socket or any other kind of file is an error that says what to do.
    static func prepare(path: String) throws {
        let directory = parentDirectory(of: path)
        var directoryInfo = stat()
        if stat(directory, &directoryInfo) != 0 {
            throw ControlServerError(
                "cannot create the control socket \(path): directory \(directory) does not exist "
                    + "(systemd's RuntimeDirectory=voiced creates /run/voiced; otherwise set control.socket_path)"
            )
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ControlServerError(
                "cannot create the control socket: \(path) exists and is not a socket; remove it or set "
                    + "control.socket_path to another path"
            )
        }
        if isListening(path: path) {
            throw ControlServerError(
                "cannot create the control socket: another process (another voiced?) is listening on \(path); "
                    + "stop it first or set control.socket_path to another path"
            )
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ControlServerError("cannot remove the stale control socket \(path): \(errnoText())")
        }
    }

    /// Applies the mode and group to the bound socket file.
    ///
    /// - Returns: warnings for what could not be applied (the socket still works).
    static func applyPermissions(path: String, mode: UInt32, groupName: String) -> [String] {
        var warnings: [String] = []
        if chmod(path, mode_t(mode)) != 0 {
            warnings.append("could not set mode \(String(mode, radix: 8)) on \(path): \(errnoText())")
        }
        guard !groupName.isEmpty else { return warnings }
        guard let gid = UserDatabase.groupID(named: groupName) else {
            warnings.append(
                "control.socket_group \"\(groupName)\" does not exist; \(path) keeps the daemon's "
                    + "group, so only its own user and root can connect (create the group with "
                    + "`groupadd --system \(groupName)`)")
            return warnings
        }
        if chown(path, uid_t.max, gid) != 0 {
            warnings.append(
                "could not give \(path) to group \(groupName): \(errnoText()) (the daemon's user must "
                    + "be a member of the group)")
        }
        return warnings
    }

    /// Removes the socket file at shutdown (only if it is still a socket).
    static func remove(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK else { return }
        unlink(path)
    }

    /// True when something accepts connections on `path`.
    static func isListening(path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        guard var address = UnixSocketAddress.make(path: path) else { return false }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }
}

/// Builds a `sockaddr_un`.
enum UnixSocketAddress {
    static func make(path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}

func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// A control server failure a person can act on.
public struct ControlServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

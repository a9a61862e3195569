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
import NIOCore

/// Who is at the other end of a Unix socket, as the kernel says (SO_PEERCRED).
///
/// The layout matches Linux's `struct ucred` (pid_t, uid_t, gid_t), which Swift's Glibc module does not
/// import, so that `getsockopt` can fill it directly.
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// Reads SO_PEERCRED from an accepted channel. Fails on channels that are not sockets.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ControlServerError("the connection is not a socket"))
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
    }

    /// The peer's primary and supplementary groups: from /proc/PID/status (what the process really
    /// has), else from the group database for its user.
    func groups() -> [UInt32] {
        if pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
                let supplementary = line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
                    .compactMap { UInt32($0) }
                return [gid] + supplementary
            }
        }
        return UserDatabase.groups(ofUserID: uid, primaryGroup: gid)
    }
}

/// Name ↔ id lookups in the passwd and group databases (thread-safe `_r` variants).
enum UserDatabase {
    static func userID(named name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        return withPasswd(name: name) { $0.pw_uid }
    }

    static func groupID(named name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &group, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return group.gr_gid
    }

    static func userName(ofUserID uid: UInt32) -> String? {
        var passwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwuid_r(uid, &passwd, &buffer, buffer.count, &result) == 0, result != nil,
            let name = passwd.pw_name
        else { return nil }
        return String(cString: name)
    }

    static func groups(ofUserID uid: UInt32, primaryGroup: UInt32) -> [UInt32] {
        guard let name = userName(ofUserID: uid) else { return [primaryGroup] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, primaryGroup, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, primaryGroup, &groups, &count) != -1 else { return [primaryGroup] }
        }
        return Array(groups.prefix(Int(count)))
    }

    private static func withPasswd<T>(name: String, _ body: (passwd) -> T) -> T? {
        var passwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(name, &passwd, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return body(passwd)
    }
}

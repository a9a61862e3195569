#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A stand-in for systemd's notification socket: a bound `AF_UNIX` datagram socket in a fresh temp
/// directory. Point `NOTIFY_SOCKET` at ``path`` (see ``ProcessEnvironment``), let the code under test
/// call `sd_notify`, then ``receive(timeout:)`` what it sent.
public final class NotifySocketListener: @unchecked Sendable {
    /// Why the listener could not be set up.
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The socket's file-system path (the value for `NOTIFY_SOCKET`).
    public let path: String
    private let directory: String
    // One waiter at a time touches the descriptor (the test's task, or the thread `receive` starts for
    // it); `@unchecked Sendable` lets that thread, or a child task, use the listener.
    private var descriptor: Int32

    public init() throws {
        var template = Array("/tmp/voiced-notify-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SetupError(description: "mkdtemp failed: errno \(errno)")
        }
        directory = String(cString: made)
        path = directory + "/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            rmdir(directory)
            throw SetupError(description: "socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes.prefix(raw.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(descriptor)
            rmdir(directory)
            throw SetupError(description: "bind(\(path)) failed: errno \(code)")
        }
    }

    deinit { close() }

    /// The next datagram, waiting at most `timeout` for it; nil when none came.
    ///
    /// The wait runs on a thread of its own: a `poll` on one of the two cooperative threads, while the
    /// other is just as busy, left the task that sends the datagram (a watchdog's ping) no thread to run
    /// on until the timeout, and stalled every other test meanwhile.
    public func receive(timeout: Duration) async -> String? {
        // `blockingCall`'s body cannot throw here: `try?` only unwraps its signature.
        try? await blockingCall { self.waitAndReceive(timeout: timeout) }
    }

    /// Every datagram already queued, without waiting.
    public func drain() -> [String] {
        var messages: [String] = []
        while let message = waitAndReceive(timeout: .zero) { messages.append(message) }
        return messages
    }

    private func waitAndReceive(timeout: Duration) -> String? {
        guard descriptor >= 0 else { return nil }
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat { ready = poll(&entry, 1, milliseconds) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return nil }
        return receiveNow()
    }

    /// Closes the socket and removes its directory. Idempotent.
    public func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
        unlink(path)
        rmdir(directory)
    }

    private func receiveNow() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

/// Sets process environment variables for the duration of a closure and restores them afterwards.
///
/// The environment is process-global: suites that use this must be `.serialized`, and no other suite
/// in the same test target may read the variables concurrently. Nor may another thread read any variable while one
/// is added (glibc may move its environment array, and a `getenv` walking the old one crashes): `make test` runs the
/// target that uses this, VoiceSystemdTests, in a process of its own, one test at a time.
public enum ProcessEnvironment {
    /// Runs `body` with each variable set to its value (or unset for nil), then restores every
    /// variable to what it was before, even when `body` throws.
    public static func with<T>(
        _ variables: [String: String?],
        _ body: () async throws -> T
    ) async rethrows -> T {
        var saved: [String: String?] = [:]
        for (name, value) in variables {
            saved[name] = getenv(name).map { String(cString: $0) }
            apply(name, value)
        }
        defer { for (name, value) in saved { apply(name, value) } }
        return try await body()
    }

    private static func apply(_ name: String, _ value: String?) {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
}

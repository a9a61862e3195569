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

/// Why a control request did not get a result.
public enum ControlClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection to the daemon (not running, wrong path, no permission on the socket file).
    case unreachable(path: String, reason: String)
    /// The daemon answered with an error (or refused the connection).
    case refused(ControlError)
    /// The daemon went away or sent something that is not the protocol.
    case broken(String)
    /// No answer in time.
    case timedOut(String)

    public var description: String {
        switch self {
        case .unreachable(let path, let reason):
            "cannot reach voiced at \(path): \(reason)"
        case .refused(let error):
            "voiced refused: \(error.message) [\(error.code)]"
        case .broken(let reason):
            "the connection to voiced broke: \(reason)"
        case .timedOut(let what):
            "voiced did not answer in time (\(what))"
        }
    }

    /// What the person can do about it, when we can tell.
    public var hint: String? {
        switch self {
        case .unreachable(_, let reason) where reason.contains("ermission"):
            "is your user in group voiced? (sudo usermod -aG voiced $USER, then log in again)"
        case .unreachable:
            "is voiced running? (systemctl status voiced) Is your user in group voiced? "
                + "Use --socket or VOICED_SOCKET for another path."
        case .refused(let error) where error.code == .notPermitted:
            "ask the owner to add you to group voiced or to control.allowed_users"
        case .refused, .broken, .timedOut:
            nil
        }
    }
}

/// A blocking client for the control socket (what `voicectl` uses; no NIO, no threads).
///
/// Connects, reads the hello, then sends requests one at a time and waits for each response. Events
/// that arrive meanwhile (after `subscribe`) are kept for `nextEvent`.
public final class ControlClient {
    public let socketPath: String
    /// The daemon's hello.
    public private(set) var hello: ControlHello
    /// How long to wait for a response.
    public var timeout: Duration

    private var descriptor: Int32
    /// Bytes read but not yet returned start at `bufferStart` (consumed bytes are dropped in bulk, not
    /// one line at a time, so a burst of events is not quadratic).
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Where the newline search resumes (the bytes before it hold none).
    private var scanned = 0
    private var pendingEvents: [ControlEvent] = []
    private var pendingRecording: [RecordingMessage] = []
    private var nextID = 1
    private static let maximumLineBytes = 16 << 20
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    /// Connects and reads the hello.
    public init(socketPath: String, timeout: Duration = .seconds(10)) throws(ControlClientError) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.hello = ControlHello(daemonVersion: "")
        descriptor = -1
        descriptor = try Self.connect(path: socketPath)
        let line: Data
        do {
            line = try readLine(deadline: ContinuousClock.now + timeout, waitingFor: "the hello line")!
        } catch {
            close(descriptor)
            descriptor = -1
            throw error
        }
        switch try? ControlWire.decodeServerLine(line, answering: nil) {
        case .hello(let hello)?:
            self.hello = hello
        case .response(let response)?:
            close(descriptor)
            descriptor = -1
            if case .failure(let error) = response.reply { throw .refused(error) }
            throw .broken("the daemon answered before being asked")
        default:
            close(descriptor)
            descriptor = -1
            throw .broken("\(socketPath) does not speak the voiced control protocol (no hello line)")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Sends `command` and returns its result; a daemon error is thrown as `.refused`.
    @discardableResult
    public func send(_ command: ControlCommand) throws(ControlClientError) -> ControlResult {
        switch try response(to: command).reply {
        case .success(let result): return result
        case .failure(let error): throw .refused(error)
        }
    }

    /// Sends `command` and returns the whole response (result or error).
    public func response(to command: ControlCommand) throws(ControlClientError) -> ControlResponse {
        let id = ControlRequestID.integer(nextID)
        nextID += 1
        try sendRaw(ControlRequest(id: id, command: command).encodedLine())
        let deadline = ContinuousClock.now + timeout
        while true {
            let line = try readLine(deadline: deadline, waitingFor: "the answer to \(command.name)")!
            let message: ControlServerMessage
            do {
                message = try ControlWire.decodeServerLine(line, answering: command)
            } catch {
                throw .broken("unreadable answer to \(command.name): \(error)")
            }
            switch message {
            case .event(let event):
                pendingEvents.append(event)
            case .recording(let message):
                pendingRecording.append(message)
            case .response(let response) where response.id == id || response.id == nil:
                return response
            case .response, .hello:
                continue
            }
        }
    }

    /// The next event: one already received, or the next from the socket, waiting at most `timeout`
    /// (nil waits forever). Returns nil when the time is up.
    public func nextEvent(timeout: Duration?) throws(ControlClientError) -> ControlEvent? {
        if !pendingEvents.isEmpty { return pendingEvents.removeFirst() }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            guard let line = try readLine(deadline: deadline, waitingFor: nil) else { return nil }
            switch try? ControlWire.decodeServerLine(line, answering: nil) {
            case .event(let event)?: return event
            case .recording(let message)?: pendingRecording.append(message)
            default: continue
            }
        }
    }

    /// The next line of the recording this connection started (`record`): one already received, or
    /// the next from the socket, waiting at most `timeout`. Returns nil when the time is up; a line
    /// that is not the protocol throws `.broken` saying what is wrong with it.
    public func nextRecordingMessage(timeout: Duration) throws(ControlClientError) -> RecordingMessage? {
        if !pendingRecording.isEmpty { return pendingRecording.removeFirst() }
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let line = try readLine(deadline: deadline, waitingFor: nil) else { return nil }
            let message: ControlServerMessage
            do {
                message = try ControlWire.decodeServerLine(line, answering: nil)
            } catch {
                throw .broken("unreadable recording line: \(ControlWire.describe(error))")
            }
            switch message {
            case .recording(let recording): return recording
            case .event(let event): pendingEvents.append(event)
            case .hello, .response: continue
            }
        }
    }

    /// Writes raw bytes (tests use it to send malformed requests).
    public func sendRaw(_ bytes: Data) throws(ControlClientError) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure != 0 { throw .broken("cannot send to \(socketPath): \(String(cString: strerror(failure)))") }
    }

    /// Closes the sending side (the daemon sees end of input but can still answer).
    public func finishSending() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads the next raw line (without its newline), waiting at most `timeout`; nil when the time is up.
    public func readRawLine(timeout: Duration) throws(ControlClientError) -> Data? {
        try readLine(deadline: ContinuousClock.now + timeout, waitingFor: nil)
    }

    // MARK: - Socket

    private static func connect(path: String) throws(ControlClientError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .unreachable(path: path, reason: "the socket path is empty or longer than 107 bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw .unreachable(path: path, reason: "cannot create a socket: \(String(cString: strerror(errno)))")
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let code = errno
            close(descriptor)
            let reason: String
            switch code {
            case ENOENT: reason = "no such socket (voiced is not running, or uses another path)"
            case ECONNREFUSED: reason = "connection refused (voiced is not running; the socket file is stale)"
            case EACCES, EPERM: reason = "permission denied on the socket file"
            default: reason = String(cString: strerror(code))
            }
            throw .unreachable(path: path, reason: reason)
        }
        return descriptor
    }

    /// The next line; nil only when `waitingFor` is nil and the deadline passed (with `waitingFor`, a
    /// passed deadline throws `.timedOut`).
    private func readLine(
        deadline: ContinuousClock.Instant?,
        waitingFor what: String?
    ) throws(ControlClientError) -> Data? {
        while true {
            if let newline = buffer[max(bufferStart, scanned)...].firstIndex(of: 0x0A) {
                let line = Data(buffer[bufferStart..<newline])
                bufferStart = newline + 1
                scanned = bufferStart
                if bufferStart == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    bufferStart = 0
                    scanned = 0
                }
                return line
            }
            scanned = buffer.count
            if bufferStart > 0 {
                buffer.removeSubrange(..<bufferStart)
                scanned -= bufferStart
                bufferStart = 0
            }
            if buffer.count > Self.maximumLineBytes {
                throw .broken("the daemon sent a line longer than \(Self.maximumLineBytes) bytes")
            }
            var waitMilliseconds: Int32 = -1
            if let deadline {
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero {
                    if let what { throw .timedOut(what) }
                    return nil
                }
                let (seconds, attoseconds) = remaining.components
                waitMilliseconds = Int32(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, waitMilliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .broken("poll failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .broken("read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                if !buffer.isEmpty {
                    let line = Data(buffer)
                    buffer.removeAll()
                    scanned = 0
                    return line
                }
                throw .broken("voiced closed the connection")
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}

import Dispatch
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How the session turns the service's host name into addresses. The system's lookup (`getaddrinfo`) blocks, so it
/// runs off the event loop (``CancellableResolver``).
public struct HostLookup: Sendable {
    let addresses: @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]

    /// - Parameter addresses: blocking; the addresses of `host` for TCP to `port`, both families.
    public init(_ addresses: @escaping @Sendable (_ host: String, _ port: Int) throws -> [SocketAddress]) {
        self.addresses = addresses
    }

    /// `getaddrinfo`, as NIO's own resolver does it: one call for both address families.
    public static let system = HostLookup { host, port in
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0 else { throw HostLookupFailure(code: code) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry?.pointee {
            defer { entry = info.ai_next }
            guard let address = info.ai_addr else { continue }
            switch info.ai_family {
            case AF_INET:
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    addresses.append(SocketAddress($0.pointee, host: host))
                }
            case AF_INET6:
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    addresses.append(SocketAddress($0.pointee, host: host))
                }
            default: continue
            }
        }
        return addresses
    }
}

/// `getaddrinfo` found no address: its own words ("Temporary failure in name resolution", "Name or service not known").
struct HostLookupFailure: Error, CustomStringConvertible {
    let code: Int32
    var description: String { String(cString: gai_strerror(code)) }
}

/// Where a connection attempt is, for a timeout's message: a DNS server that does not answer and a host that does not
/// answer need different fixes.
enum ConnectStep: Equatable, Sendable {
    case lookingUp(host: String)
    /// The addresses are known: TCP, TLS and the WebSocket upgrade.
    case connecting
}

/// NIO's `Resolver` for one connection attempt, whose lookup the attempt's cancellation can end.
///
/// NIO's own resolver ends only when `getaddrinfo` returns, and with a DNS server that does not answer (a router up
/// whose upstream is down) that takes the system resolver's timeouts, 5 s per try by default. A shutdown or a
/// reconnect waited for it, up to the whole connect timeout. Here ``cancel()`` fails both queries at once; the lookup
/// still in `getaddrinfo` finishes on its own thread and its answer is dropped.
final class CancellableResolver: Resolver, Sendable {
    private struct State {
        var started = false
        var finished = false
    }
    private let lookup: HostLookup
    private let ipv4: EventLoopPromise<[SocketAddress]>
    private let ipv6: EventLoopPromise<[SocketAddress]>
    private let state = Mutex(State())
    private let onStep: @Sendable (ConnectStep) -> Void

    /// - Parameter onStep: told when the lookup starts and when it has found the addresses (from any thread).
    init(lookup: HostLookup, eventLoop: any EventLoop, onStep: @escaping @Sendable (ConnectStep) -> Void = { _ in }) {
        self.lookup = lookup
        self.onStep = onStep
        ipv4 = eventLoop.makePromise()
        ipv6 = eventLoop.makePromise()
    }

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        startLookup(host: host, port: port)
        return ipv4.futureResult
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        startLookup(host: host, port: port)
        return ipv6.futureResult
    }

    /// Happy Eyeballs is done with the queries (connected, or gave up).
    func cancelQueries() { finish(.failure(CancellationError())) }

    /// The connection attempt was cancelled: the queries fail now, whatever the lookup is doing.
    func cancel() { finish(.failure(CancellationError())) }

    /// One lookup answers both queries (NIO asks for both, AAAA first).
    private func startLookup(host: String, port: Int) {
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        onStep(.lookingUp(host: host))
        let lookup = self.lookup
        DispatchQueue.global().async { [self] in
            finish(Result { try lookup.addresses(host, port) })
        }
    }

    private func finish(_ result: Result<[SocketAddress], any Error>) {
        let first = state.withLock { state in
            defer { state.finished = true }
            return !state.finished
        }
        guard first else { return }
        switch result {
        case .success(let addresses):
            onStep(.connecting)
            ipv4.succeed(addresses.filter { $0.protocol == .inet })
            ipv6.succeed(addresses.filter { $0.protocol == .inet6 })
        case .failure(let error):
            ipv4.fail(error)
            ipv6.fail(error)
        }
    }
}

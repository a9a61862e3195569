import NIOCore
import Synchronization

/// The name lookup and the channels a connection attempt started (one channel per address Happy Eyeballs tries), so
/// that cancelling it can end them: NIO's connect itself ends only by success, failure or its timeout.
final class ConnectAttempts: Sendable {
    private struct State {
        var channels: [any Channel] = []
        var cancelled = false
    }
    private let state = Mutex(State())
    /// The attempt's resolver: give it to the bootstrap.
    let resolver: CancellableResolver

    init(lookup: HostLookup, eventLoop: any EventLoop, onStep: @escaping @Sendable (ConnectStep) -> Void = { _ in }) {
        resolver = CancellableResolver(lookup: lookup, eventLoop: eventLoop, onStep: onStep)
    }

    /// Records a channel about to connect; false when the attempt was already cancelled (the channel must not go on).
    func add(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.channels.append(channel)
            return true
        }
    }

    /// Marks the attempt cancelled, ends its lookup and closes the channels it opened.
    func cancel() {
        resolver.cancel()
        let channels = state.withLock { state in
            state.cancelled = true
            defer { state.channels = [] }
            return state.channels
        }
        for channel in channels { channel.close(promise: nil) }
    }
}

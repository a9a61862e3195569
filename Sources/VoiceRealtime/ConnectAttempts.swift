import NIOCore
import Synchronization

/// The channels a connection attempt opened (one per address Happy Eyeballs tries), so that cancelling it can close
/// them: NIO's connect itself ends only by success, failure or its timeout.
final class ConnectAttempts: Sendable {
    private struct State {
        var channels: [any Channel] = []
        var cancelled = false
    }
    private let state = Mutex(State())

    /// Records a channel about to connect; false when the attempt was already cancelled (the channel must not go on).
    func add(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.channels.append(channel)
            return true
        }
    }

    /// Marks the attempt cancelled and closes the channels it opened.
    func cancel() {
        let channels = state.withLock { state in
            state.cancelled = true
            defer { state.channels = [] }
            return state.channels
        }
        for channel in channels { channel.close(promise: nil) }
    }
}

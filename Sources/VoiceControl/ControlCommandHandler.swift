/// What the control server needs from the daemon.
///
/// The daemon implements it; `ControlServer` calls `handle` for each decoded request (one at a time
/// per connection, concurrently across connections) and reads `events()` once, fanning events out
/// to the connections that subscribed. `subscribe` and `unsubscribe` are handled by the server and
/// never reach `handle`.
public protocol ControlCommandHandler: Sendable {
    /// Carries out `command` and says how it went. Must not block for long: a slow answer holds up
    /// only the asking connection, but the person at the shell is waiting.
    func handle(_ command: ControlCommand) async -> ControlReply

    /// The daemon's events. Called once per server run; the stream should not end before shutdown.
    func events() -> AsyncStream<ControlEvent>
}

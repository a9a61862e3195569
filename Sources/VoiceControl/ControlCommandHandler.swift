/// What the control server needs from the daemon.
///
/// The daemon implements it; `ControlServer` calls `handle` for each decoded request (one at a time
/// per connection, concurrently across connections) and reads `events()` once, fanning events out
/// to the connections that subscribed. `subscribe`, `unsubscribe` and `record` are handled by the
/// server and never reach `handle` (`record` reaches `startRecording`).
public protocol ControlCommandHandler: Sendable {
    /// Carries out `command` and says how it went. Must not block for long: a slow answer holds up
    /// only the asking connection, but the person at the shell is waiting.
    func handle(_ command: ControlCommand) async -> ControlReply

    /// The daemon's events. Called once per server run; the stream should not end before shutdown.
    func events() -> AsyncStream<ControlEvent>

    /// Starts a recording of `seconds` (`record`): the server streams the feed's blocks to the
    /// asking connection and cancels the feed when that connection goes away. A daemon that cannot
    /// record keeps the default, which refuses.
    func startRecording(seconds: Int) async -> Result<RecordingFeed, ControlError>
}

extension ControlCommandHandler {
    public func startRecording(seconds: Int) async -> Result<RecordingFeed, ControlError> {
        .failure(ControlError(.unavailable, "this daemon cannot record"))
    }
}

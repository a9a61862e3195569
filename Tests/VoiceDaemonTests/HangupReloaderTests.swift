import Logging
import Synchronization
import Testing
import VoiceControl
@testable import VoiceDaemon

@Suite struct HangupReloaderTests {
    /// Each SIGHUP reloads once, a failed reload does not stop the next, and the service ends with its signal source.
    @Test func eachHangupReloadsOnce() async throws {
        let (hangups, signal) = AsyncStream<Void>.makeStream()
        let reloads = Mutex(0)
        let reloader = HangupReloader(
            hangups: hangups,
            reload: {
                let count = reloads.withLock { count -> Int in
                    count += 1
                    return count
                }
                return count == 1 ? .failure(ControlError(.invalidArgument, "bad yaml")) : .success("reloaded")
            },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        signal.yield()
        signal.yield()
        signal.finish()
        try await reloader.run()
        #expect(reloads.withLock { $0 } == 2)
    }
}

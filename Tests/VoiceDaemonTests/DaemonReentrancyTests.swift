import Foundation
import Logging
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// Inputs that reach the daemon from different tasks at once (two control clients, SIGHUP and a client, the
/// model's tools and a client), driven into the interleavings that once broke an invariant.
@Suite(.timeLimit(.minutes(2))) struct DaemonReentrancyTests {
    let status = StatusBox()
    let events = EventHub<ControlEvent>()

    func makeCoordinator(link: any RealtimeLink) -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(),
            engine: MemoryAudioEngine(sessionRate: 24_000),
            link: link,
            detector: ThresholdDetector(),
            status: status,
            events: events,
            now: { .zero },
            renderEarcon: { _, _ in [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// Two voice changes at once (`voicectl voice` from two clients, a SIGHUP reload and the model's `set_voice`)
    /// must reach the session in the order status took them, so that the session keeps the voice status reports
    /// (and the state file holds). While a change was awaited on the link, the next one ran on the coordinator to
    /// the end and the first reached the session last; the link's voice change is synchronous since (a fake that
    /// held the first change showed the session left with "rex" and status with "sal").
    @Test func concurrentVoiceChangesReachTheSessionInTheOrderStatusTookThem() async throws {
        let link = LinkRecorder()
        let coordinator = makeCoordinator(link: link)
        let settings = events.subscribe()
        let voices = (0..<40).map { VoiceCatalog.builtIn[$0 % VoiceCatalog.builtIn.count] }
        await withTaskGroup(of: Void.self) { group in
            for voice in voices { group.addTask { await coordinator.setVoice(voice) } }
        }
        var published: [String] = []
        for await event in settings {
            if case .settings(let changed) = event { published.append(changed.voice) }
            if published.count == voices.count { break }
        }
        let applied = link.controlCalls.compactMap { call -> String? in
            if case .changeVoice(let voice) = call { voice } else { nil }
        }
        #expect(applied == published)
        #expect(applied.last == status.snapshot().voice)
    }
}

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
        DaemonCoordinator.forCommandTests(link: link, status: status, events: events)
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

    /// The follow-up response after function calls is requested in the same step as the state change that
    /// expects it. It used to be requested by the tools' task after the coordinator's step returned: a press or a
    /// hold that ran on the coordinator in between cancelled a response that did not exist yet, and the
    /// follow-up's `response.create` then went out after the cancel, so the reply the user had just stopped was
    /// generated anyway (and, with server turn detection, its `response.created` ended the user's new turn).
    @Test func aPressAfterAToolFollowUpCancelsTheFollowUpsResponse() async throws {
        let link = LinkRecorder()
        let coordinator = makeCoordinator(link: link)
        await coordinator.requestFollowUpReply()
        #expect(await coordinator.state == .thinking)
        await coordinator.press()
        #expect(await coordinator.state == .idle)
        let calls = link.controlCalls
        let requested = try #require(calls.firstIndex(of: .createResponse))
        let cancelled = try #require(calls.firstIndex(of: .cancelResponse))
        #expect(requested < cancelled, "\(calls)")
    }

    /// A follow-up that arrives after the conversation moved on (a typed question's reply is already coming)
    /// asks for no second response: the service would refuse it, or answer twice.
    @Test func aToolFollowUpWhileAnotherReplyIsComingRequestsNoResponse() async {
        let link = LinkRecorder()
        let coordinator = makeCoordinator(link: link)
        await coordinator.say("what time is it")
        await coordinator.requestFollowUpReply()
        #expect(await coordinator.state == .thinking)
        #expect(link.controlCalls == [.sendText("what time is it")])
    }

    /// The user stops a reply whose function calls were answered while it still played (its `response.done`
    /// came long before its audio ended): the follow-up, which waited for that playback to end, must not start
    /// talking again right after the user's press.
    @Test func aToolFollowUpAfterTheUserStoppedTheReplyRequestsNoResponse() async {
        let link = LinkRecorder()
        let coordinator = makeCoordinator(link: link)
        await coordinator.say("what time is it")
        await coordinator.handle(.responseCreated(responseID: "r1"))
        await coordinator.handle(
            .replyAudio(responseID: "r1", itemID: "i1", samples: [Int16](repeating: 900, count: 4800)))
        await coordinator.handle(.responseDone(responseID: "r1", status: "completed"))
        #expect(await coordinator.state == .speaking)
        await coordinator.press()
        #expect(await coordinator.state == .idle)
        await coordinator.requestFollowUpReply()
        #expect(await coordinator.state == .idle)
        #expect(!link.controlCalls.contains(.createResponse))
        // A new question's follow-up is requested as usual.
        await coordinator.say("and the date")
        await coordinator.handle(.responseDone(responseID: "r2", status: "completed"))
        #expect(await coordinator.state == .idle)
        await coordinator.requestFollowUpReply()
        #expect(link.controlCalls.last == .createResponse)
    }

    /// Two settings changes at once from two control clients: the state file must end up with what status
    /// reports. Each request snapshots status and writes the file; a write that takes a while (an SD card) let
    /// the second request's newer snapshot be written first and the first's older one over it.
    @Test func concurrentSettingsChangesPersistTheNewestSettings() async throws {
        let writes = GatedPersistence()
        let handler = DaemonControlHandler(
            coordinator: makeCoordinator(link: LinkRecorder()), status: status, events: events,
            environment: .init(version: "test", persist: { writes.persist($0) }))
        // The first write blocks its thread until released: not a pool thread (the suite runs beside others).
        let first = Task(executorPreference: BlockableTaskExecutor()) { await handler.handle(.setVolume(30)) }
        try await writes.firstWriteArrived()
        _ = await handler.handle(.mute)
        writes.releaseFirstWrite()
        #expect(await waitForCompletion(of: first, timeout: mustHappenWithin))
        let current = status.snapshot()
        #expect(writes.last == PersistedSettings(voice: current.voice, volumePercent: 30, muted: true))
    }
}

/// A state file whose first write blocks (a slow card) until the test releases it, for 30 s at most.
final class GatedPersistence: Sendable {
    /// Writes in the order they landed in the file.
    private let written = Mutex<[PersistedSettings]>([])
    private let hold = ThreadHold(armed: true)

    /// What the file holds now.
    var last: PersistedSettings? { written.withLock { $0.last } }

    func persist(_ settings: PersistedSettings) {
        hold.holdIfArmed()
        written.withLock { $0.append(settings) }
    }

    func firstWriteArrived() async throws { try await hold.arrived() }

    func releaseFirstWrite() { hold.release() }
}

import Foundation
import Synchronization
import Testing
import VoiceControl
import VoiceTestSupport

@testable import VoiceControlServer

/// Subscriptions changed by two connections at once (each connection is served on its own task, on any thread).
@Suite(.timeLimit(.minutes(2))) struct ControlEventFanOutReentrancyTests {
    /// The daemon publishes level events only while someone wants them (`onSubscriptionsChanged`). One client
    /// unsubscribing while another subscribes to levels must leave them wanted: each change reported the set it
    /// computed, outside the lock, so the unsubscribe's older, empty set could be reported after the
    /// subscribe's, and levels stayed off for a client waiting for them.
    @Test func theLastReportedSubscriptionsAreTheCurrentOnes() async throws {
        let reports = GatedReports()
        let fanOut = ControlEventFanOut(queueLimit: 4, onChange: { reports.report($0) })
        _ = try #require(fanOut.subscribe(connection: 1, kinds: [.level]))
        reports.holdNextReport()
        let unsubscribe = Task { try await blockingCall { fanOut.unsubscribe(connection: 1) } }
        try await reports.heldReportArrived()
        _ = try #require(fanOut.subscribe(connection: 2, kinds: [.level]))
        reports.releaseHeldReport()
        #expect(await waitForCompletion(of: unsubscribe, timeout: mustHappenWithin))
        #expect(reports.last == [.level])
    }
}

/// Records what `onSubscriptionsChanged` was told, in order; holds one report (its thread blocks, for 30 s at
/// most) until the test releases it.
final class GatedReports: Sendable {
    private let reported = Mutex<[Set<ControlEventKind>]>([])
    private let hold = ThreadHold()

    /// What the daemon was told last.
    var last: Set<ControlEventKind>? { reported.withLock { $0.last } }

    func holdNextReport() { hold.arm() }

    func report(_ wanted: Set<ControlEventKind>) {
        hold.holdIfArmed()
        reported.withLock { $0.append(wanted) }
    }

    func heldReportArrived() async throws { try await hold.arrived() }

    func releaseHeldReport() { hold.release() }
}

import Testing
import VoiceControl
@testable import VoiceControlServer

@Suite struct ControlEventFanOutTests {
    private func overflow(_ fanOut: ControlEventFanOut, limit: Int) {
        for index in 0...limit {
            fanOut.publish(.transcript(TranscriptEvent(role: .assistant, text: "\(index)", isFinal: false)))
        }
    }

    @Test func aSubscriberThatFallsBehindIsDroppedAndOwedOneNotice() throws {
        let fanOut = ControlEventFanOut(queueLimit: 2)
        let stream = try #require(fanOut.subscribe(connection: 7, kinds: [.transcript]))
        overflow(fanOut, limit: 2)
        #expect(fanOut.subscriberCount == 0)
        #expect(fanOut.droppedCount == 1)
        #expect(fanOut.takeDropped(connection: 7))
        #expect(!fanOut.takeDropped(connection: 7))
        _ = stream
    }

    /// The writer takes the notice only after it has written the queued lines; a client that hangs up
    /// before that must not leave its connection's ID behind for the life of the daemon.
    @Test func aDroppedSubscriberThatHangsUpLeavesNothingBehind() throws {
        let fanOut = ControlEventFanOut(queueLimit: 2)
        let stream = try #require(fanOut.subscribe(connection: 7, kinds: [.transcript]))
        overflow(fanOut, limit: 2)
        #expect(fanOut.droppedCount == 1)
        fanOut.connectionClosed(7)
        #expect(fanOut.droppedCount == 0)
        #expect(fanOut.subscriberCount == 0)
        _ = stream
    }

    /// The connection's writer drains its subscriptions in order and asks after each one: subscribing again
    /// before the writer got to an earlier, dropped subscription must not cancel that one's notice.
    @Test func eachDroppedSubscriptionOwesItsOwnNoticeEvenAfterSubscribingAgain() throws {
        let fanOut = ControlEventFanOut(queueLimit: 2)
        let first = try #require(fanOut.subscribe(connection: 7, kinds: [.transcript]))
        overflow(fanOut, limit: 2)
        let second = try #require(fanOut.subscribe(connection: 7, kinds: [.transcript]))
        overflow(fanOut, limit: 2)
        #expect(fanOut.droppedCount == 1)
        #expect(fanOut.takeDropped(connection: 7))
        #expect(fanOut.takeDropped(connection: 7))
        #expect(!fanOut.takeDropped(connection: 7))
        #expect(fanOut.droppedCount == 0)
        _ = (first, second)
    }

    @Test func closingAConnectionEndsItsSubscription() throws {
        let fanOut = ControlEventFanOut(queueLimit: 4)
        _ = try #require(fanOut.subscribe(connection: 1, kinds: []))
        _ = try #require(fanOut.subscribe(connection: 2, kinds: [.state]))
        fanOut.connectionClosed(1)
        #expect(fanOut.subscriberCount == 1)
        #expect(fanOut.droppedCount == 0)
    }
}

import Testing
import VoiceDaemon

@Suite(.timeLimit(.minutes(5))) struct EventHubTests {
    @Test func finishEndsEverySubscriptionAfterWhatWasQueued() async {
        let hub = EventHub<Int>()
        let first = hub.subscribe()
        let second = hub.subscribe()
        hub.publish(7)
        hub.finish()
        var firstSeen: [Int] = []
        for await value in first { firstSeen.append(value) }
        var secondSeen: [Int] = []
        for await value in second { secondSeen.append(value) }
        #expect(firstSeen == [7])
        #expect(secondSeen == [7])
        #expect(hub.subscriberCount == 0)
    }

    @Test func aSubscriberArrivingAfterFinishEndsAtOnce() async {
        let hub = EventHub<Int>()
        hub.finish()
        let late = hub.subscribe()
        hub.publish(1)
        var seen: [Int] = []
        for await value in late { seen.append(value) }
        #expect(seen.isEmpty)
        #expect(hub.subscriberCount == 0)
    }

    @Test func aCancelledConsumerIsForgotten() async throws {
        let hub = EventHub<Int>()
        let stream = hub.subscribe()
        let consumer = Task {
            var count = 0
            for await _ in stream { count += 1 }
            return count
        }
        hub.publish(1)
        consumer.cancel()
        _ = await consumer.value
        #expect(hub.subscriberCount == 0)
        hub.publish(2)  // nobody left to deliver to; must not block or crash
    }
}

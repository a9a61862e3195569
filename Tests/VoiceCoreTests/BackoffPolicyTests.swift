import Testing
import VoiceCore

@Suite struct BackoffPolicyTests {
    private func policy(
        jitter: BackoffPolicy.Jitter = .none,
        random: [Double] = [0.5]
    ) -> BackoffPolicy {
        var configuration = BackoffPolicy.Configuration()
        configuration.jitter = jitter
        return BackoffPolicy(configuration: configuration, random: FixedUnitRandomSource(random))
    }

    @Test func withoutJitterDelaysDoubleFromHalfASecondToTheCap() {
        var backoff = policy()
        var delays: [Duration] = []
        for attempt in 0..<10 {
            delays.append(backoff.delayAfter(.transient, at: .seconds(attempt)))
        }
        let expectedSeconds: [Double] = [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]
        #expect(delays == expectedSeconds.map { .milliseconds(Int64($0 * 1000)) })
        #expect(backoff.consecutiveFailures == 10)
    }

    @Test func fullJitterStaysBetweenTheFloorAndTheExponentialCeiling() {
        var low = policy(jitter: .full, random: [0])
        var high = policy(jitter: .full, random: [0.999_999_999])
        var half = policy(jitter: .full, random: [0.5])
        for _ in 0..<3 {
            _ = low.delayAfter(.transient, at: .zero)
            _ = high.delayAfter(.transient, at: .zero)
            _ = half.delayAfter(.transient, at: .zero)
        }
        // The fourth failure has a ceiling of 0.5 s * 2^3 = 4 s.
        let lowDelay = low.delayAfter(.transient, at: .zero)
        let highDelay = high.delayAfter(.transient, at: .zero)
        let halfDelay = half.delayAfter(.transient, at: .zero)
        #expect(lowDelay == .milliseconds(500))
        #expect(highDelay > .milliseconds(3999) && highDelay <= .seconds(4))
        #expect(halfDelay == .milliseconds(2250))
    }

    @Test func decorrelatedJitterGrowsFromThePreviousDelayAndRespectsTheCap() {
        var backoff = policy(jitter: .decorrelated, random: [0.999_999_999])
        var previous = Duration.milliseconds(500)
        for _ in 0..<12 {
            let delay = backoff.delayAfter(.transient, at: .zero)
            #expect(delay >= .milliseconds(500))
            #expect(delay <= min(previous * 3, .seconds(30)))
            previous = delay
        }
        #expect(previous > .milliseconds(29_999))
    }

    @Test func fatalFailuresWaitMinutesNotSeconds() {
        var backoff = policy(random: [0, 0.5])
        #expect(backoff.delayAfter(.fatal, at: .zero) == .seconds(300))
        #expect(backoff.delayAfter(.fatal, at: .seconds(300)) == .seconds(450))
    }

    @Test func aStableMinuteResetsTheSchedule() {
        var backoff = policy()
        _ = backoff.delayAfter(.transient, at: .zero)
        _ = backoff.delayAfter(.transient, at: .seconds(1))
        #expect(backoff.delayAfter(.transient, at: .seconds(2)) == .seconds(2))
        backoff.connectionReady(at: .seconds(10))
        // Up for 61 s, then closed normally: no delay, and the next failure starts over.
        #expect(backoff.delayAfterClose(at: .seconds(71)) == nil)
        #expect(backoff.consecutiveFailures == 0)
        #expect(backoff.delayAfter(.transient, at: .seconds(72)) == .milliseconds(500))
    }

    @Test func aConnectionDroppedWithinSecondsCountsAsAFailure() {
        var backoff = policy()
        var delays: [Duration?] = []
        for round in 0..<4 {
            let start = Duration.seconds(round * 100)
            backoff.connectionReady(at: start)
            delays.append(backoff.delayAfterClose(at: start + .seconds(1)))
        }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
    }

    @Test func aCloseAfterAFewMinutesButBeforeStableKeepsTheCountButNeedsNoDelay() {
        var backoff = policy()
        _ = backoff.delayAfter(.transient, at: .zero)
        backoff.connectionReady(at: .seconds(1))
        #expect(backoff.delayAfterClose(at: .seconds(30)) == nil)
        #expect(backoff.consecutiveFailures == 1)
    }

    @Test func resetForgetsFailures() {
        var backoff = policy()
        for second in 0..<5 { _ = backoff.delayAfter(.transient, at: .seconds(second)) }
        backoff.reset()
        #expect(backoff.consecutiveFailures == 0)
        #expect(backoff.delayAfter(.transient, at: .seconds(9)) == .milliseconds(500))
    }

    @Test func aCloseWithoutReadinessIsAFailure() {
        var backoff = policy()
        #expect(backoff.delayAfterClose(at: .seconds(3)) == .milliseconds(500))
    }
}

import Synchronization
import Testing
import VoiceTestSupport

@testable import VoiceSystemd

/// A frame counter the test moves by hand, standing in for an audio thread.
private final class FakeProgress: Sendable {
    private let count = Atomic<Int>(0)
    private let idle = Atomic<Bool>(false)

    func advance() { count.add(1, ordering: .relaxed) }
    func setIdle(_ value: Bool) { idle.store(value, ordering: .relaxed) }

    var probe: @Sendable () -> Int? {
        { [self] in idle.load(ordering: .relaxed) ? nil : count.load(ordering: .relaxed) }
    }
}

extension SystemdEnvironmentTests {
    @Suite struct Watchdog {
        /// Runs a watchdog under a fake `NOTIFY_SOCKET` with `WATCHDOG_USEC=4 s` for this process.
        private func withRunningWatchdog(
            probes: [String: FakeProgress],
            _ body: (StepClock, NotifySocketListener, inout AsyncStream<WatchdogTick>.Iterator) async throws -> Void
        ) async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            var environment = SystemdEnvironmentTests.ownWatchdogEnvironment
            environment["NOTIFY_SOCKET"] = listener.path
            try await ProcessEnvironment.with(environment) {
                let clock = StepClock()
                let (ticks, tickSink) = AsyncStream.makeStream(of: WatchdogTick.self)
                let service = WatchdogService(notifier: SystemdNotifier(), clock: clock) { tickSink.yield($0) }
                for (name, progress) in probes.sorted(by: { $0.key < $1.key }) {
                    service.register(WatchdogProbe(name: name, progress: progress.probe))
                }
                #expect(service.checkInterval == .seconds(2))
                let running = Task { await service.run() }
                defer { running.cancel() }
                // The first ping goes out at once.
                #expect(await listener.receive(timeout: mustHappenWithin) == "WATCHDOG=1")
                var iterator = ticks.makeAsyncIterator()
                try await body(clock, listener, &iterator)
                running.cancel()
                await running.value
            }
        }

        @Test func pingsEveryHalfIntervalWhileProbesAdvance() async throws {
            let capture = FakeProgress()
            let session = FakeProgress()
            try await withRunningWatchdog(probes: ["audio.capture": capture, "session": session]) {
                clock, listener, ticks in
                for round in 0..<3 {
                    capture.advance()
                    session.advance()
                    // Wait for this round's own timer (not a stale one from the round before), so the
                    // service has finished the previous check before the clock moves.
                    #expect(await clock.waitForDeadline(at: .seconds(2 * (round + 1))))
                    let start = clock.now
                    #expect(clock.nextDeadline == start.advanced(by: .seconds(2)))
                    // Just before the deadline nothing is due.
                    clock.advance(by: .milliseconds(1999))
                    #expect(listener.drain().isEmpty)
                    clock.advance(by: .milliseconds(1))
                    let tick = await ticks.next()
                    #expect(tick == WatchdogTick(pinged: true, stalledProbes: []))
                    #expect(await listener.receive(timeout: mustHappenWithin) == "WATCHDOG=1")
                }
            }
        }

        @Test func aStalledProbeStopsThePingsUntilItMovesAgain() async throws {
            let capture = FakeProgress()
            let playback = FakeProgress()
            try await withRunningWatchdog(probes: ["audio.capture": capture, "audio.playback": playback]) {
                clock, listener, ticks in
                // The capture thread hangs; playback keeps going.
                for _ in 0..<2 {
                    playback.advance()
                    #expect(await clock.waitForSleepers())
                    clock.advanceToNextDeadline()
                    let tick = await ticks.next()
                    #expect(tick == WatchdogTick(pinged: false, stalledProbes: ["audio.capture"]))
                    // The observer runs after the ping would have been sent, so an empty queue is final.
                    #expect(listener.drain().isEmpty)
                }
                capture.advance()
                playback.advance()
                #expect(await clock.waitForSleepers())
                clock.advanceToNextDeadline()
                #expect(await ticks.next() == WatchdogTick(pinged: true, stalledProbes: []))
                #expect(await listener.receive(timeout: mustHappenWithin) == "WATCHDOG=1")
            }
        }

        @Test func aProbeIdleByDesignDoesNotCountAsStalled() async throws {
            let capture = FakeProgress()
            capture.setIdle(true)
            try await withRunningWatchdog(probes: ["audio.capture": capture]) { clock, listener, ticks in
                for _ in 0..<2 {
                    #expect(await clock.waitForSleepers())
                    clock.advanceToNextDeadline()
                    #expect(await ticks.next() == WatchdogTick(pinged: true, stalledProbes: []))
                    #expect(await listener.receive(timeout: mustHappenWithin) == "WATCHDOG=1")
                }
            }
        }

        @Test func aProbeRegisteredLateIsJudgedFromItsSecondReading() async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            let clock = StepClock()
            let (ticks, tickSink) = AsyncStream.makeStream(of: WatchdogTick.self)
            // An explicit interval works without WATCHDOG_USEC.
            await ProcessEnvironment.with(["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": nil]) {
                let service = WatchdogService(
                    notifier: SystemdNotifier(), interval: .seconds(10), clock: clock
                ) { tickSink.yield($0) }
                let running = Task { await service.run() }
                defer { running.cancel() }
                #expect(await listener.receive(timeout: mustHappenWithin) == "WATCHDOG=1")
                let late = FakeProgress()
                service.register(WatchdogProbe(name: "session", progress: late.probe))
                var iterator = ticks.makeAsyncIterator()
                #expect(await clock.waitForSleepers())
                #expect(clock.nextDeadline == clock.now.advanced(by: .seconds(5)))
                clock.advanceToNextDeadline()
                #expect(await iterator.next() == WatchdogTick(pinged: true, stalledProbes: []))
                #expect(await listener.receive(timeout: mustHappenWithin) == "WATCHDOG=1")
                #expect(await clock.waitForSleepers())
                clock.advanceToNextDeadline()
                #expect(await iterator.next() == WatchdogTick(pinged: false, stalledProbes: ["session"]))
                #expect(listener.drain().isEmpty)
                running.cancel()
                await running.value
            }
        }

        @Test func withoutAWatchdogNothingIsSentAndCancellationEndsTheRun() async throws {
            let listener = try NotifySocketListener()
            defer { listener.close() }
            await ProcessEnvironment.with(
                ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]
            ) {
                let clock = StepClock()
                let service = WatchdogService(notifier: SystemdNotifier(), clock: clock)
                #expect(service.checkInterval == nil)
                let running = Task { await service.run() }
                #expect(await clock.waitForSleepers())
                #expect(listener.drain().isEmpty)
                running.cancel()
                await running.value
                #expect(clock.sleeperCount == 0)
            }
        }
    }
}

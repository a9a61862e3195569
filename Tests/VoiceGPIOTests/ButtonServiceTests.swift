import Testing
import VoiceCore
import VoiceTestSupport

@testable import VoiceGPIO

private func ms(_ value: Int) -> Duration { .milliseconds(value) }

@Suite(.timeLimit(.minutes(5))) struct ButtonServiceTests {
    /// Starts a service on a fake line with a step clock; `body` drives it; the run is cancelled after.
    private func withService(
        settings: ButtonSettings = ButtonSettings(),
        line: FakeButtonLine = FakeButtonLine(),
        _ body: (FakeButtonLine, StepClock, inout AsyncStream<ButtonGesture>.Iterator) async throws -> Void
    ) async throws {
        let clock = StepClock()
        let service = ButtonService(line: line, settings: settings, clock: clock)
        let running = Task { await service.run() }
        var gestures = service.gestures.makeAsyncIterator()
        try await body(line, clock, &gestures)
        running.cancel()
        _ = await running.value
        #expect(line.isClosed)
    }

    @Test func aTapIsReportedWhenTheDoubleTapWindowCloses() async throws {
        try await withService { line, clock, gestures in
            line.press()
            #expect(await clock.waitForDeadline(at: ms(500)))
            clock.advance(by: ms(100))
            line.release()
            // Released at 100 ms: the tap is due when the 300 ms double-tap window ends.
            #expect(await clock.waitForDeadline(at: ms(400)))
            #expect(clock.sleeperCount == 1)
            clock.advance(by: ms(300))
            #expect(await gestures.next() == .tap)
        }
    }

    @Test func holdingIsPushToTalk() async throws {
        try await withService { line, clock, gestures in
            line.press()
            #expect(await clock.waitForDeadline(at: ms(500)))
            clock.advance(by: ms(500))
            #expect(await gestures.next() == .holdStarted)
            #expect(await clock.waitForDeadline(at: ms(5000)))
            clock.advance(by: ms(1500))
            line.release()
            #expect(await gestures.next() == .holdEnded)
        }
    }

    @Test func aDoubleTapEndsAtTheSecondRelease() async throws {
        try await withService { line, clock, gestures in
            line.press()
            #expect(await clock.waitForDeadline(at: ms(500)))
            clock.advance(by: ms(80))
            line.release()
            #expect(await clock.waitForDeadline(at: ms(380)))
            clock.advance(by: ms(120))
            line.press()
            #expect(await clock.waitForDeadline(at: ms(700)))
            line.release()
            #expect(await gestures.next() == .doubleTap)
        }
    }

    @Test func softwareDebounceIsUsedOnlyWithoutKernelDebounce() async throws {
        var settings = ButtonSettings()
        settings.actions.doubleTap = .none
        for kernelDebounce in [true, false] {
            let line = FakeButtonLine(hasKernelDebounce: kernelDebounce)
            try await withService(settings: settings, line: line) { line, clock, gestures in
                // A bouncing press, all within the same millisecond, then a clean release.
                line.press()
                line.release()
                line.press()
                #expect(await clock.waitForDeadline(at: ms(500)))
                clock.advance(by: ms(100))
                line.release()
                line.close()
                var seen: [ButtonGesture] = []
                while let gesture = await gestures.next() { seen.append(gesture) }
                // Without software debounce the bounce counts as a tap of its own.
                #expect(seen == (kernelDebounce ? [.tap, .tap] : [.tap]))
            }
        }
    }

    @Test func aFailingLineEndsTheRunWithItsReason() async {
        let line = FakeButtonLine()
        let service = ButtonService(line: line, settings: ButtonSettings(), clock: StepClock())
        let running = Task { await service.run() }
        line.fail("gpiochip0 was removed")
        #expect(await running.value == "gpiochip0 was removed")
        var gestures = service.gestures.makeAsyncIterator()
        #expect(await gestures.next() == nil)
        #expect(line.isClosed)
    }

    @Test func aButtonHeldAtStartIsIgnoredUntilReleased() async throws {
        var settings = ButtonSettings()
        settings.actions.doubleTap = .none
        try await withService(settings: settings, line: FakeButtonLine(initiallyActive: true)) {
            line, clock, gestures in
            #expect(await clock.waitUntil { clock.sleeperCount == 0 })
            line.release()
            line.press()
            #expect(await clock.waitForDeadline(at: ms(500)))
            line.release()
            #expect(await gestures.next() == .tap)
        }
    }
}

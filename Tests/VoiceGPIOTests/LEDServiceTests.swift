import Synchronization
import Testing
import VoiceCore
import VoiceTestSupport

@testable import VoiceGPIO

private func ms(_ value: Int) -> Duration { .milliseconds(value) }

@Suite(.timeLimit(.minutes(5))) struct LEDServiceTests {
    @Test func patternsFollowTheStateAndBlinkOnTheClock() async {
        let line = FakeOutputLine()
        let clock = StepClock()
        let service = LEDService(line: line, settings: LEDSettings(), clock: clock)
        var writes = line.writes.makeAsyncIterator()
        let running = Task { await service.run() }
        // Idle is off.
        #expect(await writes.next() == false)
        service.show(.listening)
        #expect(await writes.next() == true)
        // Thinking blinks 150 ms on, 150 ms off, from the moment it is shown.
        service.show(.thinking)
        #expect(await clock.waitForDeadline(at: ms(150)))
        clock.advance(by: ms(150))
        #expect(await writes.next() == false)
        #expect(await clock.waitForDeadline(at: ms(300)))
        clock.advance(by: ms(150))
        #expect(await writes.next() == true)
        // Repeating the state keeps the rhythm rather than restarting it.
        service.show(.thinking)
        #expect(await clock.waitForDeadline(at: ms(450)))
        running.cancel()
        await running.value
        #expect(line.levels == [false, true, false, true, false])
        #expect(line.isClosed)
    }

    @Test func aSolidStateArmsNoTimer() async {
        let line = FakeOutputLine()
        let clock = StepClock()
        let service = LEDService(line: line, settings: LEDSettings(), clock: clock)
        var writes = line.writes.makeAsyncIterator()
        let running = Task { await service.run() }
        #expect(await writes.next() == false)
        service.show(.listening)
        #expect(await writes.next() == true)
        service.show(.listening)
        service.finish()
        await running.value
        #expect(clock.sleeperCount == 0)
        #expect(line.levels == [false, true, false])
    }

    @Test func writeFailuresAreReportedOnceAndRetried() async {
        let line = FakeOutputLine()
        line.failWrites("EIO")
        let clock = StepClock()
        let reports = Mutex<[String]>([])
        let service = LEDService(line: line, settings: LEDSettings(), clock: clock) { message in
            reports.withLock { $0.append(message) }
        }
        let running = Task { await service.run() }
        service.show(.error)
        #expect(await clock.waitForSleepers())
        for _ in 0..<3 {
            clock.advanceToNextDeadline()
            #expect(await clock.waitForSleepers())
        }
        line.failWrites(nil)
        var writes = line.writes.makeAsyncIterator()
        clock.advanceToNextDeadline()
        let level = await writes.next()
        #expect(level != nil)
        service.finish()
        await running.value
        let messages = reports.withLock { $0 }
        #expect(messages.count == 1)
        #expect(messages.first?.contains("EIO") == true)
    }
}

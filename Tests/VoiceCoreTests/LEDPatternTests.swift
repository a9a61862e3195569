import Foundation
import Testing

@testable import VoiceCore

private func ms(_ value: Int) -> Duration { .milliseconds(value) }

@Suite struct LEDPatternTests {
    @Test func solidAndOffNeverChange() {
        let solid = LEDAnimator(pattern: .solid)
        let off = LEDAnimator(pattern: .off)
        for t in [0, 1, 999, 123_456] {
            #expect(solid.isOn(at: ms(t)))
            #expect(solid.level(at: ms(t)) == 1)
            #expect(!off.isOn(at: ms(t)))
            #expect(off.level(at: ms(t)) == 0)
        }
        #expect(solid.nextChange(after: ms(5)) == nil)
        #expect(off.nextChange(after: ms(5)) == nil)
    }

    @Test func blinkFollowsItsPeriodAndDutyFromItsStart() {
        // 400 ms period, on for the first 100 ms, started at t = 1000 ms.
        let animator = LEDAnimator(pattern: .blink(periodMilliseconds: 400, duty: 0.25), start: ms(1000))
        #expect(animator.isOn(at: ms(1000)))
        #expect(animator.isOn(at: ms(1099)))
        #expect(!animator.isOn(at: ms(1100)))
        #expect(!animator.isOn(at: ms(1399)))
        #expect(animator.isOn(at: ms(1400)))
        #expect(animator.nextChange(after: ms(1000)) == ms(1100))
        #expect(animator.nextChange(after: ms(1100)) == ms(1400))
        #expect(animator.nextChange(after: ms(1250)) == ms(1400))
        #expect(animator.nextChange(after: ms(1400)) == ms(1500))
    }

    @Test func walkingTheChangesVisitsEveryEdgeOnce() {
        let animator = LEDAnimator(pattern: .blink(periodMilliseconds: 300, duty: 0.5), start: ms(7))
        var time = ms(7)
        var states: [Bool] = [animator.isOn(at: time)]
        for _ in 0..<10 {
            guard let next = animator.nextChange(after: time) else {
                Issue.record("a blink always changes again")
                return
            }
            #expect(next > time)
            #expect(animator.isOn(at: next) != states.last)
            // Nothing changes in between.
            #expect(animator.isOn(at: next - .nanoseconds(1)) == states.last)
            states.append(animator.isOn(at: next))
            time = next
        }
        #expect(time == ms(7 + 5 * 300))
        #expect(states == [true, false, true, false, true, false, true, false, true, false, true])
    }

    @Test func pulseRisesAndFallsAndFlashesInTheMiddleOnAPlainLine() {
        let animator = LEDAnimator(pattern: .pulse(periodMilliseconds: 1000))
        #expect(animator.level(at: .zero) == 0)
        #expect(animator.level(at: ms(250)) == 0.25)
        #expect(animator.level(at: ms(500)) == 1)
        #expect(animator.level(at: ms(750)) == 0.25)
        #expect(animator.level(at: ms(1250)) == 0.25)
        #expect(!animator.isOn(at: ms(349)))
        #expect(animator.isOn(at: ms(350)))
        #expect(animator.isOn(at: ms(649)))
        #expect(!animator.isOn(at: ms(650)))
        #expect(animator.nextChange(after: .zero) == ms(350))
        #expect(animator.nextChange(after: ms(400)) == ms(650))
        #expect(animator.nextChange(after: ms(700)) == ms(1350))
    }

    @Test func showingTheSamePatternKeepsItsRhythm() {
        var animator = LEDAnimator(pattern: .blink(periodMilliseconds: 1000, duty: 0.5), start: .zero)
        animator.show(.blink(periodMilliseconds: 1000, duty: 0.5), at: ms(300))
        #expect(animator.start == .zero)
        animator.show(.solid, at: ms(300))
        #expect(animator.start == ms(300))
        animator.show(.blink(periodMilliseconds: 1000, duty: 0.5), at: ms(900))
        #expect(animator.isOn(at: ms(900)))
        #expect(animator.nextChange(after: ms(900)) == ms(1400))
    }

    @Test(arguments: [
        LEDPattern.blink(periodMilliseconds: 0, duty: 0.5), .blink(periodMilliseconds: -5, duty: 3),
        .pulse(periodMilliseconds: 0),
        .blink(periodMilliseconds: 100, duty: .nan),
    ])
    func nonsenseTimingIsClampedNotFatal(pattern: LEDPattern) {
        let animator = LEDAnimator(pattern: pattern)
        _ = animator.isOn(at: ms(12_345))
        _ = animator.level(at: ms(12_345))
        if let next = animator.nextChange(after: ms(12_345)) {
            #expect(next > ms(12_345))
            #expect(next - ms(12_345) <= ms(LEDPattern.periodRange.upperBound))
        }
    }

    @Test func fullAndZeroDutyBlinksNeverChange() {
        #expect(LEDAnimator(pattern: .blink(periodMilliseconds: 500, duty: 1)).nextChange(after: ms(3)) == nil)
        #expect(LEDAnimator(pattern: .blink(periodMilliseconds: 500, duty: 1)).isOn(at: ms(499)))
        #expect(LEDAnimator(pattern: .blink(periodMilliseconds: 500, duty: 0)).nextChange(after: ms(3)) == nil)
        #expect(!LEDAnimator(pattern: .blink(periodMilliseconds: 500, duty: 0)).isOn(at: ms(0)))
    }

    @Test func theStateShownPutsTheTurnFirst() {
        #expect(
            LEDState.current(voiceState: .listening, muted: true, connection: .backingOff, hasError: true) == .listening
        )
        #expect(LEDState.current(voiceState: .speaking, muted: false, connection: .ready, hasError: false) == .speaking)
        #expect(LEDState.current(voiceState: .idle, muted: true, connection: .backingOff, hasError: true) == .error)
        #expect(LEDState.current(voiceState: .idle, muted: true, connection: .authFailed, hasError: false) == .error)
        #expect(LEDState.current(voiceState: .idle, muted: true, connection: .connecting, hasError: false) == .offline)
        #expect(LEDState.current(voiceState: .idle, muted: true, connection: .ready, hasError: false) == .muted)
        #expect(LEDState.current(voiceState: .idle, muted: false, connection: .ready, hasError: false) == .idle)
    }
}

@Suite struct LEDPatternSettingsTests {
    private func decode(_ json: String) throws -> LEDSettings {
        try JSONDecoder().decode(LEDSettings.self, from: Data(json.utf8))
    }

    @Test func anEmptySectionTakesEveryDefault() throws {
        #expect(try decode("{}") == LEDSettings())
        #expect(LEDSettings().problems().isEmpty)
    }

    @Test func patternsAreWordsOrMaps() throws {
        let settings = try decode(
            """
            {"enabled": true, "line": "LED", "active_low": true,
             "patterns": {"idle": "solid", "listening": "blink", "thinking": {"mode": "pulse"},
                          "error": {"mode": "blink", "period_ms": 150, "duty": 0.3}}}
            """
        )
        #expect(settings.enabled)
        #expect(settings.line == .name("LED"))
        #expect(settings.activeLow)
        #expect(settings.patterns.idle == .solid)
        #expect(settings.patterns.listening == .blink(periodMilliseconds: 1000, duty: 0.5))
        #expect(settings.patterns.thinking == .pulse(periodMilliseconds: 2000))
        #expect(settings.patterns.error == .blink(periodMilliseconds: 150, duty: 0.3))
        // Not mentioned: default.
        #expect(settings.patterns.offline == LEDSettings.Patterns().offline)
    }

    @Test func anUnknownModeSaysWhatIsAllowed() {
        do {
            _ = try decode("{\"patterns\": {\"idle\": \"strobe\"}}")
            Issue.record("decoding should fail")
        } catch {
            #expect(String(describing: error).contains("off, solid, blink or pulse"))
        }
    }

    @Test func encodingRoundTrips() throws {
        var settings = LEDSettings()
        settings.patterns[.muted] = .off
        settings.patterns[.speaking] = .solid
        let data = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(LEDSettings.self, from: data) == settings)
    }
}

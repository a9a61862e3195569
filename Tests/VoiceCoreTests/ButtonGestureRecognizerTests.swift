import Testing

@testable import VoiceCore

private func ms(_ value: Int) -> Duration { .milliseconds(value) }

/// Drives a recognizer like the button service does: edges at their times, ticks at deadlines.
private struct Driver {
    var recognizer: ButtonGestureRecognizer
    var log: [(at: Duration, gesture: ButtonGesture)] = []

    init(_ configuration: ButtonGestureRecognizer.Configuration, initiallyPressed: Bool = false) {
        recognizer = ButtonGestureRecognizer(configuration: configuration, initiallyPressed: initiallyPressed)
    }

    /// Ticks at every deadline up to `time` (as a service would), then delivers the edge.
    mutating func edge(_ pressed: Bool, at time: Duration) {
        run(until: time)
        for gesture in recognizer.edge(pressed: pressed, at: time) { log.append((time, gesture)) }
    }

    mutating func run(until time: Duration) {
        while let deadline = recognizer.nextDeadline, deadline <= time {
            for gesture in recognizer.tick(now: deadline) { log.append((deadline, gesture)) }
        }
    }

    var gestures: [ButtonGesture] { log.map(\.gesture) }
}

@Suite struct ButtonGestureRecognizerTests {
    static let everything = ButtonGestureRecognizer.Configuration(
        debounce: nil, holdThreshold: ms(500), longHoldThreshold: ms(5000), doubleTapWindow: ms(300)
    )
    static let tapsAndHoldsOnly = ButtonGestureRecognizer.Configuration(
        debounce: nil, holdThreshold: ms(500), longHoldThreshold: nil, doubleTapWindow: nil
    )

    @Test func withoutDoubleTapsATapIsReportedAtRelease() {
        var recognizer = ButtonGestureRecognizer(configuration: Self.tapsAndHoldsOnly)
        #expect(recognizer.edge(pressed: true, at: ms(1000)).isEmpty)
        #expect(recognizer.nextDeadline == ms(1500))
        #expect(recognizer.edge(pressed: false, at: ms(1120)) == [.tap])
        #expect(recognizer.nextDeadline == nil)
    }

    @Test func withDoubleTapsATapWaitsForItsWindow() {
        var recognizer = ButtonGestureRecognizer(configuration: Self.everything)
        _ = recognizer.edge(pressed: true, at: ms(0))
        #expect(recognizer.edge(pressed: false, at: ms(100)).isEmpty)
        #expect(recognizer.nextDeadline == ms(400))
        #expect(recognizer.tick(now: ms(399)).isEmpty)
        #expect(recognizer.tick(now: ms(400)) == [.tap])
        #expect(recognizer.nextDeadline == nil)
    }

    @Test func twoQuickTapsAreADoubleTapAtTheSecondRelease() {
        var driver = Driver(Self.everything)
        driver.edge(true, at: ms(0))
        driver.edge(false, at: ms(90))
        driver.edge(true, at: ms(250))
        #expect(driver.gestures.isEmpty)
        driver.edge(false, at: ms(330))
        #expect(driver.gestures == [.doubleTap])
        #expect(driver.log.first?.at == ms(330))
        driver.run(until: ms(10_000))
        #expect(driver.gestures == [.doubleTap])
    }

    @Test func aSecondPressAfterTheWindowIsANewTap() {
        var driver = Driver(Self.everything)
        driver.edge(true, at: ms(0))
        driver.edge(false, at: ms(90))
        driver.edge(true, at: ms(391))
        driver.edge(false, at: ms(450))
        driver.run(until: ms(2000))
        #expect(driver.gestures == [.tap, .tap])
        #expect(driver.log.map(\.at) == [ms(390), ms(750)])
    }

    @Test func aHoldStartsAtTheThresholdAndEndsAtRelease() {
        var driver = Driver(Self.everything)
        driver.edge(true, at: ms(0))
        driver.run(until: ms(499))
        #expect(driver.gestures.isEmpty)
        driver.run(until: ms(500))
        #expect(driver.gestures == [.holdStarted])
        driver.edge(false, at: ms(2300))
        #expect(driver.gestures == [.holdStarted, .holdEnded])
        #expect(driver.log.map(\.at) == [ms(500), ms(2300)])
        #expect(driver.recognizer.nextDeadline == nil)
    }

    @Test func aLongHoldCancelsTheHoldAndSwallowsTheRelease() {
        var driver = Driver(Self.everything)
        driver.edge(true, at: ms(0))
        driver.run(until: ms(4999))
        #expect(driver.gestures == [.holdStarted])
        driver.run(until: ms(5000))
        #expect(driver.gestures == [.holdStarted, .holdCancelled, .longHold])
        driver.edge(false, at: ms(7000))
        driver.run(until: ms(9000))
        #expect(driver.gestures == [.holdStarted, .holdCancelled, .longHold])
    }

    @Test func aLongHoldWithoutHoldsIsReportedDirectly() {
        let configuration = ButtonGestureRecognizer.Configuration(
            holdThreshold: nil, longHoldThreshold: ms(3000), doubleTapWindow: nil
        )
        var driver = Driver(configuration)
        driver.edge(true, at: ms(0))
        driver.edge(false, at: ms(2000))
        driver.edge(true, at: ms(2500))
        driver.run(until: ms(5500))
        driver.edge(false, at: ms(6000))
        #expect(driver.gestures == [.tap, .longHold])
    }

    @Test func withoutHoldsAnyPressIsATap() {
        let configuration = ButtonGestureRecognizer.Configuration(
            holdThreshold: nil, longHoldThreshold: nil, doubleTapWindow: nil
        )
        var recognizer = ButtonGestureRecognizer(configuration: configuration)
        _ = recognizer.edge(pressed: true, at: ms(0))
        #expect(recognizer.nextDeadline == nil)
        #expect(recognizer.edge(pressed: false, at: ms(9000)) == [.tap])
    }

    @Test func holdingTheSecondPressOfADoubleTapIsATapThenAHold() {
        var driver = Driver(Self.everything)
        driver.edge(true, at: ms(0))
        driver.edge(false, at: ms(100))
        driver.edge(true, at: ms(200))
        driver.run(until: ms(700))
        driver.edge(false, at: ms(1500))
        #expect(driver.gestures == [.tap, .holdStarted, .holdEnded])
        #expect(driver.log.map(\.at) == [ms(700), ms(700), ms(1500)])
    }

    @Test func lateTicksStillReportEverythingInOrder() {
        var recognizer = ButtonGestureRecognizer(configuration: Self.everything)
        _ = recognizer.edge(pressed: true, at: ms(0))
        // No tick for six seconds (a stalled task); the release brings everything up to date.
        #expect(recognizer.edge(pressed: false, at: ms(6000)) == [.holdStarted, .holdCancelled, .longHold])
    }

    @Test func aButtonHeldAtStartUpIsIgnoredUntilReleased() {
        var driver = Driver(Self.everything, initiallyPressed: true)
        #expect(driver.recognizer.isPressed)
        driver.run(until: ms(10_000))
        driver.edge(false, at: ms(10_500))
        #expect(driver.gestures.isEmpty)
        driver.edge(true, at: ms(11_000))
        driver.edge(false, at: ms(11_100))
        driver.run(until: ms(12_000))
        #expect(driver.gestures == [.tap])
    }

    @Test func timeGoingBackwardsCountsAsNoTimePassing() {
        var recognizer = ButtonGestureRecognizer(configuration: Self.tapsAndHoldsOnly, now: ms(5000))
        _ = recognizer.edge(pressed: true, at: ms(6000))
        #expect(recognizer.edge(pressed: false, at: ms(10)) == [.tap])
        #expect(recognizer.tick(now: .zero).isEmpty)
    }

    @Test func repeatedEdgesOfTheSameLevelAreHarmless() {
        var driver = Driver(Self.tapsAndHoldsOnly)
        driver.edge(true, at: ms(0))
        driver.edge(true, at: ms(10))
        driver.edge(false, at: ms(100))
        driver.edge(false, at: ms(120))
        #expect(driver.gestures == [.tap])
    }
}

@Suite struct ButtonDebounceTests {
    static let debounced = ButtonGestureRecognizer.Configuration(
        debounce: ms(20), holdThreshold: ms(500), longHoldThreshold: nil, doubleTapWindow: ms(300)
    )

    @Test func bouncingContactsMakeOneTap() {
        var driver = Driver(Self.debounced)
        // Press with bounce, release with bounce.
        for (pressed, at) in [(true, 0), (false, 2), (true, 3), (false, 7), (true, 9)] {
            driver.edge(pressed, at: ms(at))
        }
        #expect(driver.recognizer.isPressed)
        for (pressed, at) in [(false, 150), (true, 151), (false, 155), (true, 160), (false, 162)] {
            driver.edge(pressed, at: ms(at))
        }
        driver.run(until: ms(1000))
        #expect(driver.gestures == [.tap])
        // The tap is timed from the first release edge.
        #expect(driver.log.first?.at == ms(450))
    }

    @Test func bouncingContactsInADoubleTapStillMakeADoubleTap() {
        var driver = Driver(Self.debounced)
        for (pressed, at) in [(true, 0), (false, 1), (true, 2), (false, 100), (true, 101), (false, 104)] {
            driver.edge(pressed, at: ms(at))
        }
        for (pressed, at) in [(true, 200), (false, 204), (true, 205), (false, 290), (true, 292), (false, 295)] {
            driver.edge(pressed, at: ms(at))
        }
        driver.run(until: ms(2000))
        #expect(driver.gestures == [.doubleTap])
    }

    @Test func aLevelThatChangedDuringTheLockoutCountsWhenItEnds() {
        var recognizer = ButtonGestureRecognizer(configuration: Self.debounced)
        _ = recognizer.edge(pressed: true, at: ms(0))
        // Released within the lock-out and it stays released: counts at 20 ms.
        #expect(recognizer.edge(pressed: false, at: ms(5)).isEmpty)
        #expect(recognizer.isPressed)
        #expect(recognizer.nextDeadline == ms(20))
        #expect(recognizer.tick(now: ms(20)).isEmpty)
        #expect(!recognizer.isPressed)
        #expect(recognizer.nextDeadline == ms(320))
        #expect(recognizer.tick(now: ms(320)) == [.tap])
    }

    @Test func withoutSoftwareDebounceEveryEdgeCounts() {
        let configuration = ButtonGestureRecognizer.Configuration(
            debounce: nil, holdThreshold: ms(500), longHoldThreshold: nil, doubleTapWindow: nil
        )
        var driver = Driver(configuration)
        for (pressed, at) in [(true, 0), (false, 2), (true, 3), (false, 7)] { driver.edge(pressed, at: ms(at)) }
        #expect(driver.gestures == [.tap, .tap])
    }
}

@Suite struct ButtonGestureInvariantTests {
    /// A small deterministic generator (the recognizer must never depend on real randomness).
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomEdgeStreamsKeepHoldsBalancedAndDeadlinesInTheFuture(seed: UInt64) {
        var random = SplitMix(state: seed)
        var driver = Driver(
            .init(debounce: ms(15), holdThreshold: ms(400), longHoldThreshold: ms(1500), doubleTapWindow: ms(250))
        )
        var time = Duration.zero
        var pressed = false
        for _ in 0..<2000 {
            time += ms(Int(random.next() % 700))
            if random.next() % 4 != 0 { pressed.toggle() }
            driver.edge(pressed, at: time)
            if let deadline = driver.recognizer.nextDeadline { #expect(deadline >= time) }
        }
        driver.edge(false, at: time + ms(1))
        driver.run(until: time + .seconds(10))
        #expect(driver.recognizer.nextDeadline == nil)
        // Every hold ends exactly once: by a release or by turning into a long hold.
        var open = 0
        for gesture in driver.gestures {
            switch gesture {
            case .holdStarted:
                #expect(open == 0)
                open += 1
            case .holdEnded, .holdCancelled:
                #expect(open == 1)
                open -= 1
            default:
                break
            }
        }
        #expect(open == 0)
        #expect(driver.gestures.contains(.tap))
    }
}

import Testing

@testable import VoiceALSA

@Suite struct PlaybackAccountingTests {
    @Test func pendingReplyFramesAreTheReplyInsideTheDeviceDelay() {
        var timeline = PlayedTimeline(capacity: 8)
        // Periods of 480: silence, a full reply period, then 200 reply frames followed by silence.
        timeline.append(session: 480, reply: 0)
        timeline.append(session: 480, reply: 480)
        timeline.append(session: 480, reply: 200)
        #expect(timeline.replyFrames(inNewest: 0) == 0)
        // The newest 280 frames are the silent tail of the last period.
        #expect(timeline.replyFrames(inNewest: 280) == 0)
        #expect(timeline.replyFrames(inNewest: 300) == 20)
        #expect(timeline.replyFrames(inNewest: 480) == 200)
        #expect(timeline.replyFrames(inNewest: 960) == 680)
        #expect(timeline.replyFrames(inNewest: 10_000) == 680)
        timeline.removeAll()
        #expect(timeline.replyFrames(inNewest: 960) == 0)
    }

    @Test func keepsOnlyTheNewestPeriods() {
        var timeline = PlayedTimeline(capacity: 2)
        timeline.append(session: 100, reply: 100)
        timeline.append(session: 100, reply: 0)
        timeline.append(session: 100, reply: 50)
        #expect(timeline.replyFrames(inNewest: 1_000) == 50)
    }

    @Test func paceDetectorFiresOnlyForAClocklessDevice() {
        // Frames arriving all at once, beyond the grace, are far faster than real time.
        var fast = PaceDetector(rate: 24_000, graceFrames: 1_920)
        var fired = false
        for _ in 0..<30 { fired = fast.record(frames: 480) || fired }
        #expect(fired)
        #expect(fast.decided)
        // Within the grace nothing is decided however fast it goes.
        var grace = PaceDetector(rate: 24_000, graceFrames: 100_000)
        var graceFired = false
        for _ in 0..<30 { graceFired = grace.record(frames: 480) || graceFired }
        #expect(!graceFired)
    }
}

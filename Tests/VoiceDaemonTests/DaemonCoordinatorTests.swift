import Foundation
import Logging
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceDaemon

extension LinkRecorder: RealtimeLink {
    public func appendAudio(_ samples: [Int16]) { recordAudio(samples) }
    public func commitInput() { record(.commit) }
    public func clearInput() { record(.clear) }
    public func requestResponse() { record(.createResponse) }
    public func cancelResponse() { record(.cancelResponse) }
    public func truncate(itemID: String, audioEndMilliseconds: Int) {
        record(.truncate(itemID: itemID, milliseconds: audioEndMilliseconds))
    }
    public func sendText(_ text: String) { record(.sendText(text)) }
    public func changeVoice(_ voice: String) { record(.changeVoice(voice)) }
    public func reconnect() async { record(.reconnect) }
    public func connectionStatus() async -> ConnectionStatus { ConnectionStatus() }
}

/// A stand-in VAD: loud frames are speech; `silentFramesToEnd` quiet frames end it; speech while the
/// reference is playing is a barge-in only when louder than the reference.
struct ThresholdDetector: SpeechDetecting {
    var silentFramesToEnd = 30
    private var inSpeech = false
    private var silentFrames = 0

    mutating func process(frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?) -> FrameDecision {
        let level = SignalMeasures.rmsDBFS(frame)
        let referenceLevel = reference.map { SignalMeasures.rmsDBFS($0) } ?? -120
        var decision = FrameDecision(levelDBFS: level)
        let speech = level > -30 && level > referenceLevel + 6
        if speech {
            silentFrames = 0
            if !inSpeech {
                inSpeech = true
                decision.speechStarted = true
                decision.bargeIn = referenceLevel > -60
            }
        } else if inSpeech {
            silentFrames += 1
            if silentFrames >= silentFramesToEnd {
                inSpeech = false
                decision.speechEnded = true
            }
        }
        return decision
    }

    mutating func resetTurn() {
        inSpeech = false
        silentFrames = 0
    }

    var framesUntilTurnEndsInSilence: Int? { inSpeech ? silentFramesToEnd - silentFrames : nil }
}

extension DaemonCoordinator {
    /// A coordinator for tests that drive its commands rather than its audio: the stand-in VAD, a clock stopped at
    /// zero, silent earcons, no logs.
    static func forCommandTests(
        engine: MemoryAudioEngine = MemoryAudioEngine(sessionRate: 24_000),
        link: any RealtimeLink,
        status: StatusBox,
        events: EventHub<ControlEvent>
    ) -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(),
            engine: engine,
            link: link,
            detector: ThresholdDetector(),
            status: status,
            events: events,
            now: { .zero },
            renderEarcon: { _, _ in [] },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }
}

/// Coordinator tests speak in tones at the session rate.
protocol SessionRateTones {
    var rate: Int { get }
}

/// Coordinator tests that play the daemon's audio loop by hand, on a clock they advance themselves.
protocol CoordinatorTicking: SessionRateTones {
    var time: TestTime { get }
}

extension CoordinatorTicking {
    /// The microphone hears `samples` in 20 ms periods, each followed by an audio tick.
    func hear(_ samples: [Int16], on engine: MemoryAudioEngine, through coordinator: DaemonCoordinator) async {
        var offset = 0
        while offset < samples.count {
            let end = min(offset + rate / 50, samples.count)
            engine.hear(Array(samples[offset..<end]))
            time.advance(.milliseconds(20))
            await coordinator.audioTick()
            offset = end
        }
    }
}

extension SessionRateTones {
    /// A 300 Hz tone: speech to `ThresholdDetector` at the default amplitude.
    func tone(milliseconds: Int, amplitude: Double = 8000) -> [Int16] {
        let step = 2 * Double.pi * 300 / Double(rate)
        return (0..<rate * milliseconds / 1000).map { index -> Int16 in Int16(amplitude * sin(step * Double(index))) }
    }
}

/// A clock the test advances by hand.
final class TestTime: Sendable {
    private let value = Synchronization.Mutex<Duration>(.zero)
    func advance(_ by: Duration) { value.withLock { $0 += by } }
    var now: Duration { value.withLock { $0 } }
}

@Suite(.timeLimit(.minutes(5))) struct DaemonCoordinatorTests: CoordinatorTicking {
    let rate = 24_000
    let engine = MemoryAudioEngine(sessionRate: 24_000)
    let link = LinkRecorder()
    let status = StatusBox()
    let events = EventHub<ControlEvent>()
    let time = TestTime()

    func makeCoordinator(
        _ conversation: ConversationSettings = .init(),
        onEarcon: @escaping @Sendable (Earcon) -> Void = { _ in }
    ) -> DaemonCoordinator {
        DaemonCoordinator(
            settings: .init(conversation: conversation),
            engine: engine,
            link: link,
            detector: ThresholdDetector(),
            status: status,
            events: events,
            now: { [time] in time.now },
            renderEarcon: { earcon, rate in
                onEarcon(earcon)
                return [Int16](repeating: 1000, count: rate / 20)
            },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    /// Feeds audio in 20 ms ticks, as the daemon's tick loop would.
    func hear(_ samples: [Int16], through coordinator: DaemonCoordinator) async {
        await hear(samples, on: engine, through: coordinator)
    }

    @Test func oneTurnStreamsTheQuestionAndPlaysTheReply() async {
        let coordinator = makeCoordinator()
        await coordinator.press()
        #expect(await coordinator.state == .listening)
        let question = tone(milliseconds: 1000)
        await hear(question + [Int16](repeating: 0, count: rate), through: coordinator)  // speech, then 1 s of silence
        #expect(await coordinator.state == .thinking)
        #expect(link.controlCalls == [.commit, .createResponse])
        // Everything heard from the press to the end of the turn went up, in ~100 ms chunks.
        #expect(link.sentAudio.count >= question.count)
        #expect(link.recorded.filter { if case .append(let n) = $0 { n > rate / 10 } else { false } }.isEmpty)

        await coordinator.handle(.responseCreated(responseID: "resp_1"))
        let reply = tone(milliseconds: 500, amplitude: 4000)
        await coordinator.handle(.replyAudio(responseID: "resp_1", itemID: "msg_1", samples: reply))
        #expect(await coordinator.state == .speaking)
        await coordinator.handle(.responseDone(responseID: "resp_1", status: "completed"))
        #expect(await coordinator.state == .speaking, "still playing")
        engine.playOut(frames: rate)  // the speaker plays everything
        time.advance(.milliseconds(20))
        await coordinator.audioTick()
        #expect(await coordinator.state == .idle)
        #expect(status.snapshot().counters.turns == 1)
        // The played audio is the listening earcon followed by the reply, sample for sample.
        #expect(Array(engine.played.suffix(reply.count)) == reply)
    }

    /// Under the service's VAD a second tap cannot commit: what the microphone heard up to the tap goes up, then
    /// silence in its place (the room may go on talking) until the service ends the turn.
    @Test func aSecondTapUnderTheServicesVADSendsSilenceInPlaceOfTheMicrophone() async {
        var conversation = ConversationSettings()
        conversation.turnEnding = .server
        let coordinator = makeCoordinator(conversation)
        await coordinator.press()
        let question = tone(milliseconds: 600)
        await hear(question, through: coordinator)
        let sentBeforeTheTap = link.sentAudio.count
        await coordinator.press()
        #expect(await coordinator.state == .listening)
        await hear(tone(milliseconds: 1000), through: coordinator)  // the television goes on
        let sent = link.sentAudio
        #expect(sent.count >= sentBeforeTheTap + rate * 8 / 10, "streaming goes on")
        #expect(sent[..<question.count].contains { $0 != 0 }, "the question went up as heard")
        #expect(sent[question.count...].allSatisfy { $0 == 0 }, "after the tap, silence")
        #expect(!link.controlCalls.contains(.clear) && !link.controlCalls.contains(.commit))
        await coordinator.handle(.inputCommitted)
        #expect(await coordinator.state == .thinking)
        let sentAtTheCommit = link.sentAudio.count
        await hear(tone(milliseconds: 200), through: coordinator)
        #expect(link.sentAudio.count == sentAtTheCommit, "the turn is over: nothing more goes up")
    }

    @Test func captureToSendProbeMeasuresFromTheNewestFrameOfEachChunk() async throws {
        let coordinator = makeCoordinator()
        #expect(status.snapshot().latency.captureToSendMs == nil)
        await coordinator.holdStarted()
        await hear(tone(milliseconds: 300), through: coordinator)
        #expect(!link.sentAudio.isEmpty)
        let probe = try #require(status.snapshot().latency.captureToSendMs)
        // The test clock stands still inside a tick: what remains is how long before the ring read the
        // chunk's newest frame was captured, at most the 20 ms one tick reads.
        #expect(probe >= 0 && probe <= 20)
    }

    @Test func bargeInFlushesCancelsAndTruncatesAtWhatWasPlayed() async {
        let coordinator = makeCoordinator()
        await coordinator.say("tell me a story")
        await coordinator.handle(.responseCreated(responseID: "resp_9"))
        await coordinator.handle(
            .replyAudio(responseID: "resp_9", itemID: "msg_9", samples: tone(milliseconds: 3000, amplitude: 2000)))
        // 400 ms of the reply plays while the room is quiet (the mic hears a faint echo).
        await hear([Int16](repeating: 0, count: rate * 4 / 10), through: coordinator)
        // Then the user talks over it, louder than the echo.
        await hear(tone(milliseconds: 200, amplitude: 12000), through: coordinator)
        #expect(await coordinator.state == .listening)
        #expect(engine.flushCount == 1)
        let calls = link.controlCalls
        #expect(calls.first == .sendText("tell me a story"))
        #expect(calls.contains(.cancelResponse))
        let truncated = calls.compactMap { if case .truncate(_, let ms) = $0 { ms } else { nil } }
        #expect(truncated.count == 1)
        // 400 ms of quiet plus the 20 ms tick in which the barge-in was detected.
        #expect((400...440).contains(truncated[0]))
        #expect(status.snapshot().counters.bargeIns == 1)
        // Late audio of the cancelled response is not played.
        let playedBefore = engine.playbackRing.availableToRead
        await coordinator.handle(.replyAudio(responseID: "resp_9", itemID: "msg_9", samples: tone(milliseconds: 100)))
        #expect(engine.playbackRing.availableToRead == playedBefore)
        // The barge-in audio, with its pre-roll, is going up as the new turn.
        #expect(link.sentAudio.count >= rate / 10)
    }

    @Test func aMuteDuringATurnSendsSilence() async {
        let coordinator = makeCoordinator()
        await coordinator.press()
        await coordinator.setMuted(true)
        await hear(tone(milliseconds: 300), through: coordinator)
        await coordinator.press()
        #expect(!link.sentAudio.isEmpty)
        #expect(link.sentAudio.allSatisfy { $0 == 0 })
    }

    /// The loudest frame of each turn the microphone heard reaches the status (for `voicectl doctor`); muted frames do
    /// not count, and a turn of exact zeros reads -120.
    @Test func theLoudestFrameOfTheLastTurnIsReported() async {
        let coordinator = makeCoordinator()
        #expect(status.snapshot().audio.lastTurnMicPeakDBFS == nil)
        await coordinator.press()
        await hear([Int16](repeating: 0, count: rate / 2), through: coordinator)
        await coordinator.cancel()
        #expect(status.snapshot().audio.lastTurnMicPeakDBFS == -120)

        await coordinator.press()
        await hear(tone(milliseconds: 300, amplitude: 1000), through: coordinator)
        await coordinator.setMuted(true)
        await hear(tone(milliseconds: 300, amplitude: 8000), through: coordinator)
        await coordinator.cancel()
        // A sine of amplitude 1000 is -33.3 dBFS RMS; the louder tone came while muted.
        let peak = status.snapshot().audio.lastTurnMicPeakDBFS ?? 0
        #expect(abs(peak - -33.3) < 0.5, "\(peak)")
    }

    /// A press while muted would start a turn that hears nothing and is cancelled as silent eight seconds later: it is
    /// refused at once, with the error earcon and a message saying why. A press that stops a reply still stops it.
    @Test func aPressWhileMutedStartsNoTurn() async {
        let rendered = Mutex<[Earcon]>([])
        let coordinator = makeCoordinator(onEarcon: { earcon in rendered.withLock { $0.append(earcon) } })
        await coordinator.setMuted(true)
        let refusal = await coordinator.press()
        #expect(refusal?.message.contains("the microphone is muted") == true)
        #expect(await coordinator.state == .idle)
        #expect(rendered.withLock { $0 } == [.error])
        #expect(await coordinator.holdStarted() != nil)
        #expect(await coordinator.state == .idle)
        #expect(link.controlCalls.isEmpty)

        await coordinator.say("tell me a story")
        await coordinator.handle(.responseCreated(responseID: "resp_1"))
        await coordinator.handle(.replyAudio(responseID: "resp_1", itemID: "msg_1", samples: tone(milliseconds: 500)))
        #expect(await coordinator.state == .speaking)
        #expect(await coordinator.press() == nil, "a press that stops the reply is not refused")
        #expect(await coordinator.state == .idle)
        await coordinator.setMuted(false)
        #expect(await coordinator.press() == nil)
        #expect(await coordinator.state == .listening)
    }

    @Test func connectionChangesReachStatusAndSubscribers() async {
        let coordinator = makeCoordinator()
        let stream = events.subscribe()
        var ready = ConnectionStatus()
        ready.state = .ready
        ready.attempts = 1
        await coordinator.handle(.connection(ready))
        #expect(status.snapshot().connection.state == .ready)
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == .connection(ready))
        var rejected = ConnectionStatus()
        rejected.state = .authFailed
        rejected.lastError = "API key rejected"
        await coordinator.handle(.connection(rejected))
        #expect(status.snapshot().connection.lastError == "API key rejected")
        #expect(engine.playbackRing.availableToRead > 0, "an offline or error earcon was queued")
    }

    /// A session rotation or `voicectl reconnect` passes through `connecting` and comes back: no sound. A drop whose
    /// retry fails, or that waits to retry, is announced once.
    @Test func onlyAConnectionThatStaysDownSoundsTheOfflineEarcon() async {
        let rendered = Mutex<[Earcon]>([])
        let coordinator = makeCoordinator(onEarcon: { earcon in rendered.withLock { $0.append(earcon) } })
        func connection(_ state: ConnectionState, attempts: Int = 1) -> LinkEvent {
            var status = ConnectionStatus()
            status.state = state
            status.attempts = attempts
            return .connection(status)
        }
        func offlineEarcons() -> Int { rendered.withLock { $0.filter { $0 == .offline }.count } }

        await coordinator.handle(connection(.ready))
        // A deliberate reconnect (rotation, `voicectl reconnect`): straight to a new attempt, which succeeds.
        await coordinator.handle(connection(.connecting))
        await coordinator.handle(connection(.ready, attempts: 2))
        #expect(offlineEarcons() == 0)
        // A drop retried at once whose attempt fails: announced when the session starts waiting, once.
        await coordinator.handle(connection(.connecting))
        await coordinator.handle(connection(.backingOff))
        await coordinator.handle(connection(.connecting))
        await coordinator.handle(connection(.backingOff))
        #expect(offlineEarcons() == 1)
        await coordinator.handle(connection(.ready, attempts: 3))
        // A drop that waits before retrying: at once.
        await coordinator.handle(connection(.backingOff))
        #expect(offlineEarcons() == 2)
        await coordinator.handle(connection(.ready, attempts: 4))
        // The idle policy's deliberate close is silent.
        await coordinator.handle(connection(.disconnected))
        #expect(offlineEarcons() == 2)
    }
}

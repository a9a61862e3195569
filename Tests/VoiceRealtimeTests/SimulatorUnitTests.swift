import Testing
import VoiceProtocol

@testable import VoiceSimulator

@Suite struct SimulatorUnitTests {
    @Test func g711RoundTripsWithinTheCodecsStep() {
        for sample in stride(from: -32_000, through: 32_000, by: 997).map(Int16.init) {
            let mu = WireAudio.muLawDecode(WireAudio.muLawEncode(sample))
            let a = WireAudio.aLawDecode(WireAudio.aLawEncode(sample))
            // G.711 keeps about 4 significant bits: the error is within 1/16 of the magnitude plus a small floor.
            let tolerance = abs(Int(sample)) / 16 + 40
            #expect(abs(Int(mu) - Int(sample)) <= tolerance, "µ-law \(sample) → \(mu)")
            #expect(abs(Int(a) - Int(sample)) <= tolerance, "A-law \(sample) → \(a)")
        }
        #expect(WireAudio.muLawEncode(0) == 0xFF)
        #expect(WireAudio.aLawEncode(0) == 0xD5)
    }

    @Test func pcmWireBytesAreLittleEndianAndOddCountsAreRejected() {
        #expect(WireAudio.encode([0x0102, -1], as: .pcm(rate: 24_000)) == [0x02, 0x01, 0xFF, 0xFF])
        #expect(WireAudio.decode([0x02, 0x01, 0xFF, 0xFF], as: .pcm(rate: 24_000)) == [0x0102, -1])
        #expect(WireAudio.decode([1, 2, 3], as: .pcm(rate: 24_000)) == nil)
        #expect(WireAudio.encode([1], as: .opus) == nil)
    }

    @Test func speechDetectorFindsStartAndEndInAudioTime() {
        var detector = SpeechDetector(levelDBFS: -35, silenceMilliseconds: 300, sampleRate: 16_000)
        let edges = detector.process(
            silence(seconds: 0.25, rate: 16_000) + tone(seconds: 0.5, rate: 16_000)
                + silence(seconds: 0.5, rate: 16_000))
        #expect(edges == [.started(atMilliseconds: 250), .stopped(atMilliseconds: 750)])
        #expect(detector.elapsedMilliseconds == 1_250)
    }

    @Test func speechDetectorIgnoresAClick() {
        var detector = SpeechDetector(levelDBFS: -35, silenceMilliseconds: 300, sampleRate: 24_000)
        let click = [Int16](repeating: 20_000, count: 240)
        #expect(detector.process(silence(seconds: 0.1) + click + silence(seconds: 0.5)).isEmpty)
    }

    @Test func synthesizedSpeechHasTheLengthAndIsAudibleAndDeterministic() {
        var first = SpeechSynthesizer(sampleRate: 16_000, seed: 7)
        var second = SpeechSynthesizer(sampleRate: 16_000, seed: 7)
        let samples = first.speak(seconds: 2.0, words: 5)
        #expect(samples.count == 32_000)
        #expect(samples == second.speak(seconds: 2.0, words: 5))
        #expect(rms(samples) > 1_500)
        #expect(samples.map { abs(Int($0)) }.max() ?? 0 <= 32_767 * 45 / 100)
        // Pauses between words: some 10 ms frames are nearly silent.
        let frames = stride(from: 0, to: samples.count, by: 160).map {
            rms(Array(samples[$0..<min(samples.count, $0 + 160)]))
        }
        #expect(frames.contains { $0 < 100 })
        #expect(frames.contains { $0 > 3_000 })
    }

    @Test func admissionChecksKeyPathAndFaults() {
        let configuration = SimulatorConfiguration(
            apiKey: "k1", faults: [FaultRule(.refuseUpgrade(status: 503), connections: .first(1))])
        func decide(_ request: (String, [(String, String)]), connection: Int = 2) -> Admission {
            Admission.decide(uri: request.0, headers: request.1, connection: connection, configuration: configuration)
        }
        func head(_ uri: String, _ headers: [(String, String)]) -> (String, [(String, String)]) { (uri, headers) }
        let good = head("/v1/realtime?model=m", [("Authorization", "Bearer k1")])
        #expect(decide(good, connection: 1).refusalStatus == 503)
        #expect(decide(good) == .accept(subprotocol: nil))
        let secret = head("/v1/realtime", [("Sec-WebSocket-Protocol", "realtime, xai-client-secret.k1")])
        #expect(
            decide(secret)
                == .accept(subprotocol: "xai-client-secret.k1"))
        let lowercase = head("/v1/realtime", [("authorization", "bearer k1")])
        #expect(decide(lowercase) == .accept(subprotocol: nil))
        let wrong = head("/v1/realtime", [("Authorization", "Bearer k2")])
        guard case .refuse(_, let body) = decide(wrong) else {
            Issue.record("wrong key accepted")
            return
        }
        #expect(decide(wrong).refusalStatus == 401)
        #expect(!body.contains("k2"))
        #expect(Admission.model(in: "/v1/realtime?x=1&model=grok-voice-think-fast-1.0") == "grok-voice-think-fast-1.0")
        #expect(Admission.model(in: "/v1/realtime") == nil)
    }

    @Test func faultSpecificationsParse() throws {
        #expect(
            try FaultRule(parsing: "refuse:503#first:2")
                == FaultRule(.refuseUpgrade(status: 503), connections: .first(2)))
        #expect(
            try FaultRule(parsing: "close:1011@mid:3")
                == FaultRule(.close(code: 1011, .midResponse(afterAudioChunks: 3))))
        #expect(try FaultRule(parsing: "drop") == FaultRule(.drop(.midResponse(afterAudioChunks: 2))))
        #expect(
            try FaultRule(parsing: "stall@ready#after:1")
                == FaultRule(.stall(.afterSessionUpdated), connections: .after(1)))
        #expect(
            try FaultRule(parsing: "error:max_duration@connect#1,3")
                == FaultRule(.error(.maxDuration, .onConnect), connections: .numbers([1, 3])))
        #expect(
            try FaultRule(parsing: "oversized:2000000@ready")
                == FaultRule(.oversizedFrame(bytes: 2_000_000, .afterSessionUpdated)))
        #expect(try FaultRule(parsing: "trickle:250") == FaultRule(.slowTrickle(interval: .milliseconds(250))))
        #expect(try FaultRule(parsing: "expire:30") == FaultRule(.sessionExpiry(after: .seconds(30))))
        #expect(try FaultRule(parsing: "duplicate-speech-started") == FaultRule(.duplicateSpeechStarted))
        #expect(try FaultRule(parsing: "duplicate-function-calls") == FaultRule(.duplicateFunctionCallItems))
        #expect(try FaultRule(parsing: "malformed@ready") == FaultRule(.malformedJSON(.afterSessionUpdated)))
        #expect(try FaultRule(parsing: "unknown@mid:0") == FaultRule(.unknownEvent(.midResponse(afterAudioChunks: 0))))
        for bad in ["", "explode", "close", "close:x", "close:70000", "drop@later", "drop#first:x", "error"] {
            #expect(throws: FaultParseError.self, "\(bad)") { try FaultRule(parsing: bad) }
        }
    }

    @Test func connectionSelectors() {
        #expect(ConnectionSelector.first(2).contains(2))
        #expect(!ConnectionSelector.first(2).contains(3))
        #expect(ConnectionSelector.after(2).contains(3))
        #expect(!ConnectionSelector.after(2).contains(2))
        #expect(ConnectionSelector.numbers([4]).contains(4))
        #expect(ConnectionSelector.all.contains(99))
    }

    @Test func sessionStateMachineGreetsThenRequiresSessionUpdate() {
        var session = SimulatedSession(configuration: SimulatorConfiguration(), connection: 1, model: "m")
        let greeting = session.open()
        #expect(greeting.count == 2)
        guard case .send(.sessionCreated(let info)) = greeting[0] else {
            Issue.record("no session.created")
            return
        }
        #expect(info.configuration.model == "m")
        #expect(info.configuration.turnDetection?.isManual == false)
        let early = session.receive(text: RealtimeCoding.encode(.inputAudioBufferCommit, eventID: "x"))
        guard case .send(.error(let error)) = early.first else {
            Issue.record("commit before session.update accepted")
            return
        }
        #expect(error.eventID == "x")
        #expect(session.nextResponseStep() == nil)
    }

    @Test func cancelBetweenStepsStopsTheRest() {
        var session = SimulatedSession(configuration: SimulatorConfiguration(), connection: 1, model: nil)
        _ = session.open()
        _ = session.receive(text: RealtimeCoding.encode(.sessionUpdate(manualSession)))
        _ = session.receive(text: RealtimeCoding.encode(.conversationItemCreate(item: .userText("hi"))))
        #expect(session.receive(text: RealtimeCoding.encode(.responseCreate())) == [.startResponse])
        let first = session.nextResponseStep()
        let second = session.nextResponseStep()
        #expect(first?.audioChunks == 0)
        #expect(second?.audioChunks == 1)
        let cancelled = session.receive(text: RealtimeCoding.encode(.responseCancel()))
        guard case .send(.responseDone(let done)) = cancelled.first else {
            Issue.record("no response.done")
            return
        }
        #expect(done.status == .cancelled)
        #expect(session.nextResponseStep() == nil)
        #expect(!session.hasActiveResponse)
    }
}

extension SimulatedSession.ResponseStep: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.outputs == rhs.outputs && lhs.audioMilliseconds == rhs.audioMilliseconds && lhs.opensCalls == rhs.opensCalls
    }
}

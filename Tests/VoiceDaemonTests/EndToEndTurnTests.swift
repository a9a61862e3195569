import Foundation
import Logging
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceProtocol
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceDaemon

/// The whole product on one machine: the real daemon (real libasound over a simulated sound card,
/// the real realtime session, the real control socket) against the local simulator.
@Suite(.serialized, .timeLimit(.minutes(5))) struct EndToEndTurnTests {
    static let key = "e2e-test-key"
    static let rate = 24_000

    /// Speech-like sound: a voiced buzz (harmonics of 140 Hz) shaped into syllables.
    static func utterance(seconds: Double) -> [Int16] {
        let count = Int(seconds * Double(rate))
        return (0..<count).map { index in
            let t = Double(index) / Double(rate)
            var value = 0.0
            for harmonic in 1...6 { value += sin(2 * Double.pi * 140 * Double(harmonic) * t) / Double(harmonic) }
            let syllable = 0.5 - 0.5 * cos(2 * Double.pi * 4 * t)
            return Int16(max(-32767, min(32767, 6000 * value * syllable)))
        }
    }

    struct Running {
        let card: ALSATestCard
        let simulator: RealtimeSimulator
        let handle: DaemonRunner.DaemonHandle
        let task: Task<Void, any Error>
    }

    /// Writes a daemon config for the simulated `card` (paced, mono at `rate`; the control socket and state file
    /// in the card's directory) into that directory, and returns its path. `realtimeKeys` are more lines of its
    /// `realtime:` section.
    static func writeConfig(on card: ALSATestCard, extra: String = "", realtimeKeys: [String] = []) throws -> String {
        let configPath = card.directory.appendingPathComponent("voiced.yaml").path
        let yaml = """
            audio:
              capture_device: default
              playback_device: default
              device_rate: \(rate)
              format: S16_LE
              channels: 1
              pace: "on"
              alsa_config_path: \(card.configPath)
            control:
              socket_path: \(card.directory.appendingPathComponent("control.sock").path)
              state_file: \(card.directory.appendingPathComponent("state.json").path)
              socket_group: ""
              allowed_groups: []
            realtime:
              timeouts:
                # The product's 10 s bound on the handshake, on a test machine running the whole suite at once.
                handshake_seconds: 60
            \(realtimeKeys.map { "  \($0)\n" }.joined())\(extra)
            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        return configPath
    }

    /// The environment of a daemon run in this process against `simulator`. No start-up code trim: in a test process
    /// it would release the code of every test running beside it (seconds of page faults on a debug build);
    /// StartupCodeTrimmerTests cover it.
    static func daemonEnvironment(simulator: RealtimeSimulator, key: String = key) -> [String: String] {
        ["XAI_API_KEY": key, "VOICED_REALTIME_URL": simulator.url, "VOICED_TRIM_CODE": "0"]
    }

    /// Starts the simulator and the daemon on a simulated card whose microphone hears `microphone`.
    static func start(
        microphone: [Int16], paceReplies: Bool = false, extraConfig: String = "", realtimeKeys: [String] = []
    ) async throws -> Running {
        let simulator = RealtimeSimulator(configuration: SimulatorConfiguration(apiKey: key, pace: paceReplies))
        _ = try await simulator.start()
        let card = try ALSATestCard.make(inputSamples: microphone, rate: rate, channels: 1, format: .s16LE)
        let configPath = try writeConfig(on: card, extra: extraConfig, realtimeKeys: realtimeKeys)
        let (ready, readyContinuation) = AsyncStream<DaemonRunner.DaemonHandle>.makeStream()
        let options = DaemonRunner.Options(
            configPath: configPath,
            environment: daemonEnvironment(simulator: simulator),
            bootstrapLogging: false,
            logger: Logger(label: "e2e", factory: { _ in SwiftLogNoOpLogHandler() }),
            onReady: { handle in
                readyContinuation.yield(handle)
                readyContinuation.finish()
            }
        )
        let task = Task {
            defer { readyContinuation.finish() }
            try await DaemonRunner.run(options)
        }
        var iterator = ready.makeAsyncIterator()
        guard let handle = await iterator.next() else {
            _ = try await task.value
            throw StartupError("the daemon stopped before it was ready")
        }
        return Running(card: card, simulator: simulator, handle: handle, task: task)
    }

    /// Stops the daemon and the simulator; the card's files stay until `running.card.remove()`.
    static func stop(_ running: Running) async {
        running.task.cancel()
        _ = try? await running.task.value
        await running.simulator.stop()
    }

    /// Waits (bounded) until `condition` holds for the daemon's status, following its events.
    static func waitFor(
        _ handle: DaemonRunner.DaemonHandle, seconds: Double = 60, _ condition: @escaping (DaemonStatus) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition(handle.status.snapshot()) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(handle.status.snapshot())
    }

    @Test func aPressOverTheControlSocketGetsASpokenReplyOnTheSpeaker() async throws {
        // The room is quiet until the press; then the user speaks (appended to the microphone file, which
        // the file PCM keeps reading as it grows), then is quiet again, so the VAD ends the turn.
        let running = try await Self.start(microphone: [Int16](repeating: 0, count: Self.rate / 2))
        defer { running.card.remove() }
        do {
            try await pressAndFollow(running)
        } catch {
            await Self.stop(running)
            throw error
        }
        await Self.stop(running)
        // The speaker file holds the reply: loud, and about as long as the simulator made it.
        let played = try running.card.readOutput()
        let loudBlocks = stride(from: 0, to: played.count - 2400, by: 2400).filter {
            SignalMeasures.rmsDBFS(played[$0..<$0 + 2400]) > -40
        }
        let loudSeconds = Double(loudBlocks.count) / 10
        #expect(loudSeconds >= 1.0, "the reply was heard on the speaker (\(loudSeconds) s loud)")
    }

    /// `chunkMilliseconds`: the chunk in use; unset, 200 ms (the config's turns end locally).
    func pressAndFollow(_ running: Running, chunkMilliseconds: Int = 200) async throws {
        #expect(await Self.waitFor(running.handle) { $0.connection.state == .ready })

        // The press goes through the real control socket, as `voicectl press` sends it.
        let socket = running.handle.controlSocketPath
        let states = Mutex<[VoiceState]>([])
        let subscribed = Mutex(false)
        // Blocking socket calls run on threads of their own (blockingCall), never on the cooperative pool
        // the daemon itself needs.
        let watcher = Task {
            try await blockingCall {
                let client = try ControlClient(socketPath: socket, timeout: mustHappenWithin)
                _ = try client.send(.subscribe([.state]))
                subscribed.withLock { $0 = true }
                while let event = try client.nextEvent(timeout: mustHappenWithin) {
                    if case .state(let state) = event {
                        states.withLock { $0.append(state) }
                        if state == .idle { return }
                    }
                }
            }
        }
        // Press only once the watcher hears events, so it sees every state of the turn.
        let deadline = ContinuousClock.now + mustHappenWithin
        while !subscribed.withLock({ $0 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let pressResult = try await blockingControl(socket) { try $0.send(.press(hold: false)) }
        #expect(pressResult == .state(StateInfo(state: .listening)))
        let question = Self.utterance(seconds: 1.5) + [Int16](repeating: 0, count: 3 * Self.rate)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: running.card.inputPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: ALSATestCard.encode(question, format: .s16LE))
        try handle.close()
        try await watcher.value
        #expect(states.withLock { $0 } == [.listening, .thinking, .speaking, .idle])

        let status = running.handle.status.snapshot()
        #expect(status.counters.turns == 1)
        #expect(
            status.counters.audioChunksSent >= 1500 / chunkMilliseconds,
            "at least the 1.5 s of speech went up in \(chunkMilliseconds) ms chunks")
        #expect(status.latency.endOfSpeechToFirstAudioMs != nil)
        let serverEvents = running.simulator.receivedEvents().map { $0.event.typeName }
        #expect(serverEvents.contains("input_audio_buffer.commit"))
        #expect(serverEvents.contains("response.create"))

    }
}

extension EndToEndTurnTests {
    /// The chunk length is one setting end to end: the audio loop hands the session one chunk at a time, and each
    /// goes up as one message. Unset with local turn ending it is 200 ms; `realtime.audio_chunk_milliseconds` sets it.
    @Test(arguments: [nil, 100]) func oneChunkIsOneWakeAndOneMessage(configured: Int?) async throws {
        let chunkMilliseconds = configured ?? 200
        let running = try await Self.start(
            microphone: [Int16](repeating: 0, count: Self.rate / 2),
            realtimeKeys: configured.map { ["audio_chunk_milliseconds: \($0)"] } ?? [])
        defer { running.card.remove() }
        do {
            try await pressAndFollow(running, chunkMilliseconds: chunkMilliseconds)
        } catch {
            await Self.stop(running)
            throw error
        }
        let handedToSession = running.handle.status.snapshot().counters.audioChunksSent
        await Self.stop(running)
        let appendSizes = running.simulator.receivedEvents().compactMap { received -> Int? in
            guard case .inputAudioBufferAppend(let audio) = received.event else { return nil }
            return try? AudioPayload.decodePCM16(audio).count
        }
        // The last chunk of a turn goes up short when the turn ends.
        #expect(appendSizes.count >= 1600 / chunkMilliseconds)
        #expect(appendSizes.dropLast().allSatisfy { $0 == Self.rate * chunkMilliseconds / 1000 }, "\(appendSizes)")
        #expect(
            handedToSession <= appendSizes.count + 1,
            "\(handedToSession) chunks handed to the session for \(appendSizes.count) messages")
    }

    /// Issue 5's end-to-end barge-in: near-end speech over the reply stops it, the service is told
    /// how much was heard, and the interruption itself becomes the next turn.
    @Test func talkingOverTheReplyInterruptsIt() async throws {
        // The simulator streams its reply in real time, as the service does for long answers, so the
        // response is still active when the user interrupts it.
        let running = try await Self.start(microphone: [Int16](repeating: 0, count: Self.rate / 2), paceReplies: true)
        defer { running.card.remove() }
        do {
            _ = try await Self.askALongQuestion(running)
            let speakingSince = ContinuousClock.now
            // Let about a second of the reply play, then talk over it.
            #expect(
                await Self.waitFor(running.handle, seconds: 1.2) { _ in speakingSince.duration(to: .now) >= .seconds(1)
                })
            let appendsBefore = running.simulator.receivedEvents().count
            try Self.speak(
                Self.utterance(seconds: 1.0) + [Int16](repeating: 0, count: 2 * Self.rate), into: running.card)
            #expect(await Self.waitFor(running.handle) { $0.counters.bargeIns == 1 })
            #expect(await Self.waitFor(running.handle) { $0.state == .thinking || $0.state == .speaking })
            // What the daemon sent reaches the simulator a moment later.
            #expect(
                await Self.waitFor(running.handle) { _ in
                    running.simulator.receivedEvents().dropFirst(appendsBefore).contains {
                        $0.event.typeName == "input_audio_buffer.commit"
                    }
                })

            let events = running.simulator.receivedEvents().map(\.event)
            #expect(events.contains { $0.typeName == "response.cancel" })
            let truncations = events.compactMap { event -> Int? in
                if case .conversationItemTruncate(_, _, let milliseconds) = event { milliseconds } else { nil }
            }
            #expect(truncations.count == 1)
            if let played = truncations.first {
                // About a second was played before the interruption (plus detection and buffering).
                #expect((600...3000).contains(played), "truncated at \(played) ms")
            }
            // The interruption went up as the next turn: loud audio appended after the cancel.
            let afterCancel = running.simulator.receivedEvents().dropFirst(appendsBefore).map(\.event)
            let loudChunks = afterCancel.filter { event in
                guard case .inputAudioBufferAppend(let audio) = event,
                    let samples = try? AudioPayload.decodePCM16(audio)
                else { return false }
                return SignalMeasures.rmsDBFS(samples) > -30
            }
            #expect(loudChunks.count >= 5, "the barge-in speech was sent (\(loudChunks.count) loud chunks)")
            #expect(afterCancel.contains { $0.typeName == "input_audio_buffer.commit" })
        } catch {
            await Self.stop(running)
            throw error
        }
        await Self.stop(running)
    }

    /// A barge-in cancelled while the user still talks, then a press: the microphone paused (idle) in the middle of
    /// the speech and resumes in it. The VAD used to stay "in speech" across the press, so the new turn never
    /// heard its speech start and was cancelled as silent (the soak lost tapped turns after barge-ins this way).
    @Test func speechGoingOnAtAPressStartsTheTurn() async throws {
        let running = try await Self.start(
            microphone: [Int16](repeating: 0, count: Self.rate / 2), paceReplies: true,
            extraConfig: "conversation:\n  no_speech_timeout_ms: 2500")
        defer { running.card.remove() }
        do {
            let socket = try await Self.askALongQuestion(running)
            // The user talks over the reply, for longer than the no-speech timeout.
            try Self.speak(
                Self.utterance(seconds: 6) + [Int16](repeating: 0, count: 2 * Self.rate), into: running.card)
            #expect(await Self.waitFor(running.handle) { $0.counters.bargeIns == 1 })
            // Cancelled and pressed again at once, while the user goes on talking.
            _ = try await blockingControl(socket) { try $0.send(.cancel) }
            #expect(await Self.waitFor(running.handle, seconds: 5) { $0.state == .idle })
            let eventsBefore = running.simulator.receivedEvents().count
            _ = try await blockingControl(socket) { try $0.send(.press(hold: false)) }
            #expect(await Self.waitFor(running.handle, seconds: 5) { $0.state == .listening })
            // The turn hears the speech going on, ends after it, and is committed (not cancelled as silent).
            #expect(
                await Self.waitFor(running.handle, seconds: 15) { _ in
                    running.simulator.receivedEvents().dropFirst(eventsBefore).contains {
                        $0.event.typeName == "input_audio_buffer.commit"
                    }
                })
        } catch {
            await Self.stop(running)
            throw error
        }
        await Self.stop(running)
    }

    /// Once connected, taps and asks a long question, so that the simulator's reply lasts several seconds; returns
    /// once it sounds, with the control socket's path.
    static func askALongQuestion(_ running: Running) async throws -> String {
        #expect(await waitFor(running.handle) { $0.connection.state == .ready })
        let socket = running.handle.controlSocketPath
        _ = try await blockingControl(socket) { try $0.send(.press(hold: false)) }
        try speak(utterance(seconds: 4) + [Int16](repeating: 0, count: rate), into: running.card)
        #expect(await waitFor(running.handle) { $0.state == .speaking })
        return socket
    }

    /// Appends what the user says to the simulated microphone, which keeps reading the growing file.
    static func speak(_ samples: [Int16], into card: ALSATestCard) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: card.inputPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: ALSATestCard.encode(samples, format: .s16LE))
        try handle.close()
    }
}

func blockingControl<T: Sendable>(_ socket: String, _ body: @escaping @Sendable (ControlClient) throws -> T)
    async throws -> T
{
    try await blockingCall {
        let client = try ControlClient(socketPath: socket, timeout: mustHappenWithin)
        return try body(client)
    }
}

import Synchronization

extension EndToEndTurnTests {
    /// Under the service's VAD, in a room that never falls silent (a television at -25 dBFS, over the simulator's
    /// speech level), the service cannot hear the user's turn end. A second tap sends silence in place of the
    /// microphone, the simulator's VAD ends the turn on it, and the question is answered. The tap used to clear
    /// the question and go idle.
    @Test func aSecondTapEndsATurnTheServicesVADCannotHearEnd() async throws {
        let running = try await Self.start(
            microphone: [Int16](repeating: 0, count: Self.rate / 2),
            extraConfig: "conversation:\n  turn_ending: server")
        defer { running.card.remove() }
        do {
            #expect(await Self.waitFor(running.handle) { $0.connection.state == .ready })
            let socket = running.handle.controlSocketPath
            _ = try await blockingControl(socket) { try $0.send(.press(hold: false)) }
            let television = Signals.whiteNoise(levelDBFS: -25, seconds: 30, sampleRate: Self.rate, seed: 93)
            try Self.speak(Signals.mix(Self.utterance(seconds: 1), television), into: running.card)
            // The question and a second of the television after it have gone up (100 ms chunks under the service's
            // VAD): the service heard no silence, so the turn is still open. Counted from the first frame the daemon
            // heard the room at the television's level: the simulated card delivers what is appended after a delay
            // that grows with the machine's load, and chunks of the silence before it go up meanwhile.
            #expect(await Self.waitFor(running.handle) { $0.audio.micLevelDBFS > -40 })
            let chunksWhenTheQuestionWasHeard = running.handle.status.snapshot().counters.audioChunksSent
            #expect(
                await Self.waitFor(running.handle) { $0.counters.audioChunksSent >= chunksWhenTheQuestionWasHeard + 20 }
            )
            #expect(running.handle.status.snapshot().state == .listening)
            _ = try await blockingControl(socket) { try $0.send(.press(hold: false)) }
            #expect(await Self.waitFor(running.handle, seconds: 20) { $0.counters.turns == 1 })
            let sent = running.simulator.receivedEvents().map { $0.event.typeName }
            #expect(sent.contains("input_audio_buffer.append"))
            #expect(!sent.contains("input_audio_buffer.clear"), "the question was kept")
            #expect(!sent.contains("input_audio_buffer.commit"), "a commit is not allowed under the service's VAD")
        } catch {
            await Self.stop(running)
            throw error
        }
        await Self.stop(running)
    }
}

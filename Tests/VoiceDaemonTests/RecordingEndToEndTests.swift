import Foundation
import Synchronization
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceListening
import VoiceTestSupport

@testable import VoiceDaemon

extension EndToEndTurnTests {
    /// A 400 Hz tone (a whole number of samples per period at 24 kHz) at `amplitude`.
    static func steadyTone(seconds: Int, amplitude: Double) -> [Int16] {
        (0..<seconds * rate).map { Int16((amplitude * sin(2 * Double.pi * 400 * Double($0) / Double(rate))).rounded()) }
    }

    /// Power at `hertz` (Goertzel), for telling which tone a recording holds.
    static func power(of samples: ArraySlice<Int16>, at hertz: Double) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * hertz / Double(rate))
        var (previous, beforePrevious) = (0.0, 0.0)
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
    }

    /// `voicectl record` against the real daemon on the simulated card: while it records, the microphone
    /// hears a quiet tone and a typed question's reply plays; the two files hold exactly that, aligned.
    @Test func aRecordingHoldsTheMicrophoneAndTheReplyThatPlayed() async throws {
        // Far below speech (-69 dBFS): the daemon does its usual thing, and the tone is easy to recognise.
        let amplitude = 16.0
        let running = try await Self.start(microphone: Self.steadyTone(seconds: 60, amplitude: amplitude))
        defer { running.card.remove() }
        let directory = try TemporaryDirectory(prefix: "voiced-rec")
        defer { directory.remove() }
        do {
            #expect(await Self.waitFor(running.handle) { $0.connection.state == .ready })
            let socket = running.handle.controlSocketPath

            // Muted: refused with what to do, and nothing written.
            _ = try await blockingControl(socket) { try $0.send(.mute) }
            let mutedPrefix = directory.appending("muted")
            let refusal: RecordingError? = try await blockingControl(socket) { client in
                do throws(RecordingError) {
                    _ = try client.record(seconds: 1, prefix: mutedPrefix, overwrite: false)
                    return nil
                } catch {
                    return error
                }
            }
            guard case .control(.refused(let error))? = refusal else {
                Issue.record("a muted microphone was recorded: \(refusal)")
                throw StartupError("muted recording accepted")
            }
            #expect(
                error.message
                    == "the microphone is muted: `voicectl unmute` first, or nothing but silence would be recorded")
            #expect(!FileManager.default.fileExists(atPath: mutedPrefix + "-mic.wav"))
            _ = try await blockingControl(socket) { try $0.send(.unmute) }

            // Four seconds; half a second in, a typed question (its reply plays for a second or more).
            let prefix = directory.appending("room")
            let rate = Self.rate
            let asked = Mutex(false)
            let result = try await blockingControl(socket) { client in
                try client.record(
                    seconds: 4, prefix: prefix, overwrite: false,
                    progress: { written in
                        guard written >= rate / 2, !asked.withLock({ $0 }) else { return }
                        asked.withLock { $0 = true }
                        let other = try? ControlClient(socketPath: socket, timeout: mustHappenWithin)
                        _ = try? other?.send(.say("tell me a story"))
                    })
            }
            #expect(asked.withLock { $0 })
            #expect(
                result.summary
                    == RecordingSummary(samples: 4 * rate, lostSamples: 0, mutedSamples: 0, reason: .complete))
            let mic = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: prefix + "-mic.wav"))))
            let played = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: prefix + "-played.wav"))))
            #expect(mic.sampleRate == rate && played.sampleRate == rate, "the session rate")
            #expect(mic.channels == 1 && played.channels == 1)
            #expect(mic.samples.count == 4 * rate && played.samples.count == 4 * rate, "same length, all of it")

            // The microphone file carries the fed tone: its level, and its frequency.
            let expectedLevel = 20 * log10(amplitude / 2.0.squareRoot() / 32768)
            let micLevel = SignalMeasures.rmsDBFS(mic.samples[...])
            #expect(abs(micLevel - expectedLevel) < 1.5, "mic level \(micLevel) dBFS, fed \(expectedLevel)")
            let atTone = Self.power(of: mic.samples[...], at: 400)
            let offTone = Self.power(of: mic.samples[...], at: 1_000)
            #expect(atTone > 100 * offTone, "the mic file holds the 400 Hz tone")

            // The played file: silent before the question, the reply once it played.
            let blocks = stride(from: 0, to: played.samples.count, by: rate / 10).map {
                SignalMeasures.rmsDBFS(played.samples[$0..<min($0 + rate / 10, played.samples.count)])
            }
            #expect(blocks.prefix(5).allSatisfy { $0 < -80 }, "nothing played before the question: \(blocks)")
            let loud = blocks.filter { $0 > -40 }.count
            #expect(loud >= 5, "the reply is in the played file (\(loud) loud blocks of 100 ms): \(blocks)")

            // `voiced vad` reads the pair and prints its timeline.
            let timeline = try OfflineVAD.timeline(recording: prefix + "-mic.wav", reference: prefix + "-played.wav")
            #expect(timeline.contains("\(rate) Hz"))
            #expect(timeline.contains("reference \(prefix)-played.wav"))
            #expect(timeline.contains("playback audible"), "the gate sees the reply in the reference:\n\(timeline)")

            // A client that goes away mid-recording ends it in the daemon: the next one may record at once.
            let firstChunk = try await blockingControl(socket) { client -> Int in
                _ = try client.send(.record(seconds: 60))
                guard case .chunk(_, let block)? = try client.nextRecordingMessage(timeout: mustHappenWithin) else {
                    throw ControlClientError.broken("no chunk")
                }
                return block.mic.count
            }
            #expect(firstChunk == rate / 5, "one block per chunk: 200 ms with the config's local turn ending")
            let deadline = ContinuousClock.now + mustHappenWithin
            var next: ControlError?
            repeat {
                next = try await blockingControl(socket) { client -> ControlError? in
                    do throws(ControlClientError) {
                        _ = try client.send(.record(seconds: 1))
                        return nil
                    } catch {
                        guard case .refused(let refusal) = error else { throw error }
                        return refusal
                    }
                }
                if next != nil { try await Task.sleep(for: .milliseconds(20)) }
            } while next?.code == .busy && ContinuousClock.now < deadline
            #expect(next == nil, "the abandoned recording still holds the daemon: \(String(describing: next))")
        } catch {
            await Self.stop(running)
            throw error
        }
        await Self.stop(running)
    }
}

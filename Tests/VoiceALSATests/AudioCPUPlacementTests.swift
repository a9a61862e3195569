import Foundation
import Glibc
import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceALSA

@Suite struct AudioCPUChoiceTests {
    private func decode(_ json: String) throws -> AudioSettings {
        try JSONDecoder().decode(AudioSettings.self, from: Data(json.utf8))
    }

    @Test(arguments: [
        ("\"auto\"", AudioSettings.CPUChoice.auto), ("\"off\"", .off), ("3", .number(3)), ("\"1\"", .number(1)),
    ])
    func cpuIsAutoOffOrANumber(json: String, expected: AudioSettings.CPUChoice) throws {
        let settings = try decode("{\"cpu\": \(json)}")
        #expect(settings.cpu == expected)
        #expect(settings.validationProblems().isEmpty)
        let again = try decode(String(decoding: JSONEncoder().encode(settings), as: UTF8.self))
        #expect(again.cpu == expected)
    }

    @Test func cpuDefaultsToAuto() throws {
        #expect(try decode("{}").cpu == .auto)
    }

    @Test func rejectsAnUnknownWordAndANegativeNumber() throws {
        #expect(throws: DecodingError.self) { try decode("{\"cpu\": \"fast\"}") }
        let problems = try decode("{\"cpu\": -1}").validationProblems()
        #expect(problems == ["audio.cpu must be auto, off or a CPU number (0, 1, …), not -1"])
    }

    @Test func autoTakesTheHighestAllowedCPUOnlyWhenThereIsAChoice() {
        #expect(AudioCPUPlacement.resolve(.auto, allowed: [0, 1, 2, 3]) == 3)
        #expect(AudioCPUPlacement.resolve(.auto, allowed: [2, 5]) == 5)
        #expect(AudioCPUPlacement.resolve(.auto, allowed: [0]) == nil)
        #expect(AudioCPUPlacement.resolve(.auto, allowed: []) == nil)
    }

    @Test func offAndANumberOutsideTheAllowedSetPinNothing() {
        #expect(AudioCPUPlacement.resolve(.off, allowed: [0, 1, 2, 3]) == nil)
        #expect(AudioCPUPlacement.resolve(.number(1), allowed: [0, 1]) == 1)
        #expect(AudioCPUPlacement.resolve(.number(4), allowed: [0, 1]) == nil)
    }
}

/// Real threads on the simulated card: where the kernel lets each of them run.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AudioCPUPlacementTests {
    private static func startEngine(cpu: AudioSettings.CPUChoice) throws -> (ALSAAudioEngine, ALSATestCard) {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        var settings = cardSettings(card, pace: .on)
        settings.cpu = cpu
        let engine = ALSAAudioEngine(settings: settings)
        try engine.start()
        return (engine, card)
    }

    @Test func theAudioThreadsKeepToTheChosenCPU() throws {
        let allowed = AudioCPUPlacement.allowedCPUs()
        let cpu = try #require(allowed.last, "the kernel names the CPUs this process may use")
        let (engine, card) = try Self.startEngine(cpu: .number(cpu))
        defer {
            engine.stop()
            card.remove()
        }
        #expect(engine.audioCPU == cpu)
        let threads = engine.threadAllowedCPUs
        #expect(threads.count == 3)
        for (name, cpus) in threads { #expect(cpus == [cpu], "\(name)") }
    }

    @Test func theThreadTakingTheChunksJoinsThemAndOffLeavesEveryThreadFree() async throws {
        let allowed = AudioCPUPlacement.allowedCPUs()
        let cpu = try #require(allowed.last)
        let (engine, card) = try Self.startEngine(cpu: .number(cpu))
        defer {
            engine.stop()
            card.remove()
        }
        // On a thread of its own, which ends with the call (a pinned test runner thread would outlive the test).
        let (result, cpus) = try await blockingCall { [engine] in
            (engine.keepCurrentThreadOnAudioCPU(), AudioCPUPlacement.allowedCPUs(of: pthread_self()))
        }
        #expect(result == cpu)
        #expect(cpus == [cpu])
        engine.stop()

        let (free, freeCard) = try Self.startEngine(cpu: .off)
        defer {
            free.stop()
            freeCard.remove()
        }
        #expect(free.audioCPU == nil)
        let threads = free.threadAllowedCPUs
        #expect(threads.count == 3)
        for (name, cpus) in threads { #expect(cpus == allowed, "\(name)") }
        #expect(free.keepCurrentThreadOnAudioCPU() == nil)
    }
}

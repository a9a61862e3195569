import Foundation
import Testing
import VoiceControl
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import voicectl

/// `voicectl record` through its real entry point, against the control server with a scripted feed.
@Suite(.serialized, .timeLimit(.minutes(5))) struct VoicectlRecordTests {
    @Test func itWritesBothFilesAndSaysHowToAnalyseThem() async throws {
        try await withControlServer { server in
            let feed = ScriptedFeed()
            server.handler.onRecord { _ in .success(feed.feed) }
            feed.send(start: 0, mic: [Int16](repeating: 100, count: 800), played: [Int16](repeating: -50, count: 800))
            // 200 ms lost: the client was too slow.
            feed.send(
                start: 2_400, mic: [Int16](repeating: 7, count: 5_600), played: [Int16](repeating: 0, count: 5_600))
            feed.end(RecordingSummary(samples: 8_000, lostSamples: 1_600, mutedSamples: 0, reason: .complete))
            let prefix = server.directory.appending("my room")
            let run = try await runVoicectl(["record", "--seconds", "1", "--output", prefix, "--socket", server.path])
            #expect(run.exitCode == 0, "\(run.err)")
            #expect(run.out.contains("recording 1 s at 8000 Hz"))
            #expect(run.out.contains("wrote \(prefix)-mic.wav (what the microphone heard, 1.0 s at 8000 Hz)"))
            #expect(run.out.contains("wrote \(prefix)-played.wav"))
            #expect(run.out.contains("voiced vad '\(prefix)-mic.wav' --reference '\(prefix)-played.wav'"))
            #expect(run.err.contains("200 ms lost: the client was too slow (silence in both files at 0.1-0.3 s)"))
            let mic = try WAVCodec.decode(Array(try Data(contentsOf: URL(fileURLWithPath: prefix + "-mic.wav"))))
            #expect(mic.samples.count == 8_000)
            #expect(server.handler.receivedCommands == [.record(seconds: 1)])
        }
    }

    @Test func refusalsSayWhatToDo() async throws {
        try await withControlServer { server in
            let muted = "the microphone is muted: `voicectl unmute` first, or nothing but silence would be recorded"
            server.handler.onRecord { _ in .failure(ControlError(.unavailable, muted)) }
            let prefix = server.directory.appending("x")
            let refused = try await runVoicectl(["record", "--output", prefix, "--socket", server.path])
            #expect(refused.exitCode == 1)
            #expect(refused.err.contains(muted))

            let tooLong = try await runVoicectl(["record", "--seconds", "301", "--socket", server.path])
            #expect(tooLong.exitCode == 2)
            #expect(tooLong.err.contains("--seconds must be a whole number from 1 to 300, not 301"))

            try Data().write(to: URL(fileURLWithPath: prefix + "-mic.wav"))
            let exists = try await runVoicectl(["record", "--output", prefix, "--socket", server.path])
            #expect(exists.exitCode == 2)
            #expect(exists.err.contains("\(prefix)-mic.wav already exists; use --force"))
            let existsJSON = try await runVoicectl(["record", "--output", prefix, "--json", "--socket", server.path])
            #expect(existsJSON.exitCode == 2)
            let object = try JSONSerialization.jsonObject(with: Data(existsJSON.out.utf8)) as? [String: Any]
            let error = object?["error"] as? [String: Any]
            #expect(error?["code"] as? String == "file")
            #expect((error?["message"] as? String)?.contains("already exists") == true)
            #expect(server.handler.receivedCommands == [.record(seconds: 10)], "only the first run asked the daemon")
        }
    }

    @Test func theDefaultPrefixIsTheLocalDateAndTime() {
        var components = DateComponents()
        (components.year, components.month, components.day) = (2026, 3, 4)
        (components.hour, components.minute, components.second) = (5, 6, 7)
        let date = Calendar.current.date(from: components)!
        #expect(VoiceCtl.Record.defaultPrefix(now: date) == "voiced-20260304-050607")
    }
}

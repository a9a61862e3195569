import Foundation
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@testable import VoiceDaemon

/// `voicectl reload` on a running daemon (simulated card, local simulator), after the file was edited.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ReloadEndToEndTests {
    /// The file's new voice is set and saved in the state file (which wins at the next start), the listening keys
    /// apply, and a changed conversation section is named as waiting for a restart. A reload after `voicectl voice`
    /// with the file's voice unchanged keeps the voice the user chose.
    @Test func aReloadAppliesTheVoiceAndListeningAndNamesWhatWaitsForARestart() async throws {
        let running = try await EndToEndTurnTests.start(microphone: [Int16](repeating: 0, count: 12_000))
        defer { running.card.remove() }
        do {
            let socket = running.handle.controlSocketPath
            let unchanged = try await blockingControl(socket) { try $0.send(.reload) }
            #expect(unchanged == .done(DoneInfo(message: reloadedMessage(running, "nothing to apply now"))))

            _ = try EndToEndTurnTests.writeConfig(
                on: running.card,
                extra: "conversation:\n  no_speech_timeout_ms: 2500\nlistening:\n  end_of_turn_silence_ms: 900\n",
                realtimeKeys: ["voice: Ara"])
            let edited = try await blockingControl(socket) { try $0.send(.reload) }
            let expected = reloadedMessage(
                running,
                "applied voice ara and the listening settings (from the end of any turn under way); changed but "
                    + "applied only at the next restart (systemctl restart voiced): conversation")
            #expect(edited == .done(DoneInfo(message: expected)))
            #expect(running.handle.status.snapshot().voice == "ara")
            let saved = try String(
                contentsOfFile: running.card.directory.appendingPathComponent("state.json").path, encoding: .utf8)
            #expect(saved.contains("voice = ara"), "saved: \(saved)")

            _ = try await blockingControl(socket) { try $0.send(.setVoice("Rex")) }
            let again = try await blockingControl(socket) { try $0.send(.reload) }
            #expect(
                again
                    == .done(
                        DoneInfo(
                            message: reloadedMessage(
                                running,
                                "nothing to apply now; changed but applied only at the next restart (systemctl "
                                    + "restart voiced): conversation"))))
            #expect(running.handle.status.snapshot().voice == "rex", "the file's voice did not change again")
        } catch {
            await EndToEndTurnTests.stop(running)
            throw error
        }
        await EndToEndTurnTests.stop(running)
    }

    private func reloadedMessage(_ running: EndToEndTurnTests.Running, _ rest: String) -> String {
        "configuration reloaded from \(running.card.directory.appendingPathComponent("voiced.yaml").path); \(rest)"
    }
}

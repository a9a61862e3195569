import Testing
import VoiceCore
import VoiceProtocol
import VoiceSimulator
import VoiceTestSupport

@testable import VoiceRealtime

/// Issue 9: the session writes its frames straight to the upgraded channel (`ConnectionHandle.send`), not
/// through a writer task. Everything must still arrive masked, whole and in order, and the close handshake
/// must still come after the last frame.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RealtimeSessionDirectWriteTests {
    @Test func everyFrameArrivesWholeAndInOrder() async throws {
        let harness = try await RealtimeSessionHarness()
        defer { harness.expectKeyNeverShown() }
        try await harness.waitForState(.ready)
        let rate = 24_000
        let speech = Signals.tone(frequency: 220, levelDBFS: -12, seconds: 1.05, sampleRate: rate)
        for start in stride(from: 0, to: speech.count, by: 480) {
            harness.session.appendAudio(Array(speech[start..<min(start + 480, speech.count)]))
        }
        harness.session.commit()
        harness.session.createResponse()
        try await harness.waitForCompletedResponses(1)
        let sent = harness.simulator.receivedEvents(connection: 1)
        let names = sent.map(\.typeName)
        #expect(names.first == "session.update")
        let appends = sent.compactMap { event -> [Int16]? in
            guard case .inputAudioBufferAppend(let audio) = event else { return nil }
            return try? AudioPayload.decodePCM16(audio)
        }
        // The harness's session has manual turns: five full 200 ms chunks, then the 50 ms rest sent ahead of the commit.
        #expect(appends.map(\.count) == Array(repeating: 4_800, count: 5) + [1_200])
        #expect(Array(appends.joined()) == speech)
        let commit = try #require(names.firstIndex(of: "input_audio_buffer.commit"))
        #expect(names.lastIndex(of: "input_audio_buffer.append").map { $0 < commit } == true)
        #expect(names.suffix(from: commit).contains("response.create"))
        await harness.stop()
    }

    @Test func aFrameSentBeforeTheChannelIsAttachedKeepsTheWriterForTheRest() async throws {
        let handle = RealtimeSession.ConnectionHandle()
        #expect(!handle.writesDirectly)
        handle.send("first")
        handle.send("second")
        handle.close()
        handle.send("after close")
        var received: [String] = []
        for await text in handle.outgoingStream { received.append(text) }
        #expect(received == ["first", "second"])
        #expect(!handle.writesDirectly)
    }
}

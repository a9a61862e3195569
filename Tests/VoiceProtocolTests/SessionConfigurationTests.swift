import VoiceCore
import Testing
import VoiceProtocol

@Suite struct SessionConfigurationTests {
    @Test func mergingReplacesOnlyTheFieldsSet() {
        let base = SessionConfiguration(
            instructions: "be brief", voice: "eve", turnDetection: .manual, extraFields: ["a": 1])
        let merged = base.merging(SessionConfiguration(voice: "rex", extraFields: ["b": 2]))
        #expect(merged.voice == "rex")
        #expect(merged.instructions == "be brief")
        #expect(merged.turnDetection == .manual)
        #expect(merged.extraFields == ["a": 1, "b": 2])
    }

    @Test func effectiveFormatsDefaultTo24kHzPCM() {
        let empty = SessionConfiguration()
        #expect(empty.effectiveInputFormat == .pcm(rate: 24_000))
        #expect(empty.effectiveOutputFormat.sampleRate == 24_000)
        let g711 = SessionConfiguration(audio: .init(output: .init(format: .pcma)))
        #expect(g711.effectiveOutputFormat.sampleRate == 8_000)
        #expect(g711.effectiveOutputFormat.bytesPerSample == 1)
    }

    @Test func unknownAudioFormatDecodesAsOther() throws {
        let text =
            #"{"type":"session.update","session":{"audio":{"input":{"format":{"type":"audio/flac","rate":16000}}}}}"#
        let event = try RealtimeCoding.decodeClientEvent(text)
        #expect(
            event == .sessionUpdate(.init(audio: .init(input: .init(format: .other(type: "audio/flac", rate: 16_000)))))
        )
    }

    @Test func unknownTurnDetectionTypeIsAnError() {
        let text = #"{"type":"session.update","session":{"turn_detection":{"type":"semantic_vad"}}}"#
        #expect(throws: RealtimeCodingError.self) { try RealtimeCoding.decodeClientEvent(text) }
    }

    @Test func integralNumbersEncodeWithoutAFraction() {
        let text = RealtimeCoding.encode(.sessionUpdate(.init(extraFields: ["max_tokens": 200, "temperature": 0.5])))
        #expect(text.contains(#""max_tokens":200"#))
        #expect(text.contains(#""temperature":0.5"#))
    }
}

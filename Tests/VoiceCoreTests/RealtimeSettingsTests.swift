import Foundation
import Testing
import VoiceCore

@Suite struct RealtimeSettingsTests {
    private func decode(_ json: String) throws -> RealtimeSettings {
        try JSONDecoder().decode(RealtimeSettings.self, from: Data(json.utf8))
    }

    @Test func anEmptyObjectGivesTheDefaults() throws {
        let settings = try decode("{}")
        #expect(settings == RealtimeSettings())
        #expect(settings.problems.isEmpty)
        #expect(settings.model == "grok-voice-think-fast-2.0")
        #expect(settings.backoff.configuration.initialDelay == .milliseconds(500))
        #expect(settings.backoff.configuration.maximumDelay == .seconds(30))
        #expect(settings.sessionSampleRate == 24_000)
    }

    @Test func snakeCaseKeysOverrideOnlyWhatTheyName() throws {
        let settings = try decode(
            """
            {"voice": "ara", "turn_detection": {"mode": "manual", "silence_duration_ms": 900},
             "input_audio": {"encoding": "pcmu"}, "output_audio": {"encoding": "pcma"},
             "auth": "subprotocol", "idle": {"policy": "connect_on_demand"},
             "backoff": {"jitter": "decorrelated", "max_delay_seconds": 20},
             "timeouts": {"dead_connection_seconds": 7}, "pre_connect_buffer_seconds": 4,
             "transcription": {"model": null, "language_hint": "en"}}
            """
        )
        #expect(settings.voice == "ara")
        #expect(settings.turnDetection.mode == .manual)
        #expect(settings.turnDetection.silenceDurationMs == 900)
        #expect(settings.turnDetection.threshold == 0.85)
        #expect(settings.inputAudio.encoding == .pcmu)
        #expect(settings.sessionSampleRate == 8_000)
        #expect(settings.auth == .subprotocol)
        #expect(settings.idle.policy == .connectOnDemand)
        #expect(settings.idle.closeAfterMinutes == 5)
        #expect(settings.backoff.jitter == .decorrelated)
        #expect(settings.backoff.maxDelaySeconds == 20)
        #expect(settings.backoff.initialDelaySeconds == 0.5)
        #expect(settings.timeouts.deadConnectionSeconds == 7)
        #expect(settings.preConnectBufferSeconds == 4)
        #expect(settings.transcription.model == nil)
        #expect(settings.transcription.languageHint == "en")
        #expect(settings.problems.isEmpty)
    }

    @Test func encodingRoundTrips() throws {
        var settings = RealtimeSettings()
        settings.voice = "rex"
        settings.outputAudio = .init(encoding: .pcm, rate: 16_000)
        settings.inputAudio = .init(encoding: .pcm, rate: 16_000)
        settings.speed = 1.2
        let data = try JSONEncoder().encode(settings)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"max_session_minutes\""))
        #expect(text.contains("\"pre_connect_buffer_seconds\""))
        #expect(try JSONDecoder().decode(RealtimeSettings.self, from: data) == settings)
    }

    @Test func problemsNameTheKeyAndWhatIsAllowed() throws {
        let settings = try decode(
            """
            {"voice": "bob", "url": "https://x", "input_audio": {"rate": 12345},
             "turn_detection": {"threshold": 2}, "speed": 3}
            """
        )
        let problems = settings.problems.joined(separator: "\n")
        #expect(problems.contains("realtime.voice \"bob\""))
        #expect(problems.contains("realtime.url"))
        #expect(problems.contains("realtime.input_audio.rate"))
        #expect(problems.contains("realtime.turn_detection.threshold"))
        #expect(problems.contains("realtime.speed"))
        // Input 12345 Hz and output 24000 Hz also disagree.
        #expect(problems.contains("same sample rate"))
    }

    @Test func anUnknownEnumValueIsAnError() {
        #expect(throws: DecodingError.self) { try decode(#"{"auth": "cookie"}"#) }
    }
}

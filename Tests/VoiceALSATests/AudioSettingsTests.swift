import Foundation
import Testing
import VoiceCore
import VoiceDSP

@Suite struct AudioSettingsTests {
    private func decode(_ json: String) throws -> AudioSettings {
        try JSONDecoder().decode(AudioSettings.self, from: Data(json.utf8))
    }

    @Test func everyKeyHasADefault() throws {
        let settings = try decode("{}")
        #expect(settings == AudioSettings())
        #expect(settings.captureDevice == "default")
        #expect(settings.sessionRate == 24_000)
        #expect(settings.deviceRate == nil)
        #expect(settings.channel == .downmix)
        #expect(settings.validationProblems().isEmpty)
    }

    @Test func readsSnakeCaseKeys() throws {
        let settings = try decode(
            """
            {"capture_device": "dsnoop:CARD=seeed2micvoicec", "playback_device": "dmix", "device_rate": 48000,
             "format": "S32_LE", "channels": 2, "channel": 1, "period_ms": 10, "buffer_periods": 3,
             "playback_prebuffer_ms": 120, "pace": "on", "session_rate": 16000, "realtime_priority": 40,
             "alsa_config_path": "/etc/voiced/asound.conf"}
            """
        )
        #expect(settings.captureDevice == "dsnoop:CARD=seeed2micvoicec")
        #expect(settings.playbackDevice == "dmix")
        #expect(settings.deviceRate == 48_000)
        #expect(settings.format == .s32LE)
        #expect(settings.channels == 2)
        #expect(settings.channel == .channel(1))
        #expect(settings.periodMilliseconds == 10)
        #expect(settings.bufferPeriods == 3)
        #expect(settings.playbackPrebufferMilliseconds == 120)
        #expect(settings.pace == .on)
        #expect(settings.sessionRate == 16_000)
        #expect(settings.realtimePriority == 40)
        #expect(settings.alsaConfigPath == "/etc/voiced/asound.conf")
        #expect(settings.validationProblems().isEmpty)
        // And back: encoding then decoding is the identity.
        let again = try decode(String(decoding: JSONEncoder().encode(settings), as: UTF8.self))
        #expect(again == settings)
    }

    @Test(arguments: [("\"downmix\"", ChannelSelection.downmix), ("0", .channel(0)), ("\"1\"", .channel(1))])
    func channelIsDownmixOrANumber(json: String, expected: ChannelSelection) throws {
        #expect(try decode("{\"channel\": \(json)}").channel == expected)
    }

    @Test func rejectsAnUnknownChannelWord() {
        #expect(throws: DecodingError.self) { try decode("{\"channel\": \"left\"}") }
    }

    @Test func reportsEveryProblemInWords() throws {
        let settings = try decode(
            """
            {"device_rate": 12345, "channels": 4, "channel": 2, "period_ms": 5, "buffer_periods": 1,
             "playback_prebuffer_ms": 5000, "session_rate": 11025, "capture_device": "", "realtime_priority": 0}
            """
        )
        let problems = settings.validationProblems()
        #expect(problems.count == 9)
        #expect(problems.contains { $0.contains("audio.device_rate 12345") })
        #expect(problems.contains { $0.contains("audio.period_ms must be between 10 and 20") })
    }
}

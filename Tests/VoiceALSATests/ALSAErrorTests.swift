import Testing
import VoiceCore
import VoiceTestSupport

@testable import VoiceALSA

@Suite(.timeLimit(.minutes(5))) struct ALSAErrorTests {
    @Test func unknownDeviceFailsStartWithAClearMessage() throws {
        let card = try ALSATestCard.make(inputSamples: [], rate: 24_000, channels: 1, format: .s16LE)
        defer { card.remove() }
        var settings = cardSettings(card)
        settings.captureDevice = "no_such_microphone"
        let engine = ALSAAudioEngine(settings: settings)
        let error = try #require(throws: ALSAError.self) { try engine.start() }
        #expect(error.device == "no_such_microphone")
        #expect(error.call == "snd_pcm_open")
        let text = error.description
        #expect(text.contains("capture device \"no_such_microphone\""))
        #expect(text.contains("voicectl devices"))
        #expect(text.contains("group audio"))
        #expect(!engine.isRunning)
        #expect(engine.statistics().state == "stopped")
    }

    @Test func unknownDeviceInTheSystemConfigurationFails() {
        var settings = AudioSettings()
        settings.playbackDevice = "voiced_test_no_such_speaker"
        settings.captureDevice = "voiced_test_no_such_speaker"
        let engine = ALSAAudioEngine(settings: settings)
        #expect(throws: ALSAError.self) { try engine.start() }
    }

    @Test func missingALSAConfigurationFileIsNamed() {
        var settings = AudioSettings()
        settings.alsaConfigPath = "/nonexistent/voiced/asound.conf"
        let engine = ALSAAudioEngine(settings: settings)
        let error = #expect(throws: ALSAError.self) { try engine.start() }
        #expect(error?.description.contains("/nonexistent/voiced/asound.conf") == true)
    }

    @Test func invalidSettingsAreRejectedBeforeOpening() {
        var settings = AudioSettings()
        settings.periodMilliseconds = 50
        settings.channels = 3
        let engine = ALSAAudioEngine(settings: settings)
        let error = #expect(throws: AudioSettingsError.self) { try engine.start() }
        #expect(error?.problems.count == 2)
    }
}

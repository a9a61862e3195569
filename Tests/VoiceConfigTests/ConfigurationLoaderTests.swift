import Foundation
import Testing
import VoiceCore

@testable import VoiceConfig

@Suite struct ConfigurationLoaderTests {
    @Test func anEmptyFileIsTheDefaults() throws {
        let loaded = try ConfigurationLoader.parse(yaml: "", sourcePath: "empty.yaml")
        #expect(loaded.configuration == VoicedConfiguration())
        #expect(loaded.configuration.realtime.url.hasPrefix("wss://"))
        #expect(loaded.warnings.isEmpty)
    }

    @Test func readsSectionsAndKeepsDefaultsForMissingKeys() throws {
        let yaml = """
            # a comment
            conversation:
              turn_ending: server
              follow_up_seconds: 4.5
            """
        let config = try ConfigurationLoader.parse(yaml: yaml, sourcePath: "x.yaml").configuration
        #expect(config.conversation.turnEnding == .server)
        #expect(config.conversation.followUpSeconds == 4.5)
        #expect(config.conversation.noSpeechTimeoutMs == ConversationSettings().noSpeechTimeoutMs)
    }

    @Test func unknownKeysAreNamedNotFatal() throws {
        let yaml = "conversation:\n  turn_endin: server\nmystery: 1\n"
        let loaded = try ConfigurationLoader.parse(yaml: yaml, sourcePath: "x.yaml")
        #expect(loaded.warnings.count == 2)
        #expect(loaded.warnings.contains { $0.contains("'conversation.turn_endin'") && $0.contains("turn_ending") })
        #expect(loaded.warnings.contains { $0.contains("'mystery'") })
    }

    @Test func optionalKeysAreKnownEvenThoughTheyDefaultToNothing() throws {
        let yaml =
            "audio:\n  device_rate: 48000\n  alsa_config_path: /tmp/card.conf\nrealtime:\n  reasoning_effort: none\n"
        let loaded = try ConfigurationLoader.parse(yaml: yaml, sourcePath: "x.yaml")
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.configuration.audio.deviceRate == 48000)
        #expect(ConfigurationLoader.knownKeys().children(of: "realtime.turn_detection").contains("silence_duration_ms"))
    }

    @Test func theShippedConfigFilesUseOnlyKnownKeys() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for name in ["Config/voiced.yaml", "Config/demo.yaml"] {
            let path = root.appendingPathComponent(name).path
            let loaded = try ConfigurationLoader.load(explicitPath: path, environment: [:])
            #expect(loaded.warnings.isEmpty, "\(name): \(loaded.warnings)")
            if name == "Config/voiced.yaml" {
                #expect(loaded.configuration == VoicedConfiguration(), "the documented file shows the defaults")
            }
        }
    }

    @Test func wrongTypesSayWhereAndWhat() {
        #expect {
            try ConfigurationLoader.parse(yaml: "conversation:\n  max_turn_seconds: lots\n", sourcePath: "x.yaml")
        } throws: { error in
            let text = (error as? ConfigurationError)?.description ?? ""
            return text.contains("x.yaml") && text.contains("conversation.max_turn_seconds")
                && text.contains("whole number")
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(yaml: "conversation: [unclosed", sourcePath: "bad.yaml")
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(yaml: "- just\n- a list\n", sourcePath: "list.yaml")
        }
    }

    @Test func environmentOverridesWinAndUnknownOnesAreReported() throws {
        let loaded = try ConfigurationLoader.parse(
            yaml: "conversation:\n  max_turn_seconds: 30\n",
            sourcePath: nil,
            environment: [
                "VOICED_CONVERSATION_MAX_TURN_SECONDS": "45", "VOICED_AUDIO_NOPE": "1", "VOICED_CONFIG": "/x",
                "VOICED_SIM_CAPTURE_FILE": "/tmp/other-tool",
            ]
        )
        #expect(loaded.configuration.conversation.maxTurnSeconds == 45)
        #expect(loaded.warnings == ["environment variable VOICED_AUDIO_NOPE is not a known setting and is ignored"])
    }

    @Test func aMissingExplicitFileIsOneClearError() {
        #expect {
            try ConfigurationLoader.load(explicitPath: "/nonexistent/voiced.yaml", environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.description.contains("config file not found: /nonexistent/voiced.yaml")
                == true
        }
    }

    @Test func theKeyComesFromTheEnvironmentThenCredentialsThenFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "cred-key\n".write(to: directory.appendingPathComponent("xai-api-key"), atomically: true, encoding: .utf8)
        try "file-key".write(to: directory.appendingPathComponent("key"), atomically: true, encoding: .utf8)
        let keyFile = directory.appendingPathComponent("key").path
        #expect(APIKeyLocator.locate(keyFile: keyFile, environment: ["XAI_API_KEY": "env-key"])?.key == "env-key")
        #expect(
            APIKeyLocator.locate(keyFile: keyFile, environment: ["CREDENTIALS_DIRECTORY": directory.path])?.key
                == "cred-key")
        #expect(APIKeyLocator.locate(keyFile: keyFile, environment: [:])?.key == "file-key")
        #expect(APIKeyLocator.locate(keyFile: nil, environment: [:]) == nil)
        #expect(APIKeyLocator.missingKeyAdvice(keyFile: nil).contains("XAI_API_KEY"))
    }
}

import Foundation
import Testing

@testable import VoiceCore

@Suite struct ButtonGestureSettingsTests {
    private func decode(_ json: String) throws -> ButtonSettings {
        try JSONDecoder().decode(ButtonSettings.self, from: Data(json.utf8))
    }

    @Test func anEmptySectionTakesEveryDefault() throws {
        #expect(try decode("{}") == ButtonSettings())
    }

    @Test func snakeCaseKeysAreRead() throws {
        let settings = try decode(
            """
            {"enabled": true, "chip": "pinctrl-rp1", "line": "GPIO23", "active_low": false, "bias": "pull_down",
             "debounce_ms": 5, "hold_ms": 700, "double_tap_ms": 250, "long_hold_ms": 8000,
             "actions": {"tap": "cancel", "double_tap": "none", "long_hold": "talk_or_stop"}}
            """
        )
        #expect(settings.enabled)
        #expect(settings.chip == "pinctrl-rp1")
        #expect(settings.line == .name("GPIO23"))
        #expect(!settings.activeLow)
        #expect(settings.bias == .pullDown)
        #expect(settings.debounceMilliseconds == 5)
        #expect(settings.holdMilliseconds == 700)
        #expect(settings.doubleTapMilliseconds == 250)
        #expect(settings.longHoldMilliseconds == 8000)
        #expect(settings.actions == .init(tap: .cancel, hold: .pushToTalk, doubleTap: .none, longHold: .talkOrStop))
        #expect(settings.problems().isEmpty)
    }

    @Test(arguments: [("17", GPIOLineReference.offset(17)), ("\"17\"", .offset(17)), ("\"BUTTON\"", .name("BUTTON"))])
    func aLineIsAnOffsetOrAName(json: String, expected: GPIOLineReference) throws {
        #expect(try decode("{\"line\": \(json)}").line == expected)
    }

    @Test func encodingRoundTrips() throws {
        var settings = ButtonSettings()
        settings.line = .name("GPIO5")
        settings.actions.longHold = .none
        let data = try JSONEncoder().encode(settings)
        #expect(try JSONDecoder().decode(ButtonSettings.self, from: data) == settings)
        #expect(String(decoding: data, as: UTF8.self).contains("\"long_hold_ms\""))
    }

    @Test func anUnknownActionIsADecodingError() {
        #expect(throws: DecodingError.self) { try decode("{\"actions\": {\"tap\": \"explode\"}}") }
    }

    @Test func problemsNameTheKey() {
        var settings = ButtonSettings()
        settings.line = .offset(-1)
        settings.debounceMilliseconds = 5000
        settings.longHoldMilliseconds = 100
        settings.actions.tap = .pushToTalk
        let problems = settings.problems()
        #expect(problems.count == 4)
        #expect(problems.contains { $0.hasPrefix("button.line") })
        #expect(problems.contains { $0.hasPrefix("button.debounce_ms") })
        #expect(problems.contains { $0.hasPrefix("button.long_hold_ms") })
        #expect(problems.contains { $0.hasPrefix("button.actions.tap") })
        #expect(ButtonSettings().problems().isEmpty)
    }

    @Test func gesturesWithoutAnActionAreNotRecognized() {
        var settings = ButtonSettings()
        settings.actions = .init(tap: .talkOrStop, hold: .none, doubleTap: .none, longHold: .muteToggle)
        let configuration = settings.recognizerConfiguration(softwareDebounce: true)
        #expect(configuration.holdThreshold == nil)
        #expect(configuration.doubleTapWindow == nil)
        #expect(configuration.longHoldThreshold == .milliseconds(5000))
        #expect(configuration.debounce == .milliseconds(20))
        #expect(settings.recognizerConfiguration(softwareDebounce: false).debounce == nil)
    }

    @Test func theDefaultTableDrivesTheConversation() {
        let settings = ButtonSettings()
        #expect(settings.commands(for: .tap) == [.press])
        #expect(settings.commands(for: .holdStarted) == [.pushToTalkStart])
        #expect(settings.commands(for: .holdEnded) == [.pushToTalkEnd])
        #expect(settings.commands(for: .holdCancelled) == [.cancel])
        #expect(settings.commands(for: .doubleTap) == [.cancel])
        #expect(settings.commands(for: .longHold) == [.toggleMute])
    }

    @Test func aHoldMappedToAnotherActionFiresAtTheThreshold() {
        var settings = ButtonSettings()
        settings.actions.hold = .muteToggle
        #expect(settings.commands(for: .holdStarted) == [.toggleMute])
        #expect(settings.commands(for: .holdEnded).isEmpty)
        #expect(settings.commands(for: .holdCancelled).isEmpty)
        settings.actions.tap = .none
        #expect(settings.commands(for: .tap).isEmpty)
    }
}

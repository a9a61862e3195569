import Foundation
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@Suite struct ControlWireTests {
    static let events: [ControlEvent] = [
        .state(.speaking),
        .connection(FakeControlHandler.sampleStatus().connection),
        .transcript(TranscriptEvent(role: .assistant, text: "Hello \"there\"", isFinal: false)),
        .level(micDBFS: -37.25),
        .turn(FakeControlHandler.sampleStatus().latency),
        .settings(SettingsEvent(voice: "leo", volumePercent: 35, muted: true)),
        .error(message: "connection lost during the reply"),
        .notice(code: ControlEvent.subscriberDroppedCode, message: "too slow"),
    ]

    @Test func everyEventSurvivesEncodeAndDecode() throws {
        for event in Self.events {
            let line = ControlWire.eventLine(event)
            #expect(line.last == 0x0A)
            let decoded = try ControlWire.decodeServerLine(line.dropLast(), answering: nil)
            #expect(decoded == .event(event))
        }
    }

    @Test func eventsAreFlatObjectsNamedByTheirKind() {
        let text = String(decoding: ControlWire.eventLine(.level(micDBFS: -20)), as: UTF8.self)
        #expect(text == "{\"event\":\"level\",\"mic_dbfs\":-20}\n")
        let transcript = String(decoding: ControlWire.eventLine(Self.events[2]), as: UTF8.self)
        #expect(
            transcript
                == "{\"event\":\"transcript\",\"final\":false,\"role\":\"assistant\",\"text\":\"Hello \\\"there\\\"\"}\n"
        )
    }

    @Test func helloLine() {
        let text = String(decoding: ControlWire.helloLine(ControlHello(daemonVersion: "1.2.3")), as: UTF8.self)
        #expect(text == "{\"daemon_version\":\"1.2.3\",\"hello\":\"voiced\",\"protocol_version\":1}\n")
    }

    /// Every property of every status struct is on the wire: a field added to DaemonStatus without a
    /// coding key would otherwise be silently left out.
    @Test func statusEncodesEveryProperty() throws {
        let status = FakeControlHandler.sampleStatus()
        let object = try #require(
            try JSONSerialization.jsonObject(with: ControlWire.encoder().encode(status)) as? [String: Any])
        func check(_ value: Any, _ encoded: [String: Any]?, _ path: String) {
            let mirror = Mirror(reflecting: value)
            let keys = encoded.map { Array($0.keys).sorted() } ?? []
            #expect(mirror.children.count == keys.count, "\(path): \(mirror.children.count) properties, keys \(keys)")
        }
        check(status, object, "status")
        check(status.connection, object["connection"] as? [String: Any], "connection")
        check(status.audio, object["audio"] as? [String: Any], "audio")
        check(status.button, object["button"] as? [String: Any], "button")
        check(status.counters, object["counters"] as? [String: Any], "counters")
        check(status.latency, object["latency"] as? [String: Any], "latency")
        #expect(object["volume_percent"] as? Int == status.volumePercent)
        #expect((object["audio"] as? [String: Any])?["mic_level_dbfs"] as? Double == status.audio.micLevelDBFS)
    }

    @Test func statusRoundTripsAndToleratesMissingKeys() throws {
        let status = FakeControlHandler.sampleStatus()
        let data = try ControlWire.encoder().encode(status)
        #expect(try ControlWire.decoder().decode(DaemonStatus.self, from: data) == status)
        #expect(try ControlWire.decoder().decode(DaemonStatus.self, from: Data("{}".utf8)) == DaemonStatus())
        let partial = try ControlWire.decoder().decode(
            DaemonStatus.self,
            from: Data("{\"state\":\"thinking\",\"audio\":{\"capture_rate\":16000},\"future\":1}".utf8)
        )
        var expected = DaemonStatus()
        expected.state = .thinking
        expected.audio.captureRate = 16_000
        #expect(partial == expected)
    }

    @Test func silenceAtMinusInfinityDoesNotBreakTheStatus() throws {
        var status = DaemonStatus()
        status.audio.micLevelDBFS = -.infinity
        let line = ControlWire.responseLine(id: .integer(1), reply: .success(.status(status)))
        let decoded = try ControlWire.decodeServerLine(line.dropLast(), answering: .status)
        #expect(decoded == .response(ControlResponse(id: .integer(1), reply: .success(.status(status)))))
    }

    @Test func controlSettingsDefaultsAndValidation() throws {
        let defaults = try JSONDecoder().decode(ControlSettings.self, from: Data("{}".utf8))
        #expect(defaults == ControlSettings())
        #expect(defaults.socketPermissions == 0o660)
        #expect(defaults.validationProblems().isEmpty)
        let custom = try JSONDecoder().decode(
            ControlSettings.self,
            from: Data("{\"socket_mode\":\"0600\",\"allowed_users\":[\"pi\"],\"max_clients\":0}".utf8)
        )
        #expect(custom.socketPermissions == 0o600)
        #expect(custom.allowedUsers == ["pi"])
        #expect(custom.allowedGroups == ["voiced"])
        #expect(custom.validationProblems() == ["control.max_clients must be at least 1, not 0"])
        var bad = ControlSettings()
        bad.socketMode = "rw-rw----"
        #expect(bad.socketPermissions == nil)
        #expect(bad.validationProblems().count == 1)
    }
}

import Foundation
import Testing
import VoiceControl
import VoiceCore

@Suite struct ControlRequestDecoderTests {
    static let allCommands: [ControlCommand] = [
        .status, .getVoice, .setVoice("rex"), .setVoice("voice_custom123"), .mute, .unmute, .getVolume,
        .setVolume(0), .setVolume(100), .volumeUp, .volumeDown, .press(hold: false), .press(hold: true), .release,
        .cancel, .say("Wie spät ist es? \"quoted\"\nnewline"), .subscribe([]), .subscribe([.state, .level]),
        .unsubscribe, .devices, .reconnect, .reload, .version, .doctor, .record(seconds: 1), .record(seconds: 300),
    ]

    @Test func everyCommandSurvivesEncodeAndDecode() throws {
        #expect(Set(Self.allCommands.map(\.name)) == Set(ControlCommand.allNames))
        for (index, command) in Self.allCommands.enumerated() {
            let line = ControlRequest(id: .integer(index), command: command).encodedLine()
            #expect(line.last == 0x0A)
            #expect(line.dropLast().contains(0x0A) == false, "one request is one line")
            let decoded = try ControlRequestDecoder.decode(line: line.dropLast()).get()
            #expect(decoded == ControlRequest(id: .integer(index), command: command))
        }
    }

    @Test(arguments: [
        ("EVE", "eve"), ("Ara", "ara"), ("rex", "rex"), ("LUNA", "luna"),
    ])
    func voiceNamesAreCaseInsensitive(requested: String, canonical: String) throws {
        let line = "{\"command\":\"voice.set\",\"args\":{\"name\":\"\(requested)\"}}"
        #expect(try ControlRequestDecoder.decode(line: Data(line.utf8)).get().command == .setVoice(canonical))
    }

    @Test func anUnknownVoiceListsTheValidOnes() {
        let result = ControlRequestDecoder.decode(
            line: Data("{\"id\":9,\"command\":\"voice.set\",\"args\":{\"name\":\"hal\"}}".utf8))
        guard case .failure(let failure) = result else {
            Issue.record("accepted an unknown voice")
            return
        }
        #expect(failure.id == .integer(9))
        #expect(failure.error.code == .invalidArgument)
        for voice in VoiceCatalog.all { #expect(failure.error.message.contains(voice)) }
    }

    @Test(arguments: [
        ("", "bad_request", "empty"),
        ("{", "bad_request", "not valid JSON"),
        ("42", "bad_request", "must be a JSON object"),
        ("{\"id\":true,\"command\":\"status\"}", "bad_request", "\"id\" must be"),
        ("{\"command\":\"status\",\"extra\":1}", "bad_request", "unknown field \"extra\""),
        ("{\"id\":1}", "bad_request", "missing \"command\""),
        ("{\"command\":null}", "bad_request", "\"command\" must be a string"),
        ("{\"command\":\"status\",\"args\":[1]}", "bad_request", "\"args\" must be an object"),
        ("{\"command\":\"Status\"}", "unknown_command", "known commands: status"),
        ("{\"command\":\"status\",\"args\":{\"verbose\":true}}", "invalid_argument", "it takes no arguments"),
        ("{\"command\":\"voice.set\"}", "invalid_argument", "needs args.name"),
        ("{\"command\":\"voice.set\",\"args\":{\"name\":5}}", "invalid_argument", "must be a string"),
        ("{\"command\":\"volume.set\",\"args\":{\"percent\":101}}", "invalid_argument", "from 0 to 100, got 101"),
        ("{\"command\":\"volume.set\",\"args\":{\"percent\":-1}}", "invalid_argument", "from 0 to 100"),
        ("{\"command\":\"volume.set\",\"args\":{\"percent\":50.5}}", "invalid_argument", "an integer"),
        ("{\"command\":\"volume.set\",\"args\":{\"precent\":50}}", "invalid_argument", "needs args.percent"),
        (
            "{\"command\":\"volume.set\",\"args\":{\"percent\":50,\"x\":1}}", "invalid_argument",
            "unknown argument \"x\""
        ),
        ("{\"command\":\"press\",\"args\":{\"hold\":\"yes\"}}", "invalid_argument", "true or false"),
        ("{\"command\":\"say\",\"args\":{\"text\":\"   \"}}", "invalid_argument", "text is empty"),
        ("{\"command\":\"subscribe\",\"args\":{\"events\":[\"weather\"]}}", "invalid_argument", "valid kinds"),
        ("{\"command\":\"subscribe\",\"args\":{\"events\":\"state\"}}", "invalid_argument", "must be an array"),
    ])
    func mistakesGetPreciseErrors(line: String, code: String, messageFragment: String) {
        guard case .failure(let failure) = ControlRequestDecoder.decode(line: Data(line.utf8)) else {
            Issue.record("accepted \(line)")
            return
        }
        #expect(failure.error.code.rawValue == code)
        #expect(failure.error.message.contains(messageFragment), "message: \(failure.error.message)")
    }

    @Test func sayTextHasALimit() {
        let long = String(repeating: "a", count: ControlLimits.maximumSayCharacters + 1)
        let result = ControlRequestDecoder.command(named: "say", arguments: ["text": .string(long)])
        #expect(
            result
                == .failure(
                    ControlError(
                        .invalidArgument,
                        "say: text has \(long.count) characters; the limit is \(ControlLimits.maximumSayCharacters)")))
    }

    @Test func wholeNumbersWrittenAsDecimalsAreAccepted() throws {
        let line = Data("{\"command\":\"volume.set\",\"args\":{\"percent\":60.0}}".utf8)
        #expect(try ControlRequestDecoder.decode(line: line).get().command == .setVolume(60))
    }

    /// Property: any mutation of a valid request decodes to a request or a failure (never a trap), a
    /// failure always carries one of the stable codes and a message, and messages stay short.
    @Test func mutatedRequestsAlwaysGetAnAnswer() {
        var generator = SplitMix64(seed: 20_261_121)
        let seeds = Self.allCommands.map {
            Array(ControlRequest(id: .string("x"), command: $0).encodedLine().dropLast())
        }
        let tokens: [[UInt8]] = [
            "{", "}", "[", "]", "\"", ":", ",", "null", "true", "-1e999", "1e308", "\\u0000",
            "\\ud800", "\u{FEFF}", "\"args\"", "\"id\"", "0x10", "NaN", "\u{7F}", "\\",
        ]
        .map { Array($0.utf8) }
        var accepted = 0
        for iteration in 0..<5_000 {
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<6, using: &generator) {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &generator)
                case 1 where !bytes.isEmpty:
                    bytes.removeSubrange(
                        position..<min(bytes.count, position + Int.random(in: 1...8, using: &generator)))
                case 2: bytes.insert(contentsOf: tokens.randomElement(using: &generator)!, at: position)
                case 3: bytes = Array(bytes.prefix(position))
                case 4: bytes.insert(contentsOf: bytes.prefix(16), at: position)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                }
            }
            switch ControlRequestDecoder.decode(line: bytes) {
            case .success:
                accepted += 1
            case .failure(let failure):
                #expect(ControlErrorCode.all.contains(failure.error.code))
                #expect(!failure.error.message.isEmpty)
                #expect(failure.error.message.count < 600)
            }
        }
        // Some mutations leave the request valid (e.g. a changed byte inside a string); not all do.
        #expect(accepted > 0 && accepted < 5_000)
    }
}

import Foundation
import Testing
import VoiceCore

@testable import VoiceConfig

private struct Sample: Decodable, Equatable {
    var flag: Bool?
    var count: Int?
    var small: UInt8?
    var ratio: Double?
    var name: String?
    var list: [Int]?
    var nested: [String: String]?
}

private func decode(_ text: String) throws -> Sample {
    try Sample(from: YAMLNodeDecoder(node: YAMLReader.parse(text)))
}

@Suite struct YAMLDecodingTests {
    @Test func scalarsFollowTheCoreSchema() throws {
        #expect(try decode("flag: true\ncount: -42\nratio: 2.5e-1\nname: plain").flag == true)
        let sample = try decode(
            "flag: FALSE\ncount: 0x1F\nsmall: 0o17\nratio: .5\nname: 24000\nlist: [1, +2, -3]\nnested: {a: b}")
        #expect(
            sample
                == Sample(
                    flag: false, count: 31, small: 15, ratio: 0.5, name: "24000", list: [1, 2, -3], nested: ["a": "b"]))
        #expect(try decode("ratio: -.inf").ratio == -.infinity)
        #expect(try decode("ratio: .NaN").ratio?.isNaN == true)
        #expect(try decode("ratio: 3").ratio == 3)
        #expect(try decode("count: ~\nname: null").count == nil, "null is absent")
        #expect(try decode("name: 'on'").name == "on")
        #expect(try decode("name: on").name == "on", "YAML 1.2: 'on' is a word, not a boolean")
    }

    @Test(
        arguments: [
            ("flag: yes", "flag", "found \"yes\" at line 1, column 7"),
            ("flag: \"true\"", "flag", "found \"true\" at line 1, column 7"),
            ("count: \"42\"", "count", "at line 1, column 8"),
            ("count: 4.5", "count", "found \"4.5\""),
            ("small: 300", "small", "found \"300\""),
            ("ratio: fast", "ratio", "found \"fast\""),
            ("name: [a]", "name", "found a list at line 1, column 7"),
            ("list: {a: 1}", "list", "found a mapping"),
            ("list: [1, x]", "list.1", "found \"x\" at line 1, column 11"),
        ] as [(String, String, String)])
    func mismatchesNameWhatWasFoundAndWhere(text: String, path: String, fragment: String) {
        #expect {
            try decode(text)
        } throws: { error in
            guard case .typeMismatch(_, let context) = error as? DecodingError else { return false }
            let codingPath = context.codingPath.map(\.stringValue).joined(separator: ".")
            return codingPath == path && context.debugDescription.contains(fragment)
        }
    }

    @Test func configErrorsNameFileLineAndColumn() {
        #expect {
            try ConfigurationLoader.parse(yaml: "audio:\n  period_ms: lots\n", sourcePath: "x.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.description
                == "x.yaml: audio.period_ms: expected a whole number (found \"lots\" at line 2, column 14)"
        }
        #expect {
            try ConfigurationLoader.parse(yaml: "led:\n  patterns:\n    idle: sparkle\n", sourcePath: "x.yaml")
        } throws: { error in
            let text = (error as? ConfigurationError)?.description ?? ""
            return text.contains("led.patterns.idle") && text.contains("line 3, column 11")
        }
        #expect {
            try ConfigurationLoader.parse(yaml: "audio:\n  format: [S16_LE\n", sourcePath: "x.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.description
                == "x.yaml is not valid YAML (line 2, column 11): the '[' opened here is never closed; add ']'"
        }
        #expect {
            try ConfigurationLoader.parse(yaml: "- a\n", sourcePath: "list.yaml")
        } throws: { error in
            (error as? ConfigurationError)?.description.hasPrefix(
                "list.yaml, line 1, column 1: the top level must be a mapping") == true
        }
        #expect {
            try ConfigurationLoader.parse(yaml: "", sourcePath: nil, environment: ["VOICED_AUDIO_PERIOD_MS": "soon"])
        } throws: { error in
            (error as? ConfigurationError)?.description.contains("from the environment variable VOICED_AUDIO_PERIOD_MS")
                == true
        }
    }

    @Test func unknownKeyWarningsGiveTheLine() throws {
        let loaded = try ConfigurationLoader.parse(yaml: "audio:\n  # comment\n  perod_ms: 10\n", sourcePath: "x.yaml")
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.hasPrefix("x.yaml: unknown key 'audio.perod_ms' (line 3) is ignored") == true)
    }

    @Test func theDefaultsPrintAsYAMLThatReadsBackToTheDefaults() throws {
        let text = ConfigurationLoader.defaultsYAML()
        #expect(text.contains("realtime:\n  url: wss://api.x.ai/v1/realtime\n"))
        #expect(text.contains("  socket_mode: \"0660\"\n"), "text that looks like a number is quoted")
        let loaded = try ConfigurationLoader.parse(yaml: text, sourcePath: "defaults")
        #expect(loaded.configuration == VoicedConfiguration())
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
    }

    @Test(arguments: ["Config/voiced.yaml", "Config/demo.yaml"])
    func shippedConfigsRoundTrip(name: String) throws {
        let original = try ConfigurationLoader.parse(yaml: try shippedConfigText(name), sourcePath: name).configuration
        let written = try YAMLWriter.yaml(original)
        let reread = try ConfigurationLoader.parse(yaml: written, sourcePath: "written")
        #expect(reread.configuration == original)
        #expect(reread.warnings.isEmpty, "\(reread.warnings)")
    }

    @Test func writtenTextNeedingQuotesReadsBack() throws {
        let awkward = [
            "", " lead", "trail ", "true", "null", "~", "12", "1e3", ".inf", "- dash", "a: b", "x #y", "[x]", "{x}",
            "line\nbreak", "tab\there", "quote \"q\" and \\", "'single'", "&anchor", "*alias", "!tag", "%d", "@at",
            "`tick`", "---", "...", "key:", "é ünïcode", "\u{7}bell", "plain words",
        ]
        let text = try YAMLWriter.yaml(["values": awkward])
        let node = try YAMLReader.parse(text)
        let decoded = try [String: [String]](from: YAMLNodeDecoder(node: node))
        #expect(decoded == ["values": awkward], "\(text)")
    }
}

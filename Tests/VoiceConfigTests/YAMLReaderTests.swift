import Foundation
import Testing
import VoiceTestSupport

@testable import VoiceConfig

/// The node tree as compact text: scalars in double quotes (`\n` for line breaks), `[…]`, `{k: v}`.
private func render(_ node: YAMLNode) -> String {
    switch node {
    case .scalar(let scalar):
        return "\""
            + scalar.text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n")
            .replacing("\t", with: "\\t") + "\""
    case .sequence(let items, _):
        return "[" + items.map(render).joined(separator: ", ") + "]"
    case .mapping(let pairs, _):
        return "{" + pairs.map { "\($0.key.text): \(render($0.value))" }.joined(separator: ", ") + "}"
    }
}

private func read(_ text: String) throws -> String { render(try YAMLReader.parse(text)) }

@Suite(.computeBound) struct YAMLReaderTests {
    // MARK: - Documents that read

    @Test func blockMappingsAndSequences() throws {
        let text = """
            a: 1
            b:
              - x
              - y: 2
                z: 3
              -
                - nested
            c:
            - at the key's indentation
            d:
              e:
                f: deep
              g: back
            """
        #expect(
            try read(text) == #"{a: "1", b: ["x", {y: "2", z: "3"}, ["nested"]], c: ["at the key's indentation"], "#
                + #"d: {e: {f: "deep"}, g: "back"}}"#)
    }

    @Test func commentsAndEmptyValues() throws {
        let text = """
            # heading
            a: value # trailing comment
            hash: a#b
            empty:
            tilde: ~   # still a comment

            # between
            last: ""
            """
        #expect(try read(text) == #"{a: "value", hash: "a#b", empty: "", tilde: "~", last: ""}"#)
        let node = try YAMLReader.parse(text)
        #expect(node["empty"]?.isNull == true && node["tilde"]?.isNull == true)
        #expect(node["last"]?.isNull == false, "a quoted empty string is text, not null")
    }

    @Test func plainScalarsKeepColonsThatAreNotKeys() throws {
        let text = "url: http://homeassistant.local:8123/api/webhook\ntime: 10:30\nlead: :x\n"
        #expect(try read(text) == #"{url: "http://homeassistant.local:8123/api/webhook", time: "10:30", lead: ":x"}"#)
    }

    @Test func plainScalarsFoldOverIndentedLines() throws {
        let text = "text: one\n  two\n\n  three\nnext: x\n"
        #expect(try read(text) == #"{text: "one two\nthree", next: "x"}"#)
    }

    @Test func quotedScalarsAndEscapes() throws {
        let text = #"""
            dq: "tab\there \"q\" \\ \u00e9 \x41 \U0001F600 \ud83d\ude00 \/ \0end"
            sq: 'it''s # not a comment'
            folded: "one
              two

              three"
            joined: "no\
              space"
            'quoted key': 1
            "dq key": 2
            """#
        let node = try YAMLReader.parse(text)
        #expect(
            node["dq"]
                == .scalar(
                    YAMLScalar(
                        "tab\there \"q\" \\ é A 😀 😀 / \u{0}end", style: .doubleQuoted,
                        mark: YAMLMark(line: 1, column: 5)
                    )))
        #expect(
            try read(text) == #"{dq: "tab\there \"q\" \\ é A 😀 😀 / \#u{0}end", sq: "it's # not a comment", "#
                + #"folded: "one two\nthree", joined: "nospace", quoted key: "1", dq key: "2"}"#)
    }

    @Test func literalAndFoldedBlockScalars() throws {
        let text = """
            literal: |
              line one
                indented

              line three
            folded: >
              folded
              line

              next
                more indented
              last
            strip: |-
              no final break
            keep: |+
              kept

            explicit: |2
                two extra
              base
            end: 1
            """
        #expect(
            try read(text) == #"{literal: "line one\n  indented\n\nline three\n", "#
                + #"folded: "folded line\nnext\n  more indented\nlast\n", strip: "no final break", "#
                + #"keep: "kept\n\n", explicit: "  two extra\nbase\n", end: "1"}"#)
        #expect(try read("a: |\n  no newline at the end") == #"{a: "no newline at the end"}"#)
        #expect(try read("a: >\nb: 1\n") == #"{a: "", b: "1"}"#)
    }

    @Test func flowCollectionsOverSeveralLines() throws {
        let text = """
            flow: {a: 1, "b": [2, 3], 'c': {d: e},
              f: g, bare}
            list: [one,
              two, "three",   # a comment inside
              four]
            json: {"type": "object", "properties": {"days": {"type": "integer"}}}
            empty: [[], {}, [[a b]]]
            """
        #expect(
            try read(text) == #"{flow: {a: "1", b: ["2", "3"], c: {d: "e"}, f: "g", bare: ""}, "#
                + #"list: ["one", "two", "three", "four"], json: {type: "object", properties: {days: {type: "integer"}}}, "#
                + #"empty: [[], {}, [["a b"]]]}"#)
    }

    @Test func documentMarkersDirectivesAndOddInputs() throws {
        #expect(try read("%YAML 1.2\n---\na: 1\n...\n# after\n") == #"{a: "1"}"#)
        #expect(try read("--- {a: 1}\n") == #"{a: "1"}"#)
        #expect(try read("") == #""""#)
        #expect(try read("# only a comment\n\n") == #""""#)
        #expect(try read("\u{FEFF}a: 1\r\nb: 2\r\n") == #"{a: "1", b: "2"}"#)
        #expect(try read("  indented: 1\n  map: 2\n") == #"{indented: "1", map: "2"}"#)
        #expect(try read("- a\n- - b\n  - c\n") == #"["a", ["b", "c"]]"#)
        #expect(try read("just text\n") == #""just text""#)
    }

    @Test func marksPointAtTheText() throws {
        let node = try YAMLReader.parse("a:\n  b: [1,\n    2]\n")
        #expect(node.mark == YAMLMark(line: 1, column: 1))
        #expect(node["a"]?.mark == YAMLMark(line: 2, column: 3))
        guard case .mapping(let pairs, _) = node["a"]!, case .sequence(let items, let listMark) = pairs[0].value else {
            Issue.record("expected a mapping holding a list")
            return
        }
        #expect(pairs[0].key.mark == YAMLMark(line: 2, column: 3))
        #expect(listMark == YAMLMark(line: 2, column: 6))
        #expect(items[1].mark == YAMLMark(line: 3, column: 5))
    }

    // MARK: - Errors: where, what, what to do

    @Test(
        arguments: [
            ("conversation: [unclosed", 1, 15, "never closed; add ']'"),
            ("a: {x: 1", 1, 4, "never closed; add '}'"),
            ("a: 1\n  b: 2", 2, 3, "looks like a key"),
            ("a: b: c", 1, 5, "put the value in quotes"),
            ("a: \"unclosed\nb: 1", 1, 4, "never closed"),
            ("a: 'unclosed", 1, 4, "never closed"),
            ("a: &anchor 1", 1, 4, "anchors and aliases"),
            ("a: *alias", 1, 4, "anchors and aliases"),
            ("a: !!str 1", 1, 4, "tags"),
            ("a: 1\na: 2", 2, 1, "appears twice"),
            ("a: {x: 1, x: 2}", 1, 11, "appears twice"),
            ("a:\n\tb: 1", 2, 1, "tab in the indentation"),
            ("a: 1\n---\nb: 2", 2, 1, "only one YAML document"),
            ("a: 1\n...\nb: 2", 3, 1, "only one YAML document"),
            ("a: \"bad \\q escape\"", 1, 9, "unknown escape"),
            ("a: \"\\u12\"", 1, 5, "hexadecimal digits"),
            ("a: \"\\ud800 alone\"", 1, 5, "surrogate"),
            ("a: \"\\U00110000\"", 1, 5, "beyond the last Unicode character"),
            ("a:\n  - x\n  y: 1", 3, 3, "indent the keys of one mapping alike"),
            ("- [a]\n  - b", 2, 3, "indented more than the list item"),
            ("a:\n  b: 1\n    c: 2", 3, 5, "looks like a key"),
            ("a:\n  b:\n    c: 1\n   d: 2", 4, 4, "indent the keys of one mapping alike"),
            ("a: [1, 2\nb: 3", 2, 2, "missing its ']'"),
            ("a: [x: 1]", 1, 6, "write it as a mapping"),
            ("a: {x: 1,, y: 2}", 1, 10, "empty entry"),
            ("a: [1 2] x", 1, 10, "unexpected text after"),
            ("a: [1, 2 3}", 1, 11, "expected ',' or ']'"),
            ("a: |x\n  text", 1, 5, "after '|' only"),
            ("? complex\n: value", 1, 1, "complex keys"),
            ("[a]: 1", 1, 1, "keys that are lists"),
            ("a: 1\n{b}: 2", 2, 1, "keys that are lists"),
            ("- a\nb: 1", 2, 1, "does not continue"),
            ("a: @foo", 1, 4, "cannot start a plain value"),
            ("a: ]", 1, 4, "without a matching opening bracket"),
            ("a: - x", 1, 4, "a list cannot start on the same line"),
            ("a: \"x\" y", 1, 8, "unexpected text after the quoted text"),
            ("a: 1\nplain line", 2, 1, "expected 'key: value'"),
            ("a: 1\n- item", 2, 1, "a list item"),
            ("a: [|]", 1, 5, "block scalar"),
            ("a: [- x]", 1, 5, "block list item"),
            ("a: \"x\": 1", 1, 4, "cannot be a 'key: value' on the same line"),
            ("%YAML 1.2\na: 1", 2, 1, "must be followed by a '---' line"),
            ("a: 1\n\"b\" 2", 2, 5, "expected ':' after the key"),
        ] as [(String, Int, Int, String)])
    func errorsSayWhereAndWhatToDo(text: String, line: Int, column: Int, fragment: String) {
        #expect {
            try YAMLReader.parse(text)
        } throws: { error in
            guard let error = error as? YAMLSyntaxError else { return false }
            let matches = error.mark == YAMLMark(line: line, column: column) && error.message.contains(fragment)
            if !matches { Issue.record("\(text.debugDescription): got \(error)") }
            return matches
        }
    }

    // MARK: - Robustness

    /// Deterministic mutations of the shipped config (insert, delete, replace with YAML's indicator
    /// characters, truncate) and random bytes: every input either reads or fails with a position
    /// inside the text. A crash or a hang fails the whole run.
    @Test func mutatedAndRandomInputNeverCrashes() throws {
        let base = Array(try shippedConfigText("Config/voiced.yaml").unicodeScalars)
        var random = SplitMix64(seed: 0x5EED)
        let alphabet = Array(" \t\n\r-:#[]{},'\"|>&*!?%@`\\~.0aZé\u{FEFF}\u{0}".unicodeScalars)
        var readCount = 0
        var errorCount = 0
        for round in 0..<500 {
            var scalars = base
            if round % 3 == 0 { scalars = Array(scalars.prefix(Int(random.next() % UInt64(scalars.count + 1)))) }
            for _ in 0..<(1 + Int(random.next() % 6)) {
                let position = Int(random.next() % UInt64(scalars.count + 1))
                let replacement = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 3 {
                case 0: scalars.insert(replacement, at: position)
                case 1: if position < scalars.count { scalars.remove(at: position) }
                default: if position < scalars.count { scalars[position] = replacement }
                }
            }
            let text = String(String.UnicodeScalarView(scalars))
            let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
            do {
                _ = try YAMLReader.parse(text)
                readCount += 1
            } catch {
                errorCount += 1
                #expect(error.mark.line >= 1 && error.mark.line <= lineCount + 1 && error.mark.column >= 1)
            }
        }
        for _ in 0..<1000 {
            let bytes = (0..<Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? YAMLReader.parse(String(decoding: bytes, as: UTF8.self))
        }
        #expect(readCount > 0 && errorCount > 0, "the mutations should produce both readable and broken documents")
    }
}

/// A small deterministic random source for the mutation test.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// A file of the repository, read relative to this test file.
func shippedConfigText(_ relativePath: String) throws -> String {
    let testsDirectory = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3)
    let path = (testsDirectory + relativePath.split(separator: "/")).joined(separator: "/")
    return try String(contentsOfFile: path, encoding: .utf8)
}

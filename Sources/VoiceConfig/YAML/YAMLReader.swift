/// A YAML text that cannot be read: where, what, and what to do about it.
public struct YAMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var mark: YAMLMark
    /// One sentence: what is wrong and how to fix it.
    public var message: String

    public init(_ message: String, at mark: YAMLMark) {
        self.message = message
        self.mark = mark
    }

    public var description: String { "\(mark): \(message)" }
}

/// Reads the part of YAML a configuration file needs, into ``YAMLNode``s, without Foundation.
///
/// Supported: block mappings and sequences (including a sequence at its key's indentation and
/// `- key: value` entries), flow sequences and mappings (`[a, b]`, `{a: 1, "b": [2]}`, over several
/// lines), plain scalars (folded over lines), single- and double-quoted scalars with every YAML
/// escape, literal `|` and folded `>` block scalars with chomping (`-`, `+`) and indentation
/// indicators, comments, `---` / `...` around one document, and a `%` directive before it.
/// Not supported, each with an error that says so: anchors and aliases, tags, `?` complex keys,
/// several documents, and keys that are collections. Duplicate keys and tabs used for indentation
/// are errors too. Scalars keep their text and style; what they mean (number, boolean, null) is
/// decided when a type is decoded from them (``YAMLNodeDecoder``, YAML 1.2 core schema).
enum YAMLReader {
    /// Parses one document. Text with no content (empty, or only comments) gives `YAMLNode.null`.
    static func parse(_ text: String) throws(YAMLSyntaxError) -> YAMLNode {
        var parser = Parser(text)
        return try parser.parseDocument()
    }
}

private struct Parser {
    typealias Line = [Unicode.Scalar]

    private let lines: [Line]
    /// Whether the text ends with a line break (a block scalar on the last line keeps one only then).
    private let lastLineTerminated: Bool
    /// The line being read (0-based) and the position in it.
    private var row = 0
    private var col = 0

    init(_ text: String) {
        var lines: [Line] = []
        var current: Line = []
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                lines.append(current)
                current = []
                if scalar == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
            } else {
                current.append(scalar)
            }
            index += 1
        }
        lines.append(current)
        self.lines = lines
        lastLineTerminated = scalars.last == "\n" || scalars.last == "\r"
    }

    // MARK: - Document

    mutating func parseDocument() throws(YAMLSyntaxError) -> YAMLNode {
        // Directives and a `---` may come first.
        var sawDirective = false
        while let next = try nextContentRow(from: row), lines[next].first == "%" {
            row = next + 1
            sawDirective = true
        }
        var node = YAMLNode.null
        if let next = try nextContentRow(from: row), isDocumentMarker(next, "-") {
            row = next
            col = 3
            skipInlineSpace()
            if atLineEnd || current == "#" {
                row += 1
                col = 0
                node = try parseValueOnFollowingLines(parentIndent: -1, sequenceAtParentIndent: false, fallback: mark)
            } else {
                node = try parseNode(parentIndent: -1, blockCollectionIndent: nil)
            }
        } else if sawDirective {
            throw error("a directive (%…) must be followed by a '---' line", at: YAMLMark(line: row + 1, column: 1))
        } else if let next = try nextContentRow(from: row) {
            row = next
            col = indentation(of: next)
            try checkIndentation(of: next)
            node = try parseNode(parentIndent: -1, blockCollectionIndent: col)
        }
        // Only an end marker, comments and blank lines may follow.
        guard let next = try nextContentRow(from: row) else { return node }
        if isDocumentMarker(next, ".") {
            row = next
            col = 3
            try expectLineEnd(after: "the '...' document end")
            if let after = try nextContentRow(from: row + 1) {
                throw error(
                    "only one YAML document is read; remove what follows the '...' line",
                    at: YAMLMark(line: after + 1, column: indentation(of: after) + 1)
                )
            }
            return node
        }
        if isDocumentMarker(next, "-") {
            throw error(
                "only one YAML document is read; remove the second '---' and what follows it",
                at: YAMLMark(line: next + 1, column: 1)
            )
        }
        let indent = indentation(of: next)
        throw error(
            "this line does not continue what is above it; check its indentation (the lines above start at "
                + "column \(node.mark.map { String($0.column) } ?? "1"))",
            at: YAMLMark(line: next + 1, column: indent + 1)
        )
    }

    // MARK: - Block nodes

    /// Parses the node that starts at the current position (first content of a line, or after
    /// `- ` / `key: `). `blockCollectionIndent` is the indentation a block mapping or sequence
    /// starting here would have; nil where one may not start (after `key: ` on the same line).
    /// Ends at the start of the first line it did not use.
    private mutating func parseNode(parentIndent: Int, blockCollectionIndent: Int?) throws(YAMLSyntaxError) -> YAMLNode
    {
        let start = mark
        guard let first = current else { return .scalar(YAMLScalar("", mark: start)) }
        switch first {
        case "-" where isBlankOrEnd(at: col + 1):
            guard let indent = blockCollectionIndent else {
                throw error(
                    "a list cannot start on the same line as its key; put '- item' on the next lines", at: start)
            }
            return try parseBlockSequence(indent: indent)
        case "[", "{":
            let node = try parseFlowCollection()
            try rejectCollectionKey(start: start)
            try expectLineEnd(after: "the \(first == "[" ? "list" : "mapping") that ends here")
            nextLine()
            return node
        case "|", ">":
            return try parseBlockScalar(parentIndent: parentIndent)
        case "\"", "'":
            let scalar = try parseQuotedScalar()
            skipInlineSpace()
            if current == ":" && isBlankOrEnd(at: col + 1) {
                guard let indent = blockCollectionIndent else {
                    throw error(
                        "a value cannot be a 'key: value' on the same line; put the mapping on the next lines",
                        at: start)
                }
                return try parseBlockMapping(indent: indent, firstKey: scalar)
            }
            try expectLineEnd(after: "the quoted text")
            nextLine()
            return .scalar(scalar)
        default:
            try rejectIndicator(first, at: start)
            if let keyEnd = plainKeyEnd() {
                guard let indent = blockCollectionIndent else {
                    throw error(
                        "a ': ' inside a value; put the value in quotes, or the nested mapping on the next lines",
                        at: YAMLMark(line: row + 1, column: keyEnd + 1)
                    )
                }
                let key = YAMLScalar(text(from: col, to: keyEnd).trimmingTrailingSpace, mark: start)
                col = keyEnd
                return try parseBlockMapping(indent: indent, firstKey: key)
            }
            return .scalar(try parsePlainScalar(parentIndent: parentIndent))
        }
    }

    /// A block mapping whose first key has been read; the position is at its ':'.
    private mutating func parseBlockMapping(indent: Int, firstKey: YAMLScalar) throws(YAMLSyntaxError) -> YAMLNode {
        let mappingMark = firstKey.mark
        var pairs: [YAMLPair] = []
        var firstRows: [String: Int] = [:]
        var key = firstKey
        while true {
            if let earlier = firstRows[key.text] {
                throw error(
                    "the key '\(key.text)' appears twice in one mapping (first on line \(earlier)); keep one",
                    at: key.mark ?? mark
                )
            }
            firstRows[key.text] = key.mark?.line ?? row + 1
            col += 1  // the ':'
            let afterColon = mark
            skipInlineSpace()
            let value: YAMLNode
            if atLineEnd || current == "#" {
                nextLine()
                value = try parseValueOnFollowingLines(
                    parentIndent: indent, sequenceAtParentIndent: true, fallback: afterColon)
            } else {
                value = try parseNode(parentIndent: indent, blockCollectionIndent: nil)
            }
            pairs.append(YAMLPair(key: key, value: value))

            guard let next = try nextContentRow(from: row) else { break }
            let nextIndent = indentation(of: next)
            if nextIndent < indent || isDocumentMarker(next, "-") || isDocumentMarker(next, ".") { break }
            row = next
            col = nextIndent
            try checkIndentation(of: next)
            if nextIndent > indent {
                throw error(
                    "this line is indented more than the key '\(key.text)' above it, but that key already has a "
                        + "value; indent the keys of one mapping alike",
                    at: mark
                )
            }
            key = try parseBlockKey(indent: indent)
        }
        return .mapping(pairs, mark: mappingMark)
    }

    /// A key of a block mapping at the current position (its first column); ends at the ':'.
    private mutating func parseBlockKey(indent: Int) throws(YAMLSyntaxError) -> YAMLScalar {
        let start = mark
        guard let first = current else { throw error("expected a key", at: start) }
        if first == "-" && isBlankOrEnd(at: col + 1) {
            throw error(
                "a list item ('- ') where the mapping above expects a key; indent the list under its key", at: start)
        }
        if first == "\"" || first == "'" {
            let key = try parseQuotedScalar()
            skipInlineSpace()
            guard current == ":" && isBlankOrEnd(at: col + 1) else {
                throw error("expected ':' after the key \"\(key.text)\"", at: mark)
            }
            return key
        }
        if first == "[" || first == "{" {
            throw error("keys that are lists or mappings are not supported; use a plain word as the key", at: start)
        }
        try rejectIndicator(first, at: start)
        guard let keyEnd = plainKeyEnd() else {
            throw error(
                "expected 'key: value' in this mapping (every line at this indentation is a key); add the ':' or fix "
                    + "the indentation",
                at: start
            )
        }
        let key = YAMLScalar(text(from: col, to: keyEnd).trimmingTrailingSpace, mark: start)
        col = keyEnd
        return key
    }

    /// A block sequence whose first '-' is at the current position (column `indent`).
    private mutating func parseBlockSequence(indent: Int) throws(YAMLSyntaxError) -> YAMLNode {
        let sequenceMark = mark
        var items: [YAMLNode] = []
        while true {
            let dashMark = mark
            col += 1
            skipInlineSpace()
            if atLineEnd || current == "#" {
                nextLine()
                items.append(
                    try parseValueOnFollowingLines(
                        parentIndent: indent, sequenceAtParentIndent: false, fallback: dashMark))
            } else {
                if current == "\t" { throw error("a tab after '-'; use spaces", at: mark) }
                items.append(try parseNode(parentIndent: indent, blockCollectionIndent: col))
            }
            guard let next = try nextContentRow(from: row) else { break }
            let nextIndent = indentation(of: next)
            if nextIndent < indent || isDocumentMarker(next, "-") || isDocumentMarker(next, ".") { break }
            let startsItem = lines[next][nextIndent] == "-" && isBlankOrEnd(row: next, at: nextIndent + 1)
            if nextIndent == indent && !startsItem { break }  // the key after a sequence at its key's indentation
            row = next
            col = nextIndent
            try checkIndentation(of: next)
            if nextIndent > indent || !startsItem {
                throw error(
                    "this line is indented more than the list item above it, but that item already has a value; "
                        + "start list items with '- ' at column \(indent + 1)",
                    at: mark
                )
            }
        }
        return .sequence(items, mark: sequenceMark)
    }

    /// The value of a key or list item whose line ended after the ':' or '-': a node on the lines
    /// below, indented more than the parent, or a sequence at the parent's own indentation, or null.
    private mutating func parseValueOnFollowingLines(
        parentIndent: Int, sequenceAtParentIndent: Bool, fallback: YAMLMark
    ) throws(YAMLSyntaxError) -> YAMLNode {
        guard let next = try nextContentRow(from: row) else { return .scalar(YAMLScalar("", mark: fallback)) }
        let indent = indentation(of: next)
        if isDocumentMarker(next, "-") || isDocumentMarker(next, ".") { return .scalar(YAMLScalar("", mark: fallback)) }
        let startsItem = lines[next][indent] == "-" && isBlankOrEnd(row: next, at: indent + 1)
        guard indent > parentIndent || (sequenceAtParentIndent && indent == parentIndent && startsItem) else {
            return .scalar(YAMLScalar("", mark: fallback))
        }
        row = next
        col = indent
        try checkIndentation(of: next)
        return try parseNode(parentIndent: parentIndent, blockCollectionIndent: indent)
    }

    // MARK: - Plain scalars

    /// Where a plain `key:` ends on the current line (the ':' column), if this line is one.
    private func plainKeyEnd() -> Int? {
        let line = lines[row]
        var index = col
        while index < line.count {
            let scalar = line[index]
            if scalar == "#" && index > col && isSpace(line[index - 1]) { return nil }
            if scalar == ":" && isBlankOrEnd(at: index + 1) { return index }
            index += 1
        }
        return nil
    }

    /// A plain scalar in block context from the current position, folded over the following lines
    /// that are indented more than `parentIndent`.
    private mutating func parsePlainScalar(parentIndent: Int) throws(YAMLSyntaxError) -> YAMLScalar {
        let start = mark
        var text = plainLine(from: col)
        var endedByComment = commentFollows
        nextLine()
        var pendingBreaks = 0
        while !endedByComment, row < lines.count {
            if isBlank(row) {
                pendingBreaks += 1
                row += 1
                continue
            }
            let indent = indentation(of: row)
            if indent <= parentIndent || isDocumentMarker(row, "-") || isDocumentMarker(row, ".") { break }
            if lines[row][indent] == "#" { break }
            col = indent
            try checkIndentation(of: row)
            if let keyEnd = plainKeyEnd() {
                throw error(
                    "this line looks like a key ('\(self.text(from: col, to: keyEnd))') but is indented under a value "
                        + "that started on line \(start.line); indent it like the keys above, or quote the value",
                    at: mark
                )
            }
            text += pendingBreaks == 0 ? " " : String(repeating: "\n", count: pendingBreaks)
            pendingBreaks = 0
            text += plainLine(from: col)
            endedByComment = commentFollows
            nextLine()
        }
        return YAMLScalar(text, mark: start)
    }

    /// The rest of a plain scalar's line from `start`, up to a comment, trailing space removed.
    /// Leaves `col` at the end of the text (at the comment, if any).
    private mutating func plainLine(from start: Int) -> String {
        let line = lines[row]
        var end = start
        while end < line.count {
            if line[end] == "#" && end > start && isSpace(line[end - 1]) { break }
            end += 1
        }
        col = end
        return text(from: start, to: end).trimmingTrailingSpace
    }

    private var commentFollows: Bool { current == "#" }

    // MARK: - Quoted scalars

    /// A single- or double-quoted scalar starting at the current position; ends after the closing quote.
    private mutating func parseQuotedScalar() throws(YAMLSyntaxError) -> YAMLScalar {
        let start = mark
        let quote = current!
        let double = quote == "\""
        col += 1
        var text = ""
        /// Whitespace seen on this line that is kept only if more text follows on the same line.
        var pendingSpace = ""
        while true {
            guard row < lines.count else {
                throw error(
                    "the quote \(double ? "\"" : "'") opened here is never closed; add the closing quote", at: start)
            }
            guard let scalar = current else {
                // A line break inside quotes folds: trailing space dropped, one break is a space,
                // each empty line a newline.
                pendingSpace = ""
                var breaks = 0
                repeat {
                    row += 1
                    col = 0
                    guard row < lines.count else {
                        throw error(
                            "the quote \(double ? "\"" : "'") opened here is never closed; add the closing quote",
                            at: start)
                    }
                    skipInlineSpace()
                    if atLineEnd { breaks += 1 }
                } while atLineEnd
                if isDocumentMarker(row, "-") || isDocumentMarker(row, ".") {
                    throw error(
                        "the quote \(double ? "\"" : "'") opened here is never closed; add the closing quote", at: start
                    )
                }
                text += breaks == 0 ? " " : String(repeating: "\n", count: breaks)
                continue
            }
            if scalar == quote {
                if !double && char(at: col + 1) == "'" {
                    text += pendingSpace + "'"
                    pendingSpace = ""
                    col += 2
                    continue
                }
                col += 1
                text += pendingSpace
                return YAMLScalar(text, style: double ? .doubleQuoted : .singleQuoted, mark: start)
            }
            if isSpace(scalar) {
                pendingSpace.unicodeScalars.append(scalar)
                col += 1
                continue
            }
            text += pendingSpace
            pendingSpace = ""
            if double && scalar == "\\" {
                if col + 1 >= lines[row].count {
                    // An escaped line break: the text continues on the next line without a space.
                    row += 1
                    col = 0
                    guard row < lines.count else {
                        throw error("the quote \" opened here is never closed; add the closing quote", at: start)
                    }
                    skipInlineSpace()
                    continue
                }
                text.unicodeScalars.append(contentsOf: try parseEscape())
                continue
            }
            text.unicodeScalars.append(scalar)
            col += 1
        }
    }

    /// One escape of a double-quoted scalar; the position is at the backslash.
    private mutating func parseEscape() throws(YAMLSyntaxError) -> [Unicode.Scalar] {
        let start = mark
        let letter = char(at: col + 1)!
        col += 2
        switch letter {
        case "0": return ["\u{0}"]
        case "a": return ["\u{7}"]
        case "b": return ["\u{8}"]
        case "t", "\t": return ["\t"]
        case "n": return ["\n"]
        case "v": return ["\u{B}"]
        case "f": return ["\u{C}"]
        case "r": return ["\r"]
        case "e": return ["\u{1B}"]
        case " ": return [" "]
        case "\"": return ["\""]
        case "/": return ["/"]
        case "\\": return ["\\"]
        case "N": return ["\u{85}"]
        case "_": return ["\u{A0}"]
        case "L": return ["\u{2028}"]
        case "P": return ["\u{2029}"]
        case "x", "u", "U":
            var value = try hexDigits(letter == "x" ? 2 : letter == "u" ? 4 : 8, escape: letter, at: start)
            if (0xD800...0xDBFF).contains(value), char(at: col) == "\\", char(at: col + 1) == "u" {
                // A UTF-16 surrogate pair written as two \u escapes (as JSON does).
                col += 2
                let low = try hexDigits(4, escape: "u", at: start)
                if (0xDC00...0xDFFF).contains(low) { value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00) }
            }
            guard let scalar = Unicode.Scalar(value) else {
                let written = "\\\(letter)\(String(value, radix: 16))"
                throw error(
                    value > 0x10FFFF
                        ? "\(written) is beyond the last Unicode character (\\U0010ffff)"
                        : "\(written) is half of a UTF-16 surrogate pair; write the character itself, or both halves "
                            + "(\\ud83d\\ude00)",
                    at: start
                )
            }
            return [scalar]
        default:
            throw error(
                "unknown escape '\\\(letter)' in double quotes; write '\\\\' for a backslash, or use single quotes",
                at: start
            )
        }
    }

    /// `count` hexadecimal digits of a `\x`, `\u` or `\U` escape.
    private mutating func hexDigits(
        _ count: Int, escape: Unicode.Scalar, at start: YAMLMark
    ) throws(YAMLSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let digit = char(at: col).flatMap({ hexValue($0) }) else {
                throw error("\\\(escape) needs \(count) hexadecimal digits", at: start)
            }
            value = value * 16 + digit
            col += 1
        }
        return value
    }

    private func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    // MARK: - Block scalars

    /// A `|` or `>` block scalar; the position is at the indicator.
    private mutating func parseBlockScalar(parentIndent: Int) throws(YAMLSyntaxError) -> YAMLNode {
        let start = mark
        let literal = current == "|"
        col += 1
        enum Chomping { case clip, strip, keep }
        var chomping = Chomping.clip
        var explicitIndent: Int?
        for _ in 0..<2 {
            guard let scalar = current else { break }
            if scalar == "-" || scalar == "+", chomping == .clip {
                chomping = scalar == "-" ? .strip : .keep
                col += 1
            } else if ("1"..."9").contains(scalar), explicitIndent == nil {
                explicitIndent = Int(scalar.value) - 48
                col += 1
            }
        }
        if let scalar = current, !isSpace(scalar) {
            throw error(
                "after '\(literal ? "|" : ">")' only '-', '+', an indentation digit 1–9 and a comment may follow; "
                    + "put the text on the next lines",
                at: mark
            )
        }
        try expectLineEnd(after: "the block scalar indicator")
        nextLine()

        // The content's indentation: given, or that of the first non-empty line.
        var contentIndent: Int
        if let explicitIndent {
            contentIndent = max(parentIndent, 0) + explicitIndent
        } else {
            contentIndent = parentIndent + 1
            var probe = row
            while probe < lines.count, isBlank(probe) { probe += 1 }
            if probe < lines.count { contentIndent = max(indentation(of: probe), parentIndent + 1) }
        }
        var contentLines: [String] = []  // "" for an empty line
        var lastTextRow = -1
        // The empty "line" after a final line break is not a line of the text.
        let lineCount = lastLineTerminated ? lines.count - 1 : lines.count
        while row < lineCount {
            let line = lines[row]
            if isBlank(row) {
                // Whitespace beyond the content's indentation is text (kept by `|`).
                contentLines.append(
                    line.count > contentIndent ? String(String.UnicodeScalarView(line[contentIndent...])) : "")
                row += 1
                continue
            }
            if indentation(of: row) < contentIndent || isDocumentMarker(row, "-") || isDocumentMarker(row, ".") {
                break
            }
            contentLines.append(String(String.UnicodeScalarView(line[contentIndent...])))
            lastTextRow = row
            row += 1
        }
        col = 0
        // Trailing empty lines belong to chomping, not to the text.
        var trailingBreaks = 0
        while let last = contentLines.last, last.unicodeScalars.allSatisfy({ isSpace($0) }) {
            contentLines.removeLast()
            trailingBreaks += 1
        }
        var text = ""
        var leadingBreaks = 0
        var previousWasNormal = false
        var started = false
        for line in contentLines {
            guard !line.isEmpty else {
                leadingBreaks += 1
                continue
            }
            let moreIndented = line.first == " " || line.first == "\t"
            if !started {
                text += String(repeating: "\n", count: leadingBreaks)
            } else if literal {
                text += String(repeating: "\n", count: leadingBreaks + 1)
            } else if previousWasNormal && !moreIndented {
                text += leadingBreaks == 0 ? " " : String(repeating: "\n", count: leadingBreaks)
            } else {
                text += String(repeating: "\n", count: leadingBreaks + 1)
            }
            text += line
            started = true
            previousWasNormal = !moreIndented
            leadingBreaks = 0
        }
        // The last text line's own break: absent when it is the unterminated end of the file.
        let finalBreak = started && (lastTextRow < lineCount - 1 || lastLineTerminated) ? 1 : 0
        switch chomping {
        case .strip:
            break
        case .clip:
            text += String(repeating: "\n", count: finalBreak)
        case .keep:
            text += String(repeating: "\n", count: finalBreak + trailingBreaks + leadingBreaks)
        }
        return .scalar(YAMLScalar(text, style: literal ? .literal : .folded, mark: start))
    }

    // MARK: - Flow collections

    /// `[…]` or `{…}` from the current position, possibly over several lines; ends after the bracket.
    private mutating func parseFlowCollection() throws(YAMLSyntaxError) -> YAMLNode {
        let start = mark
        let isSequence = current == "["
        let closing: Unicode.Scalar = isSequence ? "]" : "}"
        col += 1
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var firstRows: [String: Int] = [:]
        while true {
            try skipFlowSpace(openedAt: start, closing: closing)
            if current == closing {
                col += 1
                return isSequence ? .sequence(items, mark: start) : .mapping(pairs, mark: start)
            }
            if current == "," {
                throw error("an empty entry (two commas, or a comma first); remove the extra ','", at: mark)
            }
            let entryStart = mark
            let first = try parseFlowNode(openedAt: start, closing: closing)
            try skipFlowSpace(openedAt: start, closing: closing)
            if isSequence {
                if current == ":" {
                    let unclosed = mark.line > start.line ? " (or the '[' at \(start) is missing its ']')" : ""
                    throw error(
                        "a 'key: value' directly inside [ ]; write it as a mapping: [{key: value}]\(unclosed)", at: mark
                    )
                }
                items.append(first)
            } else {
                guard case .scalar(let key) = first else {
                    throw error(
                        "keys that are lists or mappings are not supported; use a plain word as the key", at: entryStart
                    )
                }
                var value = YAMLNode.scalar(YAMLScalar("", mark: mark))
                if current == ":" {
                    col += 1
                    try skipFlowSpace(openedAt: start, closing: closing)
                    if current != "," && current != closing {
                        value = try parseFlowNode(openedAt: start, closing: closing)
                        try skipFlowSpace(openedAt: start, closing: closing)
                    }
                }
                if let earlier = firstRows[key.text] {
                    throw error(
                        "the key '\(key.text)' appears twice in one mapping (first on line \(earlier)); keep one",
                        at: entryStart
                    )
                }
                firstRows[key.text] = entryStart.line
                pairs.append(YAMLPair(key: key, value: value))
            }
            if current == "," {
                col += 1
            } else if current != closing {
                throw error(
                    "expected ',' or '\(closing)' here, in the \(isSequence ? "list" : "mapping") opened at "
                        + "\(start); separate entries with ', ' and quote text that contains , [ ] { } or ': '",
                    at: mark
                )
            }
        }
    }

    /// One value inside a flow collection.
    private mutating func parseFlowNode(
        openedAt start: YAMLMark, closing: Unicode.Scalar
    ) throws(YAMLSyntaxError) -> YAMLNode {
        let here = mark
        switch current! {
        case "[", "{": return try parseFlowCollection()
        case "\"", "'": return .scalar(try parseQuotedScalar())
        case "|", ">":
            throw error("a block scalar ('|' or '>') cannot be inside [ ] or { }; quote the text instead", at: here)
        case "-" where isBlankOrEnd(at: col + 1):
            throw error("a block list item ('- ') cannot be inside [ ] or { }; separate items with ','", at: here)
        case let scalar:
            try rejectIndicator(scalar, at: here)
            return .scalar(parseFlowPlainScalar())
        }
    }

    /// A plain scalar inside a flow collection: ends at , [ ] { }, at ': ', or at a comment; folds over lines.
    private mutating func parseFlowPlainScalar() -> YAMLScalar {
        let start = mark
        var result = ""
        while true {
            let line = lines[row]
            let lineStart = col
            while col < line.count {
                let scalar = line[col]
                if scalar == "," || scalar == "[" || scalar == "]" || scalar == "{" || scalar == "}" { break }
                if scalar == ":" && (isBlankOrEnd(at: col + 1) || isFlowIndicator(char(at: col + 1))) { break }
                if scalar == "#" && col > lineStart && isSpace(line[col - 1]) { break }
                col += 1
            }
            let piece = text(from: lineStart, to: col).trimmingTrailingSpace
            result += result.isEmpty ? piece : (piece.isEmpty ? "" : " " + piece)
            guard col >= line.count else { break }
            // At the end of the line: continue on the next one unless it starts with an indicator.
            var next = row + 1
            while next < lines.count, isBlank(next) { next += 1 }
            guard next < lines.count else { break }
            let indent = indentation(of: next)
            let first = lines[next][indent]
            if first == "," || first == "]" || first == "}" || first == "#" || first == ":" || first == "["
                || first == "{"
            {
                break
            }
            row = next
            col = indent
        }
        return YAMLScalar(result, mark: start)
    }

    /// Skips spaces, line breaks and comments inside a flow collection.
    private mutating func skipFlowSpace(openedAt start: YAMLMark, closing: Unicode.Scalar) throws(YAMLSyntaxError) {
        while true {
            skipInlineSpace()
            if current == "#" { col = lines[row].count }
            if !atLineEnd { return }
            row += 1
            col = 0
            if row >= lines.count || isDocumentMarker(row, "-") || isDocumentMarker(row, ".") {
                throw error(
                    "the '\(closing == "]" ? "[" : "{")' opened here is never closed; add '\(closing)'",
                    at: start
                )
            }
        }
    }

    private func isFlowIndicator(_ scalar: Unicode.Scalar?) -> Bool {
        scalar == "," || scalar == "[" || scalar == "]" || scalar == "{" || scalar == "}"
    }

    // MARK: - Checks

    /// Characters that cannot start a plain scalar, each with what to do instead.
    private func rejectIndicator(_ scalar: Unicode.Scalar, at here: YAMLMark) throws(YAMLSyntaxError) {
        switch scalar {
        case "&", "*":
            throw error(
                "anchors and aliases (&name, *name) are not supported; write the value out, or quote it", at: here)
        case "!":
            throw error("tags (!name) are not supported; remove the tag, or quote the value", at: here)
        case "?" where isBlankOrEnd(at: col + 1):
            throw error("complex keys ('? ') are not supported; write 'key: value'", at: here)
        case "@", "`", "%":
            throw error("'\(scalar)' cannot start a plain value; put the value in quotes", at: here)
        case "]", "}", ",":
            throw error(
                "'\(scalar)' without a matching opening bracket; remove it, or put the value in quotes", at: here)
        case "\t":
            throw error("a tab where a value should start; use spaces", at: here)
        default:
            break
        }
    }

    private mutating func rejectCollectionKey(start: YAMLMark) throws(YAMLSyntaxError) {
        skipInlineSpace()
        if current == ":" && isBlankOrEnd(at: col + 1) {
            throw error("keys that are lists or mappings are not supported; use a plain word as the key", at: start)
        }
    }

    /// Only spaces and a comment may follow on this line.
    private mutating func expectLineEnd(after what: String) throws(YAMLSyntaxError) {
        skipInlineSpace()
        guard atLineEnd || current == "#" else {
            throw error("unexpected text after \(what); remove it, or put the whole value in quotes", at: mark)
        }
        col = lines[row].count
    }

    /// YAML forbids tabs in indentation; say so rather than guess what was meant.
    private func checkIndentation(of row: Int) throws(YAMLSyntaxError) {
        let indent = indentation(of: row)
        if indent < lines[row].count, lines[row][indent] == "\t" {
            throw error(
                "a tab in the indentation; indent with spaces only", at: YAMLMark(line: row + 1, column: indent + 1))
        }
    }

    // MARK: - Position helpers

    private var mark: YAMLMark { YAMLMark(line: row + 1, column: col + 1) }
    private var current: Unicode.Scalar? { char(at: col) }
    private var atLineEnd: Bool { row >= lines.count || col >= lines[row].count }

    private func char(at index: Int) -> Unicode.Scalar? {
        guard row < lines.count, index >= 0, index < lines[row].count else { return nil }
        return lines[row][index]
    }

    private func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" }

    private func isBlankOrEnd(at index: Int) -> Bool { isBlankOrEnd(row: row, at: index) }

    private func isBlankOrEnd(row: Int, at index: Int) -> Bool {
        index >= lines[row].count || isSpace(lines[row][index])
    }

    private mutating func skipInlineSpace() {
        while let scalar = current, isSpace(scalar) { col += 1 }
    }

    private mutating func nextLine() {
        row += 1
        col = 0
    }

    private func indentation(of row: Int) -> Int {
        var count = 0
        while count < lines[row].count, lines[row][count] == " " { count += 1 }
        return count
    }

    /// Only spaces and tabs.
    private func isBlank(_ row: Int) -> Bool { lines[row].allSatisfy { isSpace($0) } }

    /// The first row at or after `start` with something other than whitespace or a comment. YAML
    /// forbids tabs in indentation; such a line is an error rather than a guess.
    private func nextContentRow(from start: Int) throws(YAMLSyntaxError) -> Int? {
        var candidate = start
        while candidate < lines.count {
            let line = lines[candidate]
            if let first = line.firstIndex(where: { !isSpace($0) }), line[first] != "#" {
                try checkIndentation(of: candidate)
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    /// `---` or `...` at the start of a line, alone or followed by a space.
    private func isDocumentMarker(_ row: Int, _ marker: Unicode.Scalar) -> Bool {
        let line = lines[row]
        return line.count >= 3 && line[0] == marker && line[1] == marker && line[2] == marker
            && (line.count == 3 || isSpace(line[3]))
    }

    private func text(from start: Int, to end: Int) -> String {
        String(String.UnicodeScalarView(lines[row][start..<end]))
    }

    private func error(_ message: String, at mark: YAMLMark) -> YAMLSyntaxError {
        YAMLSyntaxError(message, at: mark)
    }
}

extension String {
    /// Without trailing spaces and tabs.
    fileprivate var trimmingTrailingSpace: String {
        var scalars = unicodeScalars[...]
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

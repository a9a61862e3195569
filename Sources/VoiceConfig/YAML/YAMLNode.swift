/// Where something starts in a YAML text: 1-based line and column (columns count Unicode scalars).
public struct YAMLMark: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}

/// A scalar as written: its text after quotes, escapes and folding are resolved, and how it was
/// written, which decides what it may mean (only a plain `true` is a boolean; a quoted one is text).
struct YAMLScalar: Sendable, Equatable {
    enum Style: Sendable, Equatable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// `|` block scalar.
        case literal
        /// `>` block scalar.
        case folded
    }

    var text: String
    var style: Style
    /// nil for values that did not come from the text (environment overrides).
    var mark: YAMLMark?

    init(_ text: String, style: Style = .plain, mark: YAMLMark? = nil) {
        self.text = text
        self.style = style
        self.mark = mark
    }

    /// YAML 1.2 core schema: an unquoted `~`, `null`, `Null`, `NULL` or nothing at all.
    var isNull: Bool {
        style == .plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }
}

/// One key and its value in a mapping, in the order written.
struct YAMLPair: Sendable, Equatable {
    var key: YAMLScalar
    var value: YAMLNode
}

/// A parsed YAML value before any type is applied to it: what ``YAMLReader`` produces, what
/// ``YAMLNodeDecoder`` decodes and what ``YAMLWriter`` prints.
enum YAMLNode: Sendable, Equatable {
    case scalar(YAMLScalar)
    case sequence([YAMLNode], mark: YAMLMark?)
    case mapping([YAMLPair], mark: YAMLMark?)

    static let null = YAMLNode.scalar(YAMLScalar(""))

    static func emptyMapping() -> YAMLNode { .mapping([], mark: nil) }

    var mark: YAMLMark? {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(_, let mark), .mapping(_, let mark): mark
        }
    }

    var isNull: Bool {
        if case .scalar(let scalar) = self { return scalar.isNull }
        return false
    }

    /// What kind of value this is, for messages: `"lots"`, `a mapping`, `a list`.
    var summary: String {
        switch self {
        case .scalar(let scalar):
            if scalar.isNull { return "nothing (null)" }
            let text = scalar.text.count > 40 ? String(scalar.text.prefix(40)) + "…" : scalar.text
            return "\"\(text.replacing("\n", with: "\\n"))\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The value of `key` when this is a mapping.
    subscript(key: String) -> YAMLNode? {
        get {
            guard case .mapping(let pairs, _) = self else { return nil }
            return pairs.first { $0.key.text == key }?.value
        }
        set {
            guard case .mapping(var pairs, let mark) = self else { return }
            if let index = pairs.firstIndex(where: { $0.key.text == key }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append(YAMLPair(key: YAMLScalar(key), value: newValue))
            }
            self = .mapping(pairs, mark: mark)
        }
    }

    /// The node a decoder's coding path leads to, if the text has one there.
    func node(at path: [any CodingKey]) -> YAMLNode? {
        var current = self
        for key in path {
            switch current {
            case .mapping:
                guard let next = current[key.stringValue] else { return nil }
                current = next
            case .sequence(let items, _):
                guard let index = key.intValue, items.indices.contains(index) else { return nil }
                current = items[index]
            case .scalar:
                return nil
            }
        }
        return current
    }
}

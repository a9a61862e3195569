/// Prints `Encodable` values as block-style YAML that ``YAMLReader`` and ``YAMLNodeDecoder`` read
/// back to the same values (`voiced check-config --defaults`).
enum YAMLWriter {
    static func yaml<T: Encodable>(_ value: T) throws -> String {
        let root = NodeBox()
        try value.encode(to: YAMLNodeEncoder(box: root, codingPath: []))
        return text(of: root.node)
    }

    /// Block style: nested mappings and lists indented by two spaces, empty ones as `{}` / `[]`.
    static func text(of node: YAMLNode) -> String {
        var lines: [String] = []
        write(node, indent: "", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func write(_ node: YAMLNode, indent: String, into lines: inout [String]) {
        switch node {
        case .scalar(let scalar):
            lines.append(indent + text(of: scalar))
        case .sequence(let items, _) where items.isEmpty:
            lines.append(indent + "[]")
        case .mapping(let pairs, _) where pairs.isEmpty:
            lines.append(indent + "{}")
        case .sequence(let items, _):
            for item in items {
                var itemLines: [String] = []
                write(item, indent: "", into: &itemLines)
                for (index, line) in itemLines.enumerated() {
                    lines.append(indent + (index == 0 ? "- " : "  ") + line)
                }
            }
        case .mapping(let pairs, _):
            for pair in pairs {
                let key = text(of: YAMLScalar(pair.key.text))
                switch pair.value {
                case .scalar(let scalar):
                    lines.append(indent + key + ": " + text(of: scalar))
                case .sequence(let items, _) where items.isEmpty:
                    lines.append(indent + key + ": []")
                case .mapping(let nested, _) where nested.isEmpty:
                    lines.append(indent + key + ": {}")
                case .sequence, .mapping:
                    lines.append(indent + key + ":")
                    write(pair.value, indent: indent + "  ", into: &lines)
                }
            }
        }
    }

    /// A scalar as written: plain when it reads back as the same thing, else double-quoted.
    static func text(of scalar: YAMLScalar) -> String {
        if scalar.style == .plain { return scalar.text }
        return needsQuotes(scalar.text) ? quoted(scalar.text) : scalar.text
    }

    /// Whether text written plain would read back as something else (null, a number, a boolean,
    /// another structure) or not at all.
    static func needsQuotes(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return true }
        if YAMLScalar(text).isNull || ["true", "True", "TRUE", "false", "False", "FALSE"].contains(text) {
            return true
        }
        if YAMLNumber.double(text) != nil || YAMLNumber.integer(text, as: Int.self) != nil { return true }
        if " \t".unicodeScalars.contains(first) || " \t".unicodeScalars.contains(last) { return true }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return true }
        if text.contains(": ") || text.contains(" #") || last == ":" { return true }
        if text.hasPrefix("---") || text.hasPrefix("...") { return true }
        return text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{FEFF}" }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{FEFF}" {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

// MARK: - Encoder

/// A node under construction: encoders write into boxes so nested containers can fill in later.
private final class NodeBox {
    enum Content {
        case empty
        case scalar(YAMLScalar)
        case sequence([NodeBox])
        case mapping([(String, NodeBox)])
    }

    var content = Content.empty

    var node: YAMLNode {
        switch content {
        case .empty: .null
        case .scalar(let scalar): .scalar(scalar)
        case .sequence(let boxes): .sequence(boxes.map(\.node), mark: nil)
        case .mapping(let pairs): .mapping(pairs.map { YAMLPair(key: YAMLScalar($0.0), value: $0.1.node) }, mark: nil)
        }
    }

    func child(forKey key: String) -> NodeBox {
        var pairs: [(String, NodeBox)] = []
        if case .mapping(let existing) = content { pairs = existing }
        if let found = pairs.first(where: { $0.0 == key }) { return found.1 }
        let box = NodeBox()
        pairs.append((key, box))
        content = .mapping(pairs)
        return box
    }

    func appendChild() -> NodeBox {
        var items: [NodeBox] = []
        if case .sequence(let existing) = content { items = existing }
        let box = NodeBox()
        items.append(box)
        content = .sequence(items)
        return box
    }
}

private struct YAMLNodeEncoder: Encoder {
    let box: NodeBox
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .mapping = box.content {} else { box.content = .mapping([]) }
        return KeyedEncodingContainer(YAMLKeyedEncodingContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .sequence = box.content {} else { box.content = .sequence([]) }
        return YAMLUnkeyedEncodingContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }
}

extension YAMLNodeEncoder: SingleValueEncodingContainer {
    private func set(_ text: String, quoted: Bool) {
        box.content = .scalar(YAMLScalar(text, style: quoted ? .doubleQuoted : .plain))
    }

    func encodeNil() { set("null", quoted: false) }
    func encode(_ value: Bool) { set(value ? "true" : "false", quoted: false) }
    func encode(_ value: String) { set(value, quoted: true) }
    func encode(_ value: Double) { set(Self.text(of: value), quoted: false) }
    func encode(_ value: Float) { set(Self.text(of: Double(value)), quoted: false) }
    func encode(_ value: Int) { set(String(value), quoted: false) }
    func encode(_ value: Int8) { set(String(value), quoted: false) }
    func encode(_ value: Int16) { set(String(value), quoted: false) }
    func encode(_ value: Int32) { set(String(value), quoted: false) }
    func encode(_ value: Int64) { set(String(value), quoted: false) }
    func encode(_ value: UInt) { set(String(value), quoted: false) }
    func encode(_ value: UInt8) { set(String(value), quoted: false) }
    func encode(_ value: UInt16) { set(String(value), quoted: false) }
    func encode(_ value: UInt32) { set(String(value), quoted: false) }
    func encode(_ value: UInt64) { set(String(value), quoted: false) }
    func encode<T: Encodable>(_ value: T) throws { try value.encode(to: self) }

    static func text(of value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        return "\(value)"
    }
}

private struct YAMLKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: NodeBox
    var codingPath: [any CodingKey]

    private func encoder(for key: Key) -> YAMLNodeEncoder {
        YAMLNodeEncoder(box: box.child(forKey: key.stringValue), codingPath: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) throws { encoder(for: key).encodeNil() }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try value.encode(to: encoder(for: key)) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    )
        -> KeyedEncodingContainer<NestedKey>
    {
        encoder(for: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder(for: key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        YAMLNodeEncoder(box: box.child(forKey: "super"), codingPath: codingPath)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder(for: key) }
}

private struct YAMLUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let box: NodeBox
    var codingPath: [any CodingKey]

    var count: Int {
        if case .sequence(let items) = box.content { return items.count }
        return 0
    }

    private func nextEncoder() -> YAMLNodeEncoder {
        YAMLNodeEncoder(box: box.appendChild(), codingPath: codingPath + [IndexKey(count)])
    }

    mutating func encodeNil() throws { nextEncoder().encodeNil() }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: nextEncoder()) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        nextEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { nextEncoder().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { nextEncoder() }
}

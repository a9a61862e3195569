/// Learns every key a configuration type reads, by decoding it from nothing and writing down each
/// key it asks for. Optional keys (nil by default) are found too, which encoding the defaults
/// would miss. Nested settings are followed; values the recorder cannot fake (scalars, enums,
/// free-form tables) simply end the walk there.
final class KeyRecorder {
    private(set) var paths: Set<String> = []

    func record(_ path: [any CodingKey]) {
        paths.insert(path.map(\.stringValue).joined(separator: "."))
    }

    /// The keys known at `path` ("" for the top level).
    func children(of path: String) -> Set<String> {
        let prefix = path.isEmpty ? "" : path + "."
        var result: Set<String> = []
        for candidate in paths where candidate.hasPrefix(prefix) && candidate.count > prefix.count {
            let rest = candidate.dropFirst(prefix.count)
            if let name = rest.split(separator: ".").first { result.insert(String(name)) }
        }
        return result
    }

    static func keys<T: Decodable>(of type: T.Type) -> KeyRecorder {
        let recorder = KeyRecorder()
        _ = try? T(from: KeyRecordingDecoder(recorder: recorder, codingPath: []))
        return recorder
    }
}

struct KeyRecordingDecoder: Decoder {
    let recorder: KeyRecorder
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyRecordingContainer<Key>(recorder: recorder, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: codingPath, debugDescription: "recording keys only"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(
            Any.self, .init(codingPath: codingPath, debugDescription: "recording keys only"))
    }
}

struct KeyRecordingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: KeyRecorder
    var codingPath: [any CodingKey]
    var allKeys: [Key] { [] }

    private func absent(_ key: Key) -> DecodingError {
        .keyNotFound(key, .init(codingPath: codingPath, debugDescription: "recording keys only"))
    }

    func contains(_ key: Key) -> Bool {
        recorder.record(codingPath + [key])
        return false
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        recorder.record(codingPath + [key])
        return true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        recorder.record(codingPath + [key])
        // Follow nested settings so their keys are learned, then report the key as absent.
        _ = try? T(from: KeyRecordingDecoder(recorder: recorder, codingPath: codingPath + [key]))
        throw absent(key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        recorder.record(codingPath + [key])
        _ = try? T(from: KeyRecordingDecoder(recorder: recorder, codingPath: codingPath + [key]))
        return nil
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        recorder.record(codingPath + [key])
        return KeyedDecodingContainer(
            KeyRecordingContainer<NestedKey>(recorder: recorder, codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        recorder.record(codingPath + [key])
        throw absent(key)
    }

    func superDecoder() throws -> any Decoder { KeyRecordingDecoder(recorder: recorder, codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        KeyRecordingDecoder(recorder: recorder, codingPath: codingPath + [key])
    }
}

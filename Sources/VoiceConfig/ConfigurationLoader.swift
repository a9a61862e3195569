import Foundation
import VoiceCore
import Yams

/// A configuration and what a person should know about how it was read.
public struct LoadedConfiguration: Sendable {
    public var configuration: VoicedConfiguration
    /// The file it came from; nil when the built-in defaults were used.
    public var sourcePath: String?
    /// Non-fatal problems: unknown keys, unknown environment overrides.
    public var warnings: [String]
}

/// Why the configuration could not be used. `description` is one line for a person.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Reads the YAML config, applies environment overrides, and checks every key.
///
/// Where the file comes from, in order: the explicit path (`voiced --config`), `$VOICED_CONFIG`,
/// `/etc/voiced/voiced.yaml` if it exists, else the built-in defaults.
/// Environment overrides: `VOICED_<SECTION>_<KEY>=value` sets `section.key` (for example
/// `VOICED_AUDIO_CAPTURE_DEVICE=plughw:CARD=seeed2micvoicec`); `VOICED_REALTIME_URL` points the
/// daemon at another endpoint, such as the local simulator.
public enum ConfigurationLoader {
    public static let systemPath = "/etc/voiced/voiced.yaml"
    /// Variables that start with `VOICED_` but are not overrides.
    static let reservedVariables: Set<String> = ["VOICED_CONFIG", "VOICED_SOCKET", "VOICED_ONLY"]
    /// Values whose inner shape their own type judges (an LED pattern is a word or a mapping whose
    /// keys depend on its mode), so the key check stops at them.
    static let opaquePaths: Set<String> = ["led.patterns"]

    public static func load(
        explicitPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let path: String?
        if let explicitPath {
            path = explicitPath
        } else if let fromEnvironment = environment["VOICED_CONFIG"], !fromEnvironment.isEmpty {
            path = fromEnvironment
        } else {
            path = fileExists(systemPath) ? systemPath : nil
        }
        var text = ""
        if let path {
            guard fileExists(path) else {
                throw ConfigurationError("config file not found: \(path) (check the path, or run without --config to use the defaults)")
            }
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read config file \(path): \(readableReason(error)) (check its permissions)")
            }
        }
        return try parse(yaml: text, sourcePath: path, environment: environment)
    }

    /// Parses configuration text; `sourcePath` only names it in messages.
    public static func parse(
        yaml text: String,
        sourcePath: String?,
        environment: [String: String] = [:]
    ) throws(ConfigurationError) -> LoadedConfiguration {
        let name = sourcePath ?? "built-in configuration"
        var warnings: [String] = []
        var root: Node
        do {
            root = try Yams.compose(yaml: text) ?? Node.mapping(.init([]))
        } catch {
            throw ConfigurationError("\(name) is not valid YAML: \(yamlReason(error))")
        }
        if case .scalar(let scalar) = root, scalar.string.isEmpty || scalar.tag.description.hasSuffix("null") {
            root = .mapping(.init([]))
        }
        guard case .mapping = root else {
            throw ConfigurationError("\(name): the top level must be a mapping of sections (daemon:, audio:, realtime:, …)")
        }

        let known = knownKeys()
        warnings += unknownKeys(in: root, known: known, path: "", source: name)
        warnings += applyEnvironmentOverrides(to: &root, environment: environment, known: known)

        do {
            let configuration = try YAMLDecoder().decode(VoicedConfiguration.self, from: root)
            return LoadedConfiguration(configuration: configuration, sourcePath: sourcePath, warnings: warnings)
        } catch let error as DecodingError {
            throw ConfigurationError("\(name): \(describe(error))")
        } catch {
            throw ConfigurationError("\(name): \(readableReason(error))")
        }
    }

    /// Every setting with its default value, as YAML (`voiced check-config --defaults`).
    public static func defaultsYAML() -> String {
        (try? YAMLEncoder().encode(VoicedConfiguration())) ?? ""
    }

    // MARK: - Keys

    /// Every section and key the configuration reads, learned from the settings types themselves, so
    /// a new setting is known as soon as it exists.
    static func knownKeys() -> KeyRecorder { KeyRecorder.keys(of: VoicedConfiguration.self) }

    static func unknownKeys(in node: Node, known: KeyRecorder, path: String, source: String) -> [String] {
        guard case .mapping(let mapping) = node else { return [] }
        let knownHere = known.children(of: path)
        var warnings: [String] = []
        for (key, value) in mapping {
            let keyName = key.string ?? "?"
            let fullName = path.isEmpty ? keyName : "\(path).\(keyName)"
            if knownHere.contains(keyName) {
                // Descend only where the settings type itself reads named keys; a free-form value
                // (an LED pattern, tool parameters) is the type's to judge.
                if !opaquePaths.contains(fullName), !known.children(of: fullName).isEmpty {
                    warnings += unknownKeys(in: value, known: known, path: fullName, source: source)
                }
            } else {
                let choices = knownHere.sorted().joined(separator: ", ")
                let line = key.mark.map { " (line \($0.line))" } ?? ""
                warnings.append("\(source): unknown key '\(fullName)'\(line) is ignored; known keys here: \(choices)")
            }
        }
        return warnings
    }

    // MARK: - Environment

    static func applyEnvironmentOverrides(to root: inout Node, environment: [String: String], known: KeyRecorder) -> [String] {
        var warnings: [String] = []
        let sections = known.children(of: "").sorted { $0.count > $1.count }
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard variable.hasPrefix("VOICED_"), !reservedVariables.contains(variable) else { continue }
            let rest = variable.dropFirst("VOICED_".count).lowercased()
            // Variables outside the config's sections (VOICED_SIM_CAPTURE_FILE, …) belong to other tools.
            guard let section = sections.first(where: { rest.hasPrefix($0 + "_") }) else { continue }
            let key = String(rest.dropFirst(section.count + 1))
            guard known.children(of: section).contains(key) else {
                warnings.append("environment variable \(variable) is not a known setting and is ignored")
                continue
            }
            var sectionNode = root[section] ?? .mapping(.init([]))
            if case .scalar = sectionNode { sectionNode = .mapping(.init([])) }
            sectionNode[key] = Node(value)
            root[section] = sectionNode
        }
        return warnings
    }

    // MARK: - Messages

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(typeName(type)) (\(context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): a value is required (\(typeName(type)))"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is String.Type: "text"
        default: "\(type)"
        }
    }

    static func yamlReason(_ error: any Error) -> String {
        // YamlError's description spans several lines with a caret diagram; keep the first.
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "syntax error"
    }

    static func readableReason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}

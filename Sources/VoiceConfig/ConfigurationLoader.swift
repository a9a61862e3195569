#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

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
///
/// The YAML is read by ``YAMLReader`` (our own reader for what a config file needs; no Foundation,
/// no C library) and decoded by ``YAMLNodeDecoder`` (YAML 1.2 core schema: `true`/`false` are the
/// only booleans, so `pace: on` stays the word "on").
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
                throw ConfigurationError(
                    "config file not found: \(path) (check the path, or run without --config to use the defaults)")
            }
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError("cannot read config file \(path): \(FileProblem.describe(error))")
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
        var root: YAMLNode
        do {
            root = try YAMLReader.parse(text)
        } catch {
            throw ConfigurationError("\(name) is not valid YAML (\(error.mark)): \(error.message)")
        }
        if root.isNull { root = .emptyMapping() }
        guard case .mapping = root else {
            let position = root.mark.map { ", \($0)" } ?? ""
            throw ConfigurationError(
                "\(name)\(position): the top level must be a mapping of sections (daemon:, audio:, realtime:, …)"
            )
        }

        let known = knownKeys()
        warnings += unknownKeys(in: root, known: known, path: "", source: name)
        warnings += applyEnvironmentOverrides(to: &root, environment: environment, known: known)

        do {
            let configuration = try VoicedConfiguration(from: YAMLNodeDecoder(node: root))
            return LoadedConfiguration(configuration: configuration, sourcePath: sourcePath, warnings: warnings)
        } catch let error as DecodingError {
            throw ConfigurationError("\(name): \(describe(error, in: root))")
        } catch {
            throw ConfigurationError("\(name): \(error)")
        }
    }

    /// Every setting with its default value, as YAML (`voiced check-config --defaults`).
    public static func defaultsYAML() -> String {
        (try? YAMLWriter.yaml(VoicedConfiguration())) ?? ""
    }

    // MARK: - Keys

    /// Every section and key the configuration reads, learned from the settings types themselves, so
    /// a new setting is known as soon as it exists.
    static func knownKeys() -> KeyRecorder { KeyRecorder.keys(of: VoicedConfiguration.self) }

    static func unknownKeys(in node: YAMLNode, known: KeyRecorder, path: String, source: String) -> [String] {
        guard case .mapping(let pairs, _) = node else { return [] }
        let knownHere = known.children(of: path)
        var warnings: [String] = []
        for pair in pairs {
            let keyName = pair.key.text
            let fullName = path.isEmpty ? keyName : "\(path).\(keyName)"
            if knownHere.contains(keyName) {
                // Descend only where the settings type itself reads named keys; a free-form value
                // (an LED pattern, tool parameters) is the type's to judge.
                if !opaquePaths.contains(fullName), !known.children(of: fullName).isEmpty {
                    warnings += unknownKeys(in: pair.value, known: known, path: fullName, source: source)
                }
            } else {
                let choices = knownHere.sorted().joined(separator: ", ")
                let line = pair.key.mark.map { " (line \($0.line))" } ?? ""
                warnings.append("\(source): unknown key '\(fullName)'\(line) is ignored; known keys here: \(choices)")
            }
        }
        return warnings
    }

    // MARK: - Environment

    static func applyEnvironmentOverrides(to root: inout YAMLNode, environment: [String: String], known: KeyRecorder)
        -> [String]
    {
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
            var sectionNode = root[section] ?? .emptyMapping()
            if case .mapping = sectionNode {} else { sectionNode = .emptyMapping() }
            // A plain scalar, so numbers and booleans read as they would in the file.
            sectionNode[key] = .scalar(YAMLScalar(value))
            root[section] = sectionNode
        }
        return warnings
    }

    // MARK: - Messages

    /// One line: the setting's path, what was wrong, and where in the file (or which variable) it came from.
    static func describe(_ error: DecodingError, in root: YAMLNode) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacing(".[", with: "[")
        }
        /// Where the value at `codingPath` is written, unless the message already says so.
        func place(_ codingPath: [any CodingKey], _ message: String) -> String {
            if message.contains(" at line ") { return "" }
            if let mark = root.node(at: codingPath)?.mark { return " (\(mark))" }
            if codingPath.count == 2 {
                let variable = "VOICED_" + codingPath.map { $0.stringValue.uppercased() }.joined(separator: "_")
                if root.node(at: codingPath) != nil { return " (from the environment variable \(variable))" }
            }
            return ""
        }
        switch error {
        case .typeMismatch(let type, let context):
            let at = place(context.codingPath, context.debugDescription)
            return "\(path(context.codingPath)): expected \(typeName(type)) (\(context.debugDescription))\(at)"
        case .valueNotFound(let type, let context):
            return
                "\(path(context.codingPath)): a value is required (\(typeName(type)))\(place(context.codingPath, ""))"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing\(place(context.codingPath, ""))"
        case .dataCorrupted(let context):
            let at = place(context.codingPath, context.debugDescription)
            return "\(path(context.codingPath)): \(context.debugDescription)\(at)"
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
        case is [Any].Type: "a list"
        case is [String: Any].Type: "a mapping"
        default: "\(type)"
        }
    }
}

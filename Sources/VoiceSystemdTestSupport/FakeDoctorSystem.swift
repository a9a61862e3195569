import VoiceCore
import VoiceSystemd

/// A machine described by a few paths, for the `voicectl doctor` checks: a path exists when it has an
/// entry in `files`; a directory lists the entries directly under it.
public struct FakeDoctorSystem: DoctorSystem {
    public var files: [String: DoctorFileInfo] = [:]
    /// Paths that exist but this process may not open.
    public var unreadable: Set<String> = []
    public var variables: [String: String] = [:]
    public var kernelSynchronized: Bool?
    /// A month after this build (a plausible time).
    public var now = VoicedBuild.sourceDateSecondsSinceEpoch + 30 * 86_400

    public init() {}

    public func entries(of directory: String) -> [String]? {
        let prefix = directory + "/"
        let names = files.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            .filter { !$0.contains("/") }
        return names.isEmpty ? nil : names
    }
    public func info(of path: String) -> DoctorFileInfo? { files[path] }
    public func canAccess(_ path: String, write: Bool) -> Bool { files[path] != nil && !unreadable.contains(path) }
    public func environment(_ name: String) -> String? { variables[name] }
    public func kernelClockSynchronized() -> Bool? { kernelSynchronized }
    public func secondsSinceEpoch() -> Int { now }

    /// A character device node, as /dev/snd/pcmC0D0c or /dev/gpiochip0 are.
    public static func device(group: String = "audio") -> DoctorFileInfo {
        DoctorFileInfo(kind: .characterDevice, mode: 0o660, groupName: group, size: 0)
    }
}

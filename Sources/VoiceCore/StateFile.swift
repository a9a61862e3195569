/// What voiced remembers across restarts: the settings changed from the control socket.
public struct PersistedSettings: Sendable, Equatable {
    public var voice: String = VoiceCatalog.defaultVoice
    /// Speaker volume, 0…100.
    public var volumePercent: Int = 80
    /// Microphone mute.
    public var muted: Bool = false

    public init(voice: String = VoiceCatalog.defaultVoice, volumePercent: Int = 80, muted: Bool = false) {
        self.voice = voice
        self.volumePercent = volumePercent
        self.muted = muted
    }
}

/// The state file's text form: `key = value` lines, `#` comments. Pure; the file I/O is
/// `StateFileStore` (VoiceControl), which writes atomically.
///
/// Decoding never fails: an unreadable line or value keeps the default for that setting and adds a
/// warning, so a corrupt file costs the owner a setting, never the daemon.
public enum StateFile {
    public static func encode(_ settings: PersistedSettings) -> String {
        """
        # voiced state: settings changed with voicectl, restored at start. Written by voiced; edits are
        # kept but may be overwritten.
        voice = \(settings.voice)
        volume = \(settings.volumePercent)
        muted = \(settings.muted)

        """
    }

    /// The settings in `text`, and one warning per problem found (at most a few).
    public static func decode(_ text: String) -> (settings: PersistedSettings, warnings: [String]) {
        var settings = PersistedSettings()
        var warnings: [String] = []
        func warn(_ message: String) {
            if warnings.count < 5 { warnings.append(message) }
        }
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let lineNumber = index + 1
            guard let equals = line.firstIndex(of: "=") else {
                warn("line \(lineNumber) is not `key = value`; ignored")
                continue
            }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            switch key {
            case "voice":
                if let voice = VoiceCatalog.canonical(String(value)) {
                    settings.voice = voice
                } else {
                    warn("line \(lineNumber): unknown voice \"\(value.prefix(40))\"; using \(settings.voice)")
                }
            case "volume":
                if let percent = Int(value), (0...100).contains(percent) {
                    settings.volumePercent = percent
                } else {
                    warn(
                        "line \(lineNumber): volume \"\(value.prefix(40))\" is not 0-100; "
                            + "using \(settings.volumePercent)")
                }
            case "muted":
                switch value.lowercased() {
                case "true", "yes", "1": settings.muted = true
                case "false", "no", "0": settings.muted = false
                default: warn("line \(lineNumber): muted \"\(value.prefix(40))\" is not true or false; using false")
                }
            default:
                warn("line \(lineNumber): unknown setting \"\(key.prefix(40))\"; ignored")
            }
        }
        return (settings, warnings)
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> Substring {
        let scalars = Substring(self)
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.isWhitespace })!
        return scalars[first...last]
    }
}

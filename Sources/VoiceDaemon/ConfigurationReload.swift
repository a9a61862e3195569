import VoiceConfig
import VoiceControl
import VoiceCore

/// What a reload (`voicectl reload`, SIGHUP) did, for the control handler: the message for the person, and the voice
/// the file now names when that changed (the handler sets and saves it as `voicectl voice` does).
public struct ConfigurationReload: Sendable, Equatable {
    public var message: String
    public var voice: String?

    public init(message: String, voice: String? = nil) {
        self.message = message
        self.voice = voice
    }
}

/// Decides what a reload applies. The voice and the `listening:` keys apply live; every other section is read once
/// at start, so a change there is named in the answer as waiting for a restart, instead of the answer implying it
/// took effect.
///
/// The voice is compared with what the file said before, not with the voice in use: `voicectl voice` saves its choice
/// in the state file, which wins over the file at start, and reloading for a listening key must not undo that choice.
/// It applies when the file's own `realtime.voice` changed.
struct ConfigurationReloadPlanner: Sendable {
    struct Plan: Sendable, Equatable {
        /// The file's voice (canonical), when it changed since the last read.
        var voice: String?
        /// The file's listening settings, when they differ from the ones in use.
        var listening: ListeningSettings?
        /// Sections that differ from the daemon's start and take effect at the next restart, in file order.
        var waitingForRestart: [String]
    }

    private let atStart: VoicedConfiguration
    private var fileVoice: String?
    private var listening: ListeningSettings

    /// - Parameter atStart: the configuration as read at start (before the state file's voice replaced the file's).
    init(atStart: VoicedConfiguration) {
        self.atStart = atStart
        fileVoice = VoiceCatalog.canonical(atStart.realtime.voice)
        listening = atStart.listening
    }

    mutating func plan(for reloaded: VoicedConfiguration) -> Plan {
        let voice = VoiceCatalog.canonical(reloaded.realtime.voice)
        var plan = Plan(voice: nil, listening: nil, waitingForRestart: [])
        if voice != fileVoice {
            plan.voice = voice
            fileVoice = voice
        }
        if reloaded.listening != listening {
            plan.listening = reloaded.listening
            listening = reloaded.listening
        }
        var realtime = reloaded.realtime
        realtime.voice = atStart.realtime.voice
        let sections: [(String, Bool)] = [
            ("daemon", reloaded.daemon != atStart.daemon),
            ("conversation", reloaded.conversation != atStart.conversation),
            ("audio", reloaded.audio != atStart.audio),
            ("realtime", realtime != atStart.realtime),
            ("control", reloaded.control != atStart.control),
            ("button", reloaded.button != atStart.button),
            ("led", reloaded.led != atStart.led),
            ("tools", reloaded.tools != atStart.tools),
        ]
        plan.waitingForRestart = sections.filter(\.1).map(\.0)
        return plan
    }

    /// One line for the person who reloaded: where from, what applies now, what waits for a restart.
    static func message(for plan: Plan, source: String?) -> String {
        var applied: [String] = []
        if let voice = plan.voice { applied.append("voice \(voice)") }
        if plan.listening != nil { applied.append("the listening settings (from the end of any turn under way)") }
        var message = "configuration reloaded from \(source ?? "the built-in defaults"); "
        message += applied.isEmpty ? "nothing to apply now" : "applied " + applied.joined(separator: " and ")
        if !plan.waitingForRestart.isEmpty {
            message +=
                "; changed but applied only at the next restart (systemctl restart voiced): "
                + plan.waitingForRestart.joined(separator: ", ")
        }
        return message
    }
}

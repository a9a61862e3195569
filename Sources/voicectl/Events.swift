import ArgumentParser
import VoiceControl
import VoiceCore

extension VoiceCtl {
    struct Events: ControlSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the daemon's events as they happen, one per line.",
            discussion: "Kinds: \(ControlEventKind.allCases.map(\.rawValue).joined(separator: ", ")). "
                + "All kinds unless --kind is given. Runs until Ctrl-C, --count or the daemon stops."
        )

        @Option(
            name: .customLong("kind"),
            parsing: .singleValue,
            help: ArgumentHelp("Only events of this kind (repeatable).", valueName: "kind"),
            completion: .list(ControlEventKind.allCases.map(\.rawValue))
        )
        var kinds: [String] = []

        @Option(name: .long, help: "Stop after this many events.")
        var count: Int?

        @OptionGroup var options: ConnectionOptions

        func validate() throws {
            for kind in kinds where ControlEventKind(rawValue: kind.lowercased()) == nil {
                throw ValidationError(
                    "unknown event kind \"\(kind)\"; kinds: "
                        + ControlEventKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        }

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            let wanted = Set(kinds.compactMap { ControlEventKind(rawValue: $0.lowercased()) })
            try client.send(.subscribe(wanted))
            var printed = 0
            while count.map({ printed < $0 }) ?? true {
                guard let event = try client.nextEvent(timeout: nil) else { continue }
                console.out(options.json ? ControlWire.json(event, pretty: false) : Self.describe(event))
                printed += 1
            }
            return VoicectlExit.ok
        }

        static func describe(_ event: ControlEvent) -> String {
            switch event {
            case .state(let state): "state \(state.rawValue)"
            case .connection(let connection):
                "connection \(connection.state.rawValue)" + (connection.lastError.map { " (\($0))" } ?? "")
            case .transcript(let transcript):
                "\(transcript.role.rawValue)\(transcript.isFinal ? "" : " (partial)"): \(transcript.text)"
            case .level(let level): "level \(StatusView.decibels(level)) \(StatusView.meter(dBFS: level, width: 20))"
            case .turn(let latency):
                "turn end of speech -> first audio \(StatusView.milliseconds(latency.endOfSpeechToFirstAudioMs)), "
                    + "barge-in reaction \(StatusView.milliseconds(latency.bargeInReactionMs))"
            case .settings(let settings):
                "settings voice \(settings.voice), volume \(settings.volumePercent)%"
                    + (settings.muted ? ", microphone muted" : "")
            case .error(let message): "error \(message)"
            case .tool(let call):
                "tool \(call.name) \(call.status.rawValue) in \(call.durationMilliseconds) ms"
                    + (call.error.map { ": \($0)" } ?? "")
            case .notice(let code, let message): "notice \(code): \(message)"
            }
        }
    }
}

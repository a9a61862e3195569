import ArgumentParser
import VoiceControl
import VoiceCore

extension VoiceCtl {
    struct Voice: ControlSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the voice, or switch to another (applied live and kept across restarts).",
            discussion: "Voices: \(VoiceCatalog.all.joined(separator: ", ")). Names are case-insensitive."
        )

        @Argument(
            help: "The voice to switch to.",
            completion: .list(VoiceCatalog.all)
        )
        var name: String?

        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            let command: ControlCommand
            if let name {
                // Unknown names are checked by the daemon too; checking here gives the same message
                // without a round trip and works for scripts that validate offline.
                switch ControlRequestDecoder.command(named: "voice.set", arguments: ["name": .string(name)]) {
                case .success(let valid): command = valid
                case .failure(let error): throw .refused(error)
                }
            } else {
                command = .getVoice
            }
            return try sendAndPrint(command, client: client, console: console) { result in
                guard case .voice(let info) = result else { return "\(result)" }
                if name != nil { return "voice set to \(info.voice)" }
                return "voice: \(info.voice) (available: \(info.available.joined(separator: ", ")))"
            }
        }
    }

    struct Mute: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Mute the microphone (kept across restarts).")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.mute, client: client, console: console, human: describeMute)
        }
    }

    struct Unmute: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Unmute the microphone.")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.unmute, client: client, console: console, human: describeMute)
        }
    }

    struct Volume: ControlSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set the speaker volume: a percentage (0-100), up or down."
        )

        @Argument(help: ArgumentHelp("0-100, up, or down.", valueName: "level"), completion: .list(["up", "down"]))
        var level: String?

        @OptionGroup var options: ConnectionOptions

        func validate() throws {
            _ = try Self.command(for: level)
        }

        static func command(for level: String?) throws -> ControlCommand {
            guard let level else { return .getVolume }
            switch level.lowercased() {
            case "up", "+": return .volumeUp
            case "down", "-": return .volumeDown
            default:
                let digits = level.hasSuffix("%") ? String(level.dropLast()) : level
                guard let percent = Int(digits), (0...100).contains(percent) else {
                    throw ValidationError("volume must be a number from 0 to 100, up or down; got \"\(level)\"")
                }
                return .setVolume(percent)
            }
        }

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            let command = (try? Self.command(for: level)) ?? .getVolume
            return try sendAndPrint(command, client: client, console: console) { result in
                guard case .volume(let info) = result else { return "\(result)" }
                return "volume \(info.volumePercent)%"
            }
        }
    }

    struct Press: ControlSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Press the virtual button: start a turn, end it, or stop the reply.",
            discussion: "With --hold the button stays down (push-to-talk) until `voicectl release`."
        )
        @Flag(name: .long, help: "Hold the button down until `voicectl release`.")
        var hold = false
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.press(hold: hold), client: client, console: console, human: describeState)
        }
    }

    struct Release: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Release the virtual button (ends a held turn).")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.release, client: client, console: console, human: describeState)
        }
    }

    struct Cancel: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Stop speaking, thinking or listening.")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.cancel, client: client, console: console, human: describeState)
        }
    }

    struct Say: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Ask a question in text; the answer is spoken aloud.")
        @Argument(help: "The question (several words are joined with spaces).")
        var words: [String]
        @OptionGroup var options: ConnectionOptions

        var text: String { words.joined(separator: " ") }

        func validate() throws {
            guard text.contains(where: { !$0.isWhitespace }) else { throw ValidationError("say needs some text") }
            guard text.count <= ControlLimits.maximumSayCharacters else {
                throw ValidationError("the text is longer than \(ControlLimits.maximumSayCharacters) characters")
            }
        }

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.say(text), client: client, console: console, human: describeState)
        }
    }

    struct Devices: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "List the sound cards and ALSA PCMs voiced can use.")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.devices, client: client, console: console) { result in
                guard case .devices(let list) = result else { return "\(result)" }
                var lines = ["in use: capture \(list.captureDevice), playback \(list.playbackDevice)", "", "cards:"]
                if list.cards.isEmpty { lines.append("  (none)") }
                for card in list.cards { lines.append("  \(card.index): \(card.id) - \(card.name)") }
                lines += ["", "PCMs:"]
                if list.pcms.isEmpty { lines.append("  (none)") }
                for pcm in list.pcms {
                    let directions = [pcm.capture ? "capture" : nil, pcm.playback ? "playback" : nil]
                        .compactMap { $0 }.joined(separator: "+")
                    let description = pcm.description.split(separator: "\n").joined(separator: " / ")
                    lines.append("  \(pcm.name) [\(directions)]")
                    if !description.isEmpty { lines.append("      \(description)") }
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Reconnect: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Drop the realtime connection and connect again now.")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.reconnect, client: client, console: console, human: describeDone)
        }
    }

    struct Reload: ControlSubcommand {
        static let configuration = CommandConfiguration(abstract: "Read the config file again and apply it.")
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.reload, client: client, console: console, human: describeDone)
        }
    }

    struct Version: ControlSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the versions of voicectl, voiced and the protocol."
        )
        @OptionGroup var options: ConnectionOptions

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try sendAndPrint(.version, client: client, console: console) { result in
                guard case .version(let info) = result else { return "\(result)" }
                return "voicectl \(VoiceCtl.version)\nvoiced \(info.daemonVersion) "
                    + "(control protocol \(info.protocolVersion))"
            }
        }
    }
}

func describeMute(_ result: ControlResult) -> String {
    guard case .mute(let info) = result else { return "\(result)" }
    return info.muted ? "microphone muted" : "microphone unmuted"
}

func describeState(_ result: ControlResult) -> String {
    guard case .state(let info) = result else { return "\(result)" }
    return "state: \(info.state.rawValue)"
}

func describeDone(_ result: ControlResult) -> String {
    guard case .done(let info) = result else { return "\(result)" }
    return info.message
}

import ArgumentParser
import Foundation
import VoiceControl
import VoiceCore

extension VoiceCtl {
    struct Status: ControlSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what voiced is doing: state, connection, voice, audio, counters, latencies.",
            discussion: "With --watch, a live view redrawn in place until Ctrl-C."
        )

        @Flag(name: .long, help: "Keep watching: redraw as things change (state, connection, mic level, latencies).")
        var watch = false

        @Option(name: .long, help: .hidden)
        var frames: Int?

        @OptionGroup var options: ConnectionOptions

        func validate() throws {
            if watch && options.json { throw ValidationError("--watch draws for people; use `voicectl events --json`") }
        }

        func execute(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            if watch { return try watchStatus(client: client, console: console) }
            return try sendAndPrint(.status, client: client, console: console) { result in
                guard case .status(let status) = result else { return "\(result)" }
                return StatusView.lines(for: status).joined(separator: "\n")
            }
        }

        private func fetchStatus(_ client: ControlClient) throws(ControlClientError) -> DaemonStatus {
            guard case .status(let status) = try client.send(.status) else {
                throw .broken("the answer to status is not a status")
            }
            return status
        }

        private func watchStatus(client: ControlClient, console: Console) throws(ControlClientError) -> Int32 {
            try client.send(.subscribe([]))
            var status = try fetchStatus(client)
            var lastRefresh = ContinuousClock.now
            var lastEvent: String?
            var drawn = 0
            while frames.map({ drawn < $0 }) ?? true {
                let lines =
                    StatusView.lines(for: status, meterWidth: 30)
                    + ["", "last event: \(lastEvent ?? "-")", "(Ctrl-C to stop)"]
                if console.isTerminal {
                    // Home, clear to the end of the screen, draw: redrawn in place without flicker of scroll.
                    console.out("\u{1B}[H\u{1B}[J" + lines.joined(separator: "\n"))
                } else {
                    console.out(lines.joined(separator: "\n") + "\n")
                }
                drawn += 1
                if let event = try client.nextEvent(timeout: .milliseconds(500)) {
                    lastEvent = StatusView.apply(event, to: &status)
                    // Levels come many times a second; let a few arrive before the next frame.
                    if case .level = event {
                        while let more = try client.nextEvent(timeout: .milliseconds(100)) {
                            lastEvent = StatusView.apply(more, to: &status) ?? lastEvent
                        }
                    }
                }
                if lastRefresh.duration(to: .now) > .seconds(2) {
                    status = try fetchStatus(client)
                    lastRefresh = .now
                }
            }
            return VoicectlExit.ok
        }
    }
}

/// Text rendering of the status for people (pure, so tests check it).
enum StatusView {
    static func lines(for status: DaemonStatus, meterWidth: Int = 20) -> [String] {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        row("voiced", "\(status.version.isEmpty ? "?" : status.version), up \(duration(status.uptimeSeconds))")
        row("state", status.state.rawValue + (status.muted ? " (microphone muted)" : ""))
        var connection = status.connection.state.rawValue
        if !status.connection.model.isEmpty { connection += " - \(status.connection.model)" }
        if !status.connection.endpoint.isEmpty { connection += " at \(status.connection.endpoint)" }
        if let next = status.connection.nextAttemptInMilliseconds, status.connection.state == .backingOff {
            connection += ", next attempt in \(next) ms"
        }
        row("connection", connection)
        if let error = status.connection.lastError { row("", "last error: \(error)") }
        row("voice", status.voice)
        row("volume", "\(status.volumePercent)%")
        let audio = status.audio
        row(
            "audio",
            "\(audio.state): capture \(audio.captureDevice) @ \(audio.captureRate) Hz, "
                + "playback \(audio.playbackDevice) @ \(audio.playbackRate) Hz")
        if let error = audio.lastError { row("", "last error: \(error)") }
        var micLevel = meter(dBFS: audio.micLevelDBFS, width: meterWidth) + " " + decibels(audio.micLevelDBFS)
        if let peak = audio.lastTurnMicPeakDBFS { micLevel += ", last turn's peak " + decibels(peak) }
        row("mic level", micLevel)
        row("button", status.button.state + (status.button.reason.map { ": \($0)" } ?? ""))
        let counters = status.counters
        row(
            "turns",
            "\(counters.turns), presses \(counters.presses), barge-ins \(counters.bargeIns), "
                + "reconnects \(counters.reconnects)")
        row(
            "audio I/O",
            "xruns \(counters.captureXruns) in / \(counters.playbackXruns) out, underruns "
                + "\(counters.playbackUnderruns), dropped \(counters.captureDroppedSamples) samples")
        row(
            "last turn",
            "end of speech -> first audio \(milliseconds(status.latency.endOfSpeechToFirstAudioMs)), "
                + "barge-in reaction \(milliseconds(status.latency.bargeInReactionMs))")
        if let text = status.lastUserTranscript { row("you said", quoted(text)) }
        if let text = status.lastReplyTranscript { row("reply", quoted(text)) }
        return lines
    }

    /// Folds an event into the status; returns a one-line description of it.
    @discardableResult
    static func apply(_ event: ControlEvent, to status: inout DaemonStatus) -> String? {
        switch event {
        case .state(let state):
            status.state = state
            return "state \(state.rawValue)"
        case .connection(let connection):
            status.connection = connection
            return "connection \(connection.state.rawValue)"
        case .level(let level):
            status.audio.micLevelDBFS = level
            return nil
        case .turn(let latency):
            status.latency = latency
            return "turn completed"
        case .settings(let settings):
            status.voice = settings.voice
            status.volumePercent = settings.volumePercent
            status.muted = settings.muted
            return "settings changed"
        case .transcript(let transcript):
            guard transcript.isFinal else { return nil }
            if transcript.role == .user {
                status.lastUserTranscript = transcript.text
            } else {
                status.lastReplyTranscript = transcript.text
            }
            return "\(transcript.role.rawValue) transcript"
        case .error(let message):
            return "error: \(message)"
        case .tool(let call):
            return "tool \(call.name) \(call.status.rawValue)"
        case .notice(_, let message):
            return "notice: \(message)"
        }
    }

    /// A bar from -60 dBFS (empty) to 0 dBFS (full).
    static func meter(dBFS: Double, width: Int) -> String {
        let clamped = dBFS.isFinite ? min(0, max(-60, dBFS)) : -60
        let filled = Int(((clamped + 60) / 60 * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
    }

    static func decibels(_ value: Double) -> String {
        guard value.isFinite, value > -120 else { return "silent" }
        return "\((value * 10).rounded() / 10) dBFS"
    }

    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return "\(Int(value.rounded())) ms"
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds))
        if total < 60 { return "\(total)s" }
        if total < 3_600 { return "\(total / 60)m\(total % 60)s" }
        return "\(total / 3_600)h\((total % 3_600) / 60)m"
    }

    static func quoted(_ text: String) -> String {
        let short = text.count > 70 ? String(text.prefix(67)) + "..." : text
        return "\"\(short)\""
    }
}

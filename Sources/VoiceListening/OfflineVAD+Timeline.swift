#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc  // pow, log10 (Foundation re-exported them)
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import VoiceCore
import VoiceDSP

extension OfflineVAD {
    /// A readable account of what the detector heard in a recording: speech segments with their
    /// times and levels, barge-ins, turn ends, playback (echo) periods and the noise floor, so a
    /// user can tune thresholds on recordings from their own room.
    ///
    /// `reference` is what the device played during the recording (aligned with it), if any.
    public static func timeline(
        recording: String,
        reference: String? = nil,
        settings: ListeningSettings = ListeningSettings()
    ) throws -> String {
        let mic = try readMono(recording)
        var played: [Int16]?
        if let reference {
            let ref = try readMono(reference)
            guard ref.sampleRate == mic.sampleRate else {
                throw OfflineVADError.rateMismatch(path: reference, rate: ref.sampleRate, expected: mic.sampleRate)
            }
            played = ref.samples
        }
        let traces = trace(
            samples: mic.samples,
            reference: played,
            sampleRate: mic.sampleRate,
            parameters: settings.detectorParameters
        )
        var header = "\(recording): \(mic.sampleRate) Hz, \(seconds(traces.count)) s"
        if let reference { header += ", reference \(reference)" }
        return header + "\n" + timelineBody(traces)
    }

    /// The timeline text for frames already traced (see `trace`).
    public static func timelineBody(_ traces: [FrameTrace]) -> String {
        var lines: [(frame: Int, text: String)] = []
        var segmentStart: Int?
        var segmentLevels: [Double] = []
        var playback = Span { "\(seconds($0))–\(seconds($1)) s  playback audible (mic held back)" }
        var struckTones = Span(describe: struckToneLine)
        var noSignal = Span(describe: noSignalLine)
        var speechFrames = 0
        var segments = 0
        var bargeIns = 0

        func closeSegment(at end: Int) {
            guard let start = segmentStart else { return }
            let powers = segmentLevels.map { pow(10, $0 / 10) }
            let mean = 10 * log10(max(powers.reduce(0, +) / Double(max(powers.count, 1)), 1e-12))
            let peak = segmentLevels.max() ?? -120
            let floor = traces[max(start - 1, 0)].noiseFloorDBFS
            lines.append(
                (
                    start,
                    "\(seconds(start))–\(seconds(end)) s  speech \(seconds(end - start)) s, level \(db(mean)) dBFS "
                        + "(peak \(db(peak))), noise floor \(db(floor)) dBFS"
                )
            )
            segmentStart = nil
            segmentLevels.removeAll()
        }

        for (index, trace) in traces.enumerated() {
            let decision = trace.decision
            if let line = playback.note(decision.echoActive, at: index) { lines.append(line) }
            if let line = struckTones.note(trace.struckToneRoom, at: index) { lines.append(line) }
            if let line = noSignal.note(decision.isDigitalSilence, at: index) { lines.append(line) }
            if decision.bargeIn {
                bargeIns += 1
                lines.append(
                    (
                        index,
                        "\(seconds(index)) s  barge-in: level \(db(decision.levelDBFS)) dBFS over echo estimate "
                            + "\(db(trace.echoEstimateDBFS)) dBFS"
                    )
                )
            }
            if decision.speechStarted { lines.append((index, "\(seconds(index)) s  turn: speech started")) }
            if decision.isSpeech {
                speechFrames += 1
                if segmentStart == nil {
                    segmentStart = index
                    segments += 1
                }
                segmentLevels.append(decision.levelDBFS)
            } else {
                closeSegment(at: index)
            }
            if decision.speechEnded { lines.append((index, "\(seconds(index)) s  turn: speech ended (silence)")) }
        }
        closeSegment(at: traces.count)
        for var span in [playback, struckTones, noSignal] {
            if let line = span.close(at: traces.count) { lines.append(line) }
        }
        let floors = traces.map(\.noiseFloorDBFS).sorted()
        let medianFloor = floors.isEmpty ? -120 : floors[floors.count / 2]
        let share = traces.isEmpty ? 0 : 100 * speechFrames / traces.count
        // Stable sort: events of one frame keep their order; a period is listed where it starts.
        var ordered = lines.enumerated().sorted { ($0.element.frame, $0.offset) < ($1.element.frame, $1.offset) }
            .map(\.element.text)
        var summary =
            "summary: \(segments) speech segment(s), \(seconds(speechFrames)) s of speech (\(share) %), "
            + "\(bargeIns) barge-in(s), median noise floor \(db(medianFloor)) dBFS"
        if noSignal.frames > 0 { summary += ", \(seconds(noSignal.frames)) s without signal" }
        if struckTones.frames > 0 { summary += ", \(seconds(struckTones.frames)) s of struck tones" }
        ordered.append(summary)
        return ordered.joined(separator: "\n") + "\n"
    }

    /// A condition that holds over spans of frames (playback audible, no signal, struck tones): each span is listed
    /// where it starts, with its end, and its frames are counted.
    private struct Span {
        let describe: (_ start: Int, _ end: Int) -> String
        private var start: Int?
        private(set) var frames = 0

        init(describe: @escaping (_ start: Int, _ end: Int) -> String) { self.describe = describe }

        /// One more frame; returns the line of a span that ended before it.
        mutating func note(_ holds: Bool, at index: Int) -> (frame: Int, text: String)? {
            guard holds else { return close(at: index) }
            frames += 1
            if start == nil { start = index }
            return nil
        }

        mutating func close(at end: Int) -> (frame: Int, text: String)? {
            guard let begun = start else { return nil }
            start = nil
            return (begun, describe(begun, end))
        }
    }

    /// A span of digital silence: a recording that holds one was muted, gated, or started before the microphone
    /// delivered, and the noise floor beside it may not be the room's.
    private static func noSignalLine(from start: Int, to end: Int) -> String {
        "\(seconds(start))–\(seconds(end)) s  no signal: every sample zero (the microphone muted, gated or not "
            + "delivering yet)"
    }

    /// A span in which the room was marked as struck-tone: there an onset starts speech only if it rose and then
    /// changed or rose on like a voice, so words in it can be heard late; where no bells or chimes ring, the test
    /// is mistaken and `struck_tone_room_ms: 0` turns it off.
    private static func struckToneLine(from start: Int, to end: Int) -> String {
        "\(seconds(start))–\(seconds(end)) s  struck tones (bells, chimes): an onset must change or rise on like a "
            + "voice to start speech"
    }

    private static func seconds(_ frames: Int) -> String {
        fixedDecimals(Double(frames) / 100, 2)
    }

    private static func db(_ value: Double) -> String {
        fixedDecimals(value, 1)
    }
}

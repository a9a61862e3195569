import ArgumentParser
import Foundation
import VoiceDSP

/// `voiced-bench listen`: CPU cost of the listening detector (energy VAD + echo gate) per hour of
/// audio, at the session rates that matter. Prints figures; asserts nothing.
struct ListeningBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "CPU seconds per hour of audio for ListeningDetector (VAD + echo gate)."
    )

    @Option(help: "Seconds of synthetic audio per run.")
    var seconds: Int = 600

    @Option(help: "Session rates to measure (comma-separated).")
    var rates: String = "16000,24000"

    @Option(help: "The echo gate's band margin, dB (barge_in_band_margin_db; 0: the band test off, to see its cost).")
    var bandMarginDB: Double = EchoGateParameters().bargeInBandMarginDB

    @Option(help: "The VAD's band onset margin, dB (band_onset_db; 0: the band onset test off, to see its cost).")
    var bandOnsetDB: Double = EnergyVADParameters().bandOnsetDB

    @Option(
        help:
            "The tonal room test's onset occupancy (tonal_onset_occupancy; 0: the test and its FFT off, to see its cost)."
    )
    var tonalOnsetOccupancy: Double = EnergyVADParameters().tonalOnsetOccupancy

    func run() throws {
        for rate in rates.split(separator: ",").compactMap({ Int($0) }) {
            let (capture, reference) = Self.signals(seconds: seconds, sampleRate: rate)
            for (label, played) in [("no playback", nil), ("with echo reference", reference)] as [(String, [Int16]?)] {
                var parameters = ListeningParameters()
                parameters.echo.bargeInBandMarginDB = bandMarginDB
                parameters.vad.bandOnsetDB = bandOnsetDB
                parameters.vad.tonalOnsetOccupancy = tonalOnsetOccupancy
                if tonalOnsetOccupancy == 0 { parameters.vad.tonalHoldOccupancy = 0 }
                var detector = ListeningDetector(sampleRate: rate, parameters: parameters)
                let frameLength = detector.frameLength
                var speechFrames = 0
                let start = Self.cpuSeconds()
                capture.withUnsafeBufferPointer { mic in
                    (played ?? []).withUnsafeBufferPointer { ref in
                        for offset in stride(from: 0, to: mic.count - frameLength + 1, by: frameLength) {
                            let frame = UnsafeBufferPointer(rebasing: mic[offset..<(offset + frameLength)])
                            let refFrame =
                                played == nil
                                ? nil : UnsafeBufferPointer(rebasing: ref[offset..<(offset + frameLength)])
                            if detector.process(frame: frame, reference: refFrame).isSpeech { speechFrames += 1 }
                        }
                    }
                }
                let cpu = Self.cpuSeconds() - start
                let perHour = cpu * 3600 / Double(seconds)
                let name = label.padding(toLength: 20, withPad: " ", startingAt: 0)
                print(
                    "listen \(rate) Hz, \(name) \(seconds) s audio: "
                        + String(
                            format: "%.3f CPU s, %.2f CPU s per hour, %.0fx realtime (%d speech frames)",
                            cpu, perHour, Double(seconds) / max(cpu, 1e-9), speechFrames)
                )
            }
        }
    }

    /// Noise with bursts of amplitude-modulated harmonics (speech-like) and a playback reference
    /// whose attenuated, delayed copy is in the capture half of the time.
    static func signals(seconds: Int, sampleRate: Int) -> (capture: [Int16], reference: [Int16]) {
        var generator = SystemRandomNumberGenerator()
        let count = seconds * sampleRate
        var capture = [Int16](repeating: 0, count: count)
        var reference = [Int16](repeating: 0, count: count)
        let delay = sampleRate / 50
        for index in 0..<count {
            let time = Double(index) / Double(sampleRate)
            let syllable = max(0, sin(2 * Double.pi * 4 * time))
            let voiced = sin(2 * Double.pi * 140 * time) + 0.5 * sin(2 * Double.pi * 280 * time)
            let playing = Int(time / 5) % 2 == 1
            let talking = Int(time / 3) % 3 == 0
            let reply = playing ? 3000 * syllable * sin(2 * Double.pi * 220 * time) : 0
            reference[index] = Int16(reply)
            let echo = index >= delay ? Double(reference[index - delay]) * 0.2 : 0
            let noise = Double(Int.random(in: -200...200, using: &generator))
            let user = talking ? 2500 * syllable * voiced : 0
            capture[index] = Int16(clamping: Int(noise + echo + user))
        }
        return (capture, reference)
    }

    static func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

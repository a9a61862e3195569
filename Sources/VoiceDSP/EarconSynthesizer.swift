import RealModule

/// Generates the appliance's earcons: short sequences of soft sine notes.
///
/// Each note is a pure sine shaped by raised-cosine fade-in and fade-out, so every earcon starts and
/// ends at silence and never clicks. Peaks sit at `peakDBFS` (-18 dBFS): audible over a quiet room,
/// never startling. The output is deterministic, so earcons can be cached and compared.
public enum EarconSynthesizer {
    /// Peak level of every note.
    public static let peakDBFS = -18.0
    /// Length of each note's raised-cosine fade-in and fade-out.
    public static let fadeMilliseconds = 12.0

    struct Note {
        let frequency: Double
        let startMilliseconds: Double
        let durationMilliseconds: Double
        var endMilliseconds: Double { startMilliseconds + durationMilliseconds }
    }

    /// The melody of each earcon. Rising means "go ahead", falling means "finished", low means trouble.
    static func notes(for earcon: Earcon) -> [Note] {
        switch earcon {
        case .listening:  // rising fifth, quick: "I'm listening"
            [
                Note(frequency: 659.26, startMilliseconds: 0, durationMilliseconds: 90),
                Note(frequency: 987.77, startMilliseconds: 100, durationMilliseconds: 110),
            ]
        case .done:  // the same fifth, falling
            [
                Note(frequency: 987.77, startMilliseconds: 0, durationMilliseconds: 90),
                Note(frequency: 659.26, startMilliseconds: 100, durationMilliseconds: 110),
            ]
        case .error:  // two low, equal notes
            [
                Note(frequency: 311.13, startMilliseconds: 0, durationMilliseconds: 110),
                Note(frequency: 311.13, startMilliseconds: 160, durationMilliseconds: 110),
            ]
        case .connected:  // a rising major arpeggio
            [
                Note(frequency: 523.25, startMilliseconds: 0, durationMilliseconds: 80),
                Note(frequency: 659.26, startMilliseconds: 90, durationMilliseconds: 80),
                Note(frequency: 783.99, startMilliseconds: 180, durationMilliseconds: 120),
            ]
        case .offline:  // a falling fourth, low and slower
            [
                Note(frequency: 440.00, startMilliseconds: 0, durationMilliseconds: 130),
                Note(frequency: 329.63, startMilliseconds: 150, durationMilliseconds: 170),
            ]
        }
    }

    /// The earcon as mono 16-bit samples at `sampleRate`; empty for a rate that is not positive.
    public static func samples(for earcon: Earcon, sampleRate: Int) -> [Int16] {
        guard sampleRate > 0, sampleRate <= 1_000_000 else { return [] }
        let rate = Double(sampleRate)
        let notes = notes(for: earcon)
        let total = Int((notes.map(\.endMilliseconds).max() ?? 0) * rate / 1000)
        var output = [Float](repeating: 0, count: total)
        let amplitude = Double.pow(10, peakDBFS / 20)
        for note in notes {
            let start = Int((note.startMilliseconds * rate / 1000).rounded())
            let length = min(Int((note.durationMilliseconds * rate / 1000).rounded()), total - start)
            let fade = max(1, min(length / 2, Int(fadeMilliseconds * rate / 1000)))
            let phaseStep = 2 * Double.pi * note.frequency / rate
            for index in 0..<max(0, length) {
                // Raised cosine over the first and last `fade` samples, reaching 0 at both ends.
                let edgeDistance = min(index, length - 1 - index)
                let envelope =
                    edgeDistance >= fade
                    ? 1.0
                    : 0.5 - 0.5 * Double.cos(Double.pi * Double(edgeDistance) / Double(fade))
                output[start + index] += Float(amplitude * envelope * Double.sin(phaseStep * Double(index)))
            }
        }
        return output.map { SampleConversion.int16($0) }
    }
}

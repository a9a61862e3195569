import Foundation

/// Makes audible, speech-like audio for replies: a glottal-like pulse train through three formant
/// resonators, shaped into syllables and words with a falling intonation. Deterministic for a seed.
///
/// It is not speech, but it has what the daemon's audio path cares about: speech-band energy, syllable-rate
/// amplitude modulation, pauses between words, and a length that follows the request.
struct SpeechSynthesizer {
    /// F1, F2, F3 in Hz of a few vowels (rough adult averages).
    private static let vowels: [(Double, Double, Double)] = [
        (730, 1090, 2440),  // a
        (530, 1840, 2480),  // e
        (270, 2290, 3010),  // i
        (570, 840, 2410),  // o
        (300, 870, 2240),  // u
    ]

    let sampleRate: Int
    private var random: SplitMix64

    init(sampleRate: Int, seed: UInt64) {
        self.sampleRate = sampleRate
        random = SplitMix64(seed: seed)
    }

    /// About `seconds` of speech-like audio in `words` words (at least one), peaking near −8 dBFS.
    mutating func speak(seconds: Double, words: Int) -> [Int16] {
        let total = max(1, Int(seconds * Double(sampleRate)))
        var samples = [Double](repeating: 0, count: total)
        let wordCount = max(1, words)
        let slot = Double(total) / Double(wordCount)
        var phase = 0.0
        for word in 0..<wordCount {
            let start = Int(Double(word) * slot)
            // A pause of 15–25 % of the slot after each word.
            let voiced = Int(slot * (0.75 + 0.1 * random.nextUnit()))
            let syllables = 1 + Int(random.next() % 3)
            let syllableLength = max(1, voiced / syllables)
            for syllable in 0..<syllables {
                let syllableStart = start + syllable * syllableLength
                let progress = Double(word) / Double(wordCount)
                // Declination: pitch falls over the utterance, with a small accent per syllable.
                let pitch = 150 - 40 * progress + 12 * random.nextUnit()
                let vowel = Self.vowels[Int(random.next() % UInt64(Self.vowels.count))]
                phase = renderSyllable(
                    into: &samples, start: syllableStart, length: syllableLength, pitch: pitch, formants: vowel,
                    phase: phase)
            }
        }
        let peak = samples.reduce(0) { max($0, abs($1)) }
        let gain = peak > 0 ? 0.4 * 32_767 / peak : 0
        return samples.map { Int16(max(-32_767, min(32_767, ($0 * gain).rounded()))) }
    }

    private mutating func renderSyllable(
        into samples: inout [Double], start: Int, length: Int, pitch: Double,
        formants: (Double, Double, Double), phase startPhase: Double
    ) -> Double {
        let rate = Double(sampleRate)
        let nyquist = rate / 2
        var resonators = [formants.0, formants.1, formants.2].enumerated().compactMap { index, frequency in
            frequency < nyquist * 0.9
                ? Resonator(frequency: frequency, bandwidth: 80 + 40 * Double(index), sampleRate: rate) : nil
        }
        let gains = [1.0, 0.6, 0.3]
        var phase = startPhase
        let attack = min(length / 4, Int(0.02 * rate))
        let end = min(samples.count, start + length)
        guard start < end else { return phase }
        for index in start..<end {
            let position = index - start
            // Raised-cosine attack, linear-ish decay: a syllable's loudness contour.
            let envelope: Double
            if position < attack {
                envelope = 0.5 - 0.5 * cos(Double.pi * Double(position) / Double(max(1, attack)))
            } else {
                envelope = 1 - 0.7 * Double(position - attack) / Double(max(1, length - attack))
            }
            phase += pitch / rate
            if phase >= 1 { phase -= 1 }
            // Sawtooth source plus a little breath noise for the consonant-ish onset.
            let breath = position < attack ? 0.3 * (random.nextUnit() - 0.5) : 0.02 * (random.nextUnit() - 0.5)
            let source = (2 * phase - 1) + breath
            var output = 0.0
            for resonatorIndex in resonators.indices {
                output += gains[resonatorIndex] * resonators[resonatorIndex].process(source)
            }
            samples[index] += envelope * output
        }
        return phase
    }
}

/// A two-pole resonator (band-pass) for one formant.
private struct Resonator {
    private let b0: Double, a1: Double, a2: Double
    private var y1 = 0.0, y2 = 0.0

    init(frequency: Double, bandwidth: Double, sampleRate: Double) {
        let radius = exp(-Double.pi * bandwidth / sampleRate)
        a1 = 2 * radius * cos(2 * Double.pi * frequency / sampleRate)
        a2 = -radius * radius
        b0 = 1 - radius
    }

    mutating func process(_ input: Double) -> Double {
        let output = b0 * input + a1 * y1 + a2 * y2
        y2 = y1
        y1 = output
        return output
    }
}

/// A small deterministic generator (SplitMix64), so replies are the same on every run.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

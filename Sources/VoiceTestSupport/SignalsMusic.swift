import RealModule

extension Signals {
    /// Organ-like music (like the eval kit's): held notes and some chords (eight harmonics, 1/k amplitudes) of a pentatonic
    /// scale, 0.4–1.2 s each, 15 ms attack and release, note levels varying by ±2 dB, scaled to
    /// `levelDBFS` RMS. Between note changes the spectrum does not change at all.
    public static func organ(levelDBFS: Double, seconds: Double, sampleRate: Int, seed: UInt64) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        let scale = [0, 2, 4, 7, 9, 12, 14, 16, 19, 21]
        let rate = Double(sampleRate)
        var start = 0
        while start < count {
            let length = Int((0.4 + 0.8 * random.nextUniform()) * rate)
            // A single note two times in three, else a chord of two or three (chords beat, and change more).
            let voices = random.nextUniform() < 0.65 ? 1 : 2 + Int(random.nextUniform() * 1.99)
            let gain = Double.pow(10, (4 * random.nextUniform() - 2) / 20)
            for _ in 0..<voices {
                let note = scale[Int(random.nextUniform() * Double(scale.count - 1))]
                let frequency = 220 * Double.pow(2, Double(note) / 12)
                for offset in 0..<length where start + offset < count {
                    let time = Double(offset) / rate
                    let envelope = min(1, time / 0.015, Double(length - offset) / rate / 0.015)
                    var value = 0.0
                    for harmonic in 1...8 where Double(harmonic) * frequency < rate / 2.2 {
                        value += Double.sin(2 * Double.pi * Double(harmonic) * frequency * time) / Double(harmonic)
                    }
                    signal[start + offset] += gain * envelope * value
                }
            }
            start += length
        }
        return pcm(signal, scaledToRMS: levelDBFS)
    }
}

extension Signals {
    /// A struck bell's partials (the eval kit's): ratios to the note, and amplitudes. Each decays with time constant
    /// 0.5 s divided by its ratio.
    static let bellPartials: [(ratio: Double, amplitude: Double)] = [
        (1, 1), (2, 0.6), (2.76, 0.5), (4.07, 0.3), (5.4, 0.2),
    ]

    /// A bell struck at `frequency`, `time` seconds after the strike (before the attack's ramp): its partials below
    /// the rate's band edge, each decaying freely.
    static func bellRinging(frequency: Double, time: Double, rate: Double) -> Double {
        var value = 0.0
        for partial in bellPartials where partial.ratio * frequency < rate / 2.2 {
            value +=
                partial.amplitude * Double.sin(2 * Double.pi * partial.ratio * frequency * time)
                * Double.exp(-time * partial.ratio / 0.5)
        }
        return value
    }

    /// Struck-bell music (like the eval kit's "music-bell"): notes of a pentatonic scale struck on a beat
    /// of 0.4–0.85 s (a half, one or two beats apart), sometimes two at once, each a 2 ms attack
    /// followed by a free decay of five inharmonic partials (1, 2, 2.76, 4.07 and 5.4 times the note,
    /// the higher ones weaker and decaying faster: time constant 0.5 s divided by the ratio), ringing
    /// on under the next strike for a second. Scaled to `levelDBFS` RMS.
    public static func bells(levelDBFS: Double, seconds: Double, sampleRate: Int, seed: UInt64) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        let scale = [0, 2, 4, 7, 9, 12, 14, 16, 19, 21, 24]
        let rate = Double(sampleRate)
        let beat = 0.4 + 0.45 * random.nextUniform()
        let spacings = [0.5, 1, 1, 2]
        var strike = Int(0.3 * rate)
        while strike < count {
            let spacing = Int(beat * spacings[Int(random.nextUniform() * 3.99)] * rate)
            let notes = random.nextUniform() < 0.3 ? 2 : 1
            for voice in 0..<notes {
                let note = scale[Int(random.nextUniform() * Double(scale.count - 1))]
                let frequency = 196 * Double.pow(2, Double(note) / 12)
                let gain = (voice == 0 ? 1 : 0.5) * (0.6 + 0.4 * random.nextUniform())
                for offset in 0..<(spacing + Int(rate)) where strike + offset < count {
                    let time = Double(offset) / rate
                    let value = bellRinging(frequency: frequency, time: time, rate: rate)
                    signal[strike + offset] += gain * min(1, time / 0.002) * value
                }
            }
            strike += spacing
        }
        return pcm(signal, scaledToRMS: levelDBFS)
    }
}

extension Signals {
    /// One struck note of `Signals.bells` at `frequency`: a 2 ms attack, then the five inharmonic partials decaying
    /// freely (the fundamental at about 17 dB a second, the higher ones faster). `levelDBFS` is the RMS of its first
    /// 100 ms.
    public static func struckNote(frequency: Double, levelDBFS: Double, seconds: Double, sampleRate: Int) -> [Int16] {
        let rate = Double(sampleRate)
        let signal = (0..<Int(seconds * rate)).map { index in
            let time = Double(index) / rate
            return min(1, time / 0.002) * bellRinging(frequency: frequency, time: time, rate: rate)
        }
        let head = signal.prefix(sampleRate / 10)
        let rms = (head.reduce(0) { $0 + $1 * $1 } / Double(max(head.count, 1))).squareRoot()
        let gain = rms > 0 ? amplitudeForRMS(levelDBFS) / rms : 0
        return signal.map { pcm($0 * gain) }
    }
}

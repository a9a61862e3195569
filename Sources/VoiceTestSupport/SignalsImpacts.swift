import RealModule

extension Signals {
    /// Knocks on a door or table: series of 1–4 impacts 180 ms apart, each a click plus a low body
    /// resonance (`bodyHertz` and an inharmonic partial) decaying with `decayMilliseconds`, one series
    /// every `seriesEverySeconds`. `peakDBFS` is each impact's peak level.
    public static func knocks(
        peakDBFS: Double,
        seconds: Double,
        sampleRate: Int,
        bodyHertz: Double = 150,
        decayMilliseconds: Double = 25,
        seriesEverySeconds: Double = 1.5,
        seed: UInt64
    ) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        let impactLength = Int(0.25 * Double(sampleRate))
        var start = 0.3 * Double(sampleRate)
        var series = 0
        while Int(start) < count {
            let impacts = 1 + series % 4
            for impact in 0..<impacts {
                // Impacts land anywhere within a frame, not on frame boundaries.
                let begin =
                    Int(start) + impact * Int(0.18 * Double(sampleRate))
                    + Int(random.nextUniform() * Double(sampleRate) / 100)
                let gain = amplitudeForRMS(peakDBFS) * (0.7 + 0.3 * random.nextUniform())
                for offset in 0..<impactLength where begin + offset < count {
                    let time = Double(offset) / Double(sampleRate)
                    let body =
                        Double.sin(2 * Double.pi * bodyHertz * time)
                        + 0.4 * Double.sin(2 * Double.pi * 2.3 * bodyHertz * time)
                    let decay = Double.exp(-time * 1000 / decayMilliseconds)
                    let click = random.nextGaussian() * Double.exp(-time * 1000 / 2)
                    signal[begin + offset] += gain * (body * decay + 0.5 * click)
                }
            }
            series += 1
            start += seriesEverySeconds * Double(sampleRate)
        }
        return signal.map { pcm($0) }
    }

    /// Babble: `talkers` speech-like voices of different pitch at equal level, summed and scaled to
    /// `levelDBFS` RMS (a room full of people talking: speech-like but fluctuating less).
    public static func babble(levelDBFS: Double, seconds: Double, sampleRate: Int, talkers: Int = 6, seed: UInt64)
        -> [Int16]
    {
        let count = Int(seconds * Double(sampleRate))
        var sum = [Double](repeating: 0, count: count)
        for talker in 0..<talkers {
            let voice = speechLike(
                levelDBFS: -30, seconds: seconds, sampleRate: sampleRate,
                pitch: 100 + 25 * Double(talker), seed: seed &+ UInt64(talker) &* 7919)
            for index in 0..<min(count, voice.count) { sum[index] += Double(voice[index]) / 32768 }
        }
        return pcm(sum, scaledToRMS: levelDBFS)
    }

    /// An abrupt voiced sound: harmonics of `pitch` at full level from the first sample, held for
    /// `seconds` (a vowel started hard, without the ramp of `speechLike`).
    public static func abruptVowel(levelDBFS: Double, seconds: Double, sampleRate: Int, pitch: Double = 160) -> [Int16]
    {
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        var power = 0.0
        for index in 0..<count {
            let time = Double(index) / Double(sampleRate)
            var value = 0.0
            for harmonic in 1...12 where Double(harmonic) * pitch < 4000 {
                value += Double.sin(2 * Double.pi * Double(harmonic) * pitch * time) / Double(harmonic)
            }
            signal[index] = value
            power += value * value
        }
        let gain = amplitudeForRMS(levelDBFS) / max((power / Double(max(count, 1))).squareRoot(), 1e-12)
        return signal.map { pcm($0 * gain) }
    }

    /// A plosive then a vowel (a hard "b"): a broadband burst `burstDB` above the vowel's level decaying
    /// within a few milliseconds, then `abruptVowel` from 8 ms on. Starts with a click like a knock,
    /// but holds its level.
    public static func plosiveVowel(
        levelDBFS: Double,
        seconds: Double,
        sampleRate: Int,
        pitch: Double = 100,
        burstDB: Double = 6,
        seed: UInt64
    ) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        let voiceStart = Int(0.008 * Double(sampleRate))
        let vowel = abruptVowel(levelDBFS: levelDBFS, seconds: seconds, sampleRate: sampleRate, pitch: pitch)
        let burstAmplitude = amplitudeForRMS(levelDBFS + burstDB)
        var signal = [Double](repeating: 0, count: count)
        for index in 0..<count {
            let time = Double(index) / Double(sampleRate)
            signal[index] = burstAmplitude * random.nextGaussian() * Double.exp(-time * 1000 / 2)
            if index >= voiceStart { signal[index] += Double(vowel[index - voiceStart]) / 32768 }
        }
        return signal.map { pcm($0) }
    }

    /// Clinks (a spoon on a glass): every `everySeconds`, one high partial in `fundamentalHertz`, struck and
    /// ringing with a decay of 30–120 ms (`overtones` adds inharmonic partials at 1.58 and 2.31 ×).
    /// `peakDBFS` is the peak level.
    public static func clinks(
        peakDBFS: Double,
        seconds: Double,
        sampleRate: Int,
        everySeconds: Double = 1,
        overtones: Bool = false,
        fundamentalHertz: ClosedRange<Double> = 2000...3500,
        seed: UInt64
    ) -> [Int16] {
        let partials = overtones ? [(1.0, 1.0), (1.58, 0.5), (2.31, 0.3)] : [(1.0, 1.0)]
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        let ringLength = Int(0.4 * Double(sampleRate))
        var start = 0.3 * Double(sampleRate) + random.nextUniform() * Double(sampleRate) / 100
        while Int(start) < count {
            let fundamental =
                fundamentalHertz.lowerBound
                + (fundamentalHertz.upperBound - fundamentalHertz.lowerBound) * random.nextUniform()
            let decay = 0.03 + 0.09 * random.nextUniform()
            let gain = amplitudeForRMS(peakDBFS)
            for offset in 0..<ringLength where Int(start) + offset < count {
                let time = Double(offset) / Double(sampleRate)
                var value = 0.0
                for (ratio, amplitude) in partials
                where ratio * fundamental < Double(sampleRate) / 2.2 {
                    value += amplitude * Double.sin(2 * Double.pi * ratio * fundamental * time)
                }
                signal[Int(start) + offset] += gain * value * Double.exp(-time / decay)
            }
            start += everySeconds * Double(sampleRate) + random.nextUniform() * Double(sampleRate) / 100
        }
        return signal.map { pcm($0) }
    }

    /// Hand claps, one every `everySeconds` from 0.5 s: noise whose energy rises toward high frequencies (white noise
    /// differentiated once) at `peakDBFS` RMS, swelling from half its amplitude to its peak over `swellMilliseconds`,
    /// then decaying by e every `decayMilliseconds`. Each clap starts `leadSamples` before a 10 ms frame boundary.
    public static func claps(
        peakDBFS: Double,
        seconds: Double,
        sampleRate: Int,
        everySeconds: Double = 1,
        swellMilliseconds: Double,
        decayMilliseconds: Double,
        leadSamples: Int,
        seed: UInt64
    ) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        let clapLength = Int(0.6 * Double(sampleRate))
        let frame = sampleRate / 100
        // White noise differentiated once has twice the white noise's power.
        let gain = amplitudeForRMS(peakDBFS) / 2.0.squareRoot()
        var clapStart = 0.5
        while Int(clapStart * Double(sampleRate)) < count {
            let begin = (Int(clapStart * Double(sampleRate)) / frame + 1) * frame - leadSamples
            var previous = random.nextGaussian()
            for offset in 0..<clapLength where begin + offset < count {
                let milliseconds = Double(offset) * 1000 / Double(sampleRate)
                let clap =
                    milliseconds < swellMilliseconds
                    ? 0.5 + 0.5 * milliseconds / swellMilliseconds
                    : Double.exp(-(milliseconds - swellMilliseconds) / decayMilliseconds)
                let noise = random.nextGaussian()
                signal[begin + offset] += gain * clap * (noise - previous)
                previous = noise
            }
            clapStart += everySeconds
        }
        return signal.map { pcm($0) }
    }

    /// A fricative ("s", "sh"): white noise differentiated twice (energy rising toward high
    /// frequencies), `levelDBFS` RMS, full level from the first sample.
    public static func fricative(levelDBFS: Double, seconds: Double, sampleRate: Int, seed: UInt64) -> [Int16] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * Double(sampleRate))
        var signal = [Double](repeating: 0, count: count)
        var previous1 = 0.0
        var previous2 = 0.0
        var power = 0.0
        for index in 0..<count {
            let x = random.nextGaussian()
            signal[index] = x - 2 * previous1 + previous2
            previous2 = previous1
            previous1 = x
            power += signal[index] * signal[index]
        }
        let gain = amplitudeForRMS(levelDBFS) / max((power / Double(max(count, 1))).squareRoot(), 1e-12)
        return signal.map { pcm($0 * gain) }
    }
}

/// How much the capture's spectrum changed over the last `lagFrames` frames: the mean absolute
/// change of seven band levels between 150 Hz and 4 kHz, dB.
///
/// Speech changes its spectrum with every syllable (formants move, voicing starts and stops): 2–15 dB.
/// Steady random noise (hiss, fans) changes by its own estimation noise, 1–1.5 dB at this resolution,
/// babble by 2–4 dB. A sustained tone or chord (an organ, a synth pad, a held note) changes by almost
/// nothing between note changes (0.05–0.5 dB): a flux below the noise's own is something steady.
/// Band-pass biquads (one per band, constant 0 dB peak): seven multiply-adds per band and sample,
/// no FFT. Nothing allocates after `init`.
struct SpectralFlux: Sendable {
    /// Band edges, Hz: roughly equal steps on a perceptual scale over the speech band.
    static let bandEdgesHertz: [Double] = [150, 300, 500, 800, 1200, 1800, 2600, 4000]
    static var bandCount: Int { bandEdgesHertz.count - 1 }

    let lagFrames: Int
    private var filters: [Biquad]
    /// Band levels (dBFS) of the last `lagFrames` frames, a ring of `lagFrames` × `bandCount`.
    private var history: [Double]
    private var historyFrame = 0
    private var framesSeen = 0

    init(sampleRate: Int, lagFrames: Int) {
        self.lagFrames = max(lagFrames, 1)
        var filters: [Biquad] = []
        for band in 0..<Self.bandCount {
            filters.append(.bandPass(
                lowHertz: Self.bandEdgesHertz[band],
                highHertz: Self.bandEdgesHertz[band + 1],
                sampleRate: sampleRate
            ))
        }
        self.filters = filters
        self.history = Array(repeating: -120, count: self.lagFrames * Self.bandCount)
    }

    /// Filters one frame and returns its flux against the frame `lagFrames` earlier, dB; infinity
    /// until that frame exists (nothing is steady before it is measured).
    mutating func analyse(frame: UnsafeBufferPointer<Int16>) -> Double {
        let count = Double(max(frame.count, 1))
        let slot = historyFrame * Self.bandCount
        var totalChange = 0.0
        for band in 0..<Self.bandCount {
            var filter = filters[band]
            var energy = 0.0
            for sample in frame {
                let y = filter.process(Double(sample) / 32768)
                energy += y * y
            }
            filter.flushTinyState()
            filters[band] = filter
            let level = EnergyVAD.decibels(energy / count)
            totalChange += abs(level - history[slot + band])
            history[slot + band] = level
        }
        historyFrame = (historyFrame + 1) % lagFrames
        framesSeen += 1
        return framesSeen > lagFrames ? totalChange / Double(Self.bandCount) : .infinity
    }
}

import RealModule

/// How much the capture's spectrum changed over the last `lagFrames` frames: the mean absolute
/// change of seven band levels between 150 Hz and 4 kHz, dB.
///
/// Speech changes its spectrum with every syllable (formants move, voicing starts and stops): 2–15 dB.
/// Steady random noise (hiss, fans) changes by its own estimation noise, 1–1.5 dB at this resolution,
/// babble by 2–4 dB. A sustained tone or chord (an organ, a synth pad, a held note) changes by almost
/// nothing between note changes (0.05–0.5 dB): a flux below the noise's own is something steady.
/// The band levels are `SpectralBands`' (seven SIMD band-pass biquads on the band signal decimated to
/// ~8 kHz). No FFT; nothing allocates after `init`.
struct SpectralFlux: Sendable {
    let lagFrames: Int
    private var bands: SpectralBands
    /// Band levels (dBFS) of the last `lagFrames` frames.
    private var history: [SIMD8<Double>]
    private var historyFrame = 0
    private var framesSeen = 0

    init(sampleRate: Int, lagFrames: Int) {
        self.lagFrames = max(lagFrames, 1)
        self.bands = SpectralBands(sampleRate: sampleRate)
        self.history = Array(repeating: SIMD8(repeating: -120), count: self.lagFrames)
    }

    /// Filters one frame of the band-limited signal (full rate) and returns its flux against the frame
    /// `lagFrames` earlier, dB; infinity until that frame exists (nothing is steady before it is measured).
    mutating func analyse(bandSignal: UnsafeBufferPointer<Double>) -> Double {
        let levels = bands.levels(bandSignal: bandSignal)
        let previous = history[historyFrame]
        var totalChange = 0.0
        for band in 0..<SpectralBands.bandCount { totalChange += abs(levels[band] - previous[band]) }
        history[historyFrame] = levels
        historyFrame = (historyFrame + 1) % lagFrames
        framesSeen += 1
        return framesSeen > lagFrames ? totalChange / Double(SpectralBands.bandCount) : .infinity
    }
}

/// Seven band levels of a frame between 150 Hz and 4 kHz, dBFS: band-pass biquads (constant 0 dB peak,
/// RBJ) side by side in SIMD lanes (an IIR filter is bound by the latency of its own feedback, so seven
/// independent ones cost about what one does) on the VAD's band-limited signal taken down to about
/// 8 kHz by keeping every `decimation`-th sample (16 kHz: 2, 24 kHz: 3): what folds down from above
/// 4 kHz is attenuated by the VAD's low-pass, and a steady sound stays steady when it aliases. No FFT;
/// nothing allocates.
struct SpectralBands: Sendable {
    /// Band edges, Hz: roughly equal steps on a perceptual scale over the speech band.
    static let bandEdgesHertz: [Double] = [150, 300, 500, 800, 1200, 1800, 2600, 4000]
    static let bandCount = 7

    /// Every `decimation`-th sample of the band signal is filtered.
    let decimation: Int
    /// Band-pass coefficients and state, one lane per band (lane 7 unused). b1 is 0 for a band-pass.
    private var b0 = SIMD8<Double>(repeating: 0)
    private var b2 = SIMD8<Double>(repeating: 0)
    private var a1 = SIMD8<Double>(repeating: 0)
    private var a2 = SIMD8<Double>(repeating: 0)
    private var z1 = SIMD8<Double>(repeating: 0)
    private var z2 = SIMD8<Double>(repeating: 0)

    init(sampleRate: Int) {
        self.decimation = max(sampleRate / 8000, 1)
        let filterRate = Double(sampleRate) / Double(decimation)
        for band in 0..<Self.bandCount {
            let low = Self.bandEdgesHertz[band]
            let high = Self.bandEdgesHertz[band + 1]
            let centre = min((low * high).squareRoot(), filterRate * 0.45)
            let quality = centre / (high - low)
            let omega = 2 * Double.pi * centre / filterRate
            let alpha = Double.sin(omega) / (2 * quality)
            let a0 = 1 + alpha
            b0[band] = alpha / a0
            b2[band] = -alpha / a0
            a1[band] = -2 * Double.cos(omega) / a0
            a2[band] = (1 - alpha) / a0
        }
    }

    /// Forgets the filters' state (before filtering a frame that does not follow the last one filtered).
    mutating func resetState() {
        z1 = SIMD8(repeating: 0)
        z2 = SIMD8(repeating: 0)
    }

    /// Filters one frame of the band-limited signal (full rate; every `decimation`-th sample is used)
    /// and returns its seven band levels, dBFS (lane 7: -120).
    /// `settleSamples`: filtered samples (at the decimated rate) left out of the levels at the start, while filters
    /// that start from rest settle.
    mutating func levels(bandSignal: UnsafeBufferPointer<Double>, settleSamples: Int = 0) -> SIMD8<Double> {
        var state1 = z1
        var state2 = z2
        var energy = SIMD8<Double>(repeating: 0)
        var used = 0
        var filtered = 0
        var index = 0
        while index < bandSignal.count {
            let x = SIMD8<Double>(repeating: bandSignal[index])
            let y = b0 * x + state1
            state1 = state2 - a1 * y
            state2 = b2 * x - a2 * y
            if filtered >= settleSamples {
                energy += y * y
                used += 1
            }
            filtered += 1
            index += decimation
        }
        // Zero a state that has decayed to nothing (subnormals cost a hundred times more).
        state1.replace(with: 0, where: (state1 .< 1e-20) .& (state1 .> -1e-20))
        state2.replace(with: 0, where: (state2 .< 1e-20) .& (state2 .> -1e-20))
        z1 = state1
        z2 = state2
        let count = Double(max(used, 1))
        var levels = SIMD8<Double>(repeating: -120)
        for band in 0..<Self.bandCount { levels[band] = EnergyVAD.decibels(energy[band] / count) }
        return levels
    }

    /// How much the spectrum's shape changed from `reference` to `levels`, dB: the mean absolute
    /// change of the seven bands after removing their mean change (a pure gain change is 0).
    static func shapeChange(from reference: SIMD8<Double>, to levels: SIMD8<Double>) -> Double {
        var mean = 0.0
        for band in 0..<bandCount { mean += levels[band] - reference[band] }
        mean /= Double(bandCount)
        var change = 0.0
        for band in 0..<bandCount { change += abs(levels[band] - reference[band] - mean) }
        return change / Double(bandCount)
    }
}

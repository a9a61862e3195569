import RealModule

/// A second-order IIR section (transposed direct form II), coefficients after the RBJ cookbook.
struct Biquad: Sendable {
    private var b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0
    private var z1 = 0.0, z2 = 0.0

    /// Butterworth-Q high-pass at `cutoff` Hz.
    static func highPass(cutoff: Double, sampleRate: Int) -> Biquad {
        var filter = Biquad()
        let omega = 2 * Double.pi * min(cutoff, Double(sampleRate) * 0.45) / Double(sampleRate)
        let alpha = Double.sin(omega) / (2 * 0.7071067811865476)
        let cosine = Double.cos(omega)
        let a0 = 1 + alpha
        filter.b0 = (1 + cosine) / 2 / a0
        filter.b1 = -(1 + cosine) / a0
        filter.b2 = (1 + cosine) / 2 / a0
        filter.a1 = -2 * cosine / a0
        filter.a2 = (1 - alpha) / a0
        return filter
    }

    /// Butterworth-Q low-pass at `cutoff` Hz (clamped below Nyquist).
    static func lowPass(cutoff: Double, sampleRate: Int) -> Biquad {
        var filter = Biquad()
        let omega = 2 * Double.pi * min(cutoff, Double(sampleRate) * 0.45) / Double(sampleRate)
        let alpha = Double.sin(omega) / (2 * 0.7071067811865476)
        let cosine = Double.cos(omega)
        let a0 = 1 + alpha
        filter.b0 = (1 - cosine) / 2 / a0
        filter.b1 = (1 - cosine) / a0
        filter.b2 = (1 - cosine) / 2 / a0
        filter.a1 = -2 * cosine / a0
        filter.a2 = (1 - alpha) / a0
        return filter
    }

    @inline(__always)
    mutating func process(_ x: Double) -> Double {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }

    mutating func reset() { z1 = 0; z2 = 0 }

    /// No state left: zero input then gives exactly zero output.
    var isAtRest: Bool { z1 == 0 && z2 == 0 }

    /// Zeroes a state that has decayed to nothing. After digital silence the state would otherwise
    /// sink into subnormal numbers, which cost a hundred times more per operation. Call once per frame.
    mutating func flushTinyState() {
        if abs(z1) < 1e-20 { z1 = 0 }
        if abs(z2) < 1e-20 { z2 = 0 }
    }
}

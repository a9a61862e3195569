/// A noise floor by minimum statistics, per SIMD lane: the minimum of the smoothed frame power over a window, kept as
/// the minima of `subWindowCount` sub-windows so that a minimum leaves the window within one sub-window of its age.
/// A noise rise is followed within the window, speech or not, so the floor never stays stuck under a louder room.
///
/// The full band's floor uses a two-lane vector (`EnergyVAD`: as cheap as a scalar), the band onset test's seven lanes
/// of eight (`BandOnsetTest`). Pure arithmetic: nothing allocates after `init`.
struct MinimumStatistics<Power: SIMD & Sendable>: Sendable where Power.Scalar == Double {
    static var subWindowCount: Int { 8 }

    private let smoothing: Double
    private let subWindowFrames: Int
    private var smoothedPower = Power(repeating: 0)
    private var started = false
    /// The minimum of each completed sub-window, and of the current one.
    private var subWindowMinima = [Power](repeating: Power(repeating: .infinity), count: subWindowCount)
    private var subWindowIndex = 0
    private var currentMinimum = Power(repeating: .infinity)
    private var currentLength = 0

    /// `smoothing`: per-frame smoothing of the power the minimum is taken over (0: none, toward 1: more).
    init(windowMilliseconds: Int, smoothing: Double) {
        self.smoothing = smoothing
        self.subWindowFrames = max(windowMilliseconds / 10 / Self.subWindowCount, 1)
    }

    /// Takes one frame's power (per lane) and returns the minimum of the smoothed power over the window, per lane.
    mutating func update(power: Power) -> Power {
        smoothedPower = started ? smoothing * smoothedPower + (1 - smoothing) * power : power
        started = true
        currentMinimum = pointwiseMin(currentMinimum, smoothedPower)
        currentLength += 1
        if currentLength >= subWindowFrames {
            subWindowMinima[subWindowIndex] = currentMinimum
            subWindowIndex = (subWindowIndex + 1) % Self.subWindowCount
            currentMinimum = Power(repeating: .infinity)
            currentLength = 0
        }
        var minimum = currentMinimum
        for value in subWindowMinima { minimum = pointwiseMin(minimum, value) }
        return minimum
    }
}

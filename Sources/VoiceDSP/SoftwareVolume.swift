import RealModule

/// The speaker level, applied in software: a 0…100 % setting on a decibel scale, mute, and a short
/// linear gain ramp whenever the effective gain changes, so that volume steps and mutes never click.
///
/// Scale: 100 % is 0 dB and every percent below it is `decibelsPerPercent` (0.5 dB) quieter, so
/// 60 % is -20 dB and 1 % is -49.5 dB; 0 % is silence. `up()`/`down()` move by `stepDecibels`
/// (3 dB, i.e. 6 %).
///
/// The playback thread owns one value and calls `apply(to:)` per period; settings made elsewhere
/// reach it through `update(percent:isMuted:)`, which is cheap when nothing changed. Neither
/// allocates.
public struct SoftwareVolume: Sendable, Equatable {
    public static let decibelsPerPercent = 0.5
    public static let stepDecibels = 3.0
    /// `stepDecibels` expressed in percent.
    public static let stepPercent = Int(stepDecibels / decibelsPerPercent)
    public static let defaultRampMilliseconds = 10

    /// The level setting, 0…100.
    public private(set) var percent: Int
    /// Silences the output without losing `percent`.
    public private(set) var isMuted: Bool
    /// The gain the output is moving to (0 when muted or at 0 %).
    public private(set) var targetGain: Float
    /// The gain applied to the most recent sample.
    public private(set) var currentGain: Float

    private let rampLength: Int
    private var rampStep: Float = 0
    private var rampRemaining = 0

    /// - Parameters:
    ///   - sampleRate: the rate of the samples `apply(to:)` will see; sets the ramp length.
    ///   - rampMilliseconds: how long a gain change takes; 0 switches instantly.
    public init(
        percent: Int = 100, isMuted: Bool = false, sampleRate: Int = 24000,
        rampMilliseconds: Int = defaultRampMilliseconds
    ) {
        self.percent = min(100, max(0, percent))
        self.isMuted = isMuted
        rampLength = max(0, sampleRate) * max(0, rampMilliseconds) / 1000
        targetGain = Self.gain(percent: self.percent, isMuted: isMuted)
        currentGain = targetGain
    }

    // MARK: Scale

    /// The level of a setting in dB relative to full volume; nil for 0 % (silence).
    public static func decibels(forPercent percent: Int) -> Double? {
        let clamped = min(100, max(0, percent))
        return clamped == 0 ? nil : Double(clamped - 100) * decibelsPerPercent
    }

    /// The setting closest to a level in dB (0 dB or more is 100 %; below 1 %'s level rounds toward 0 %).
    public static func percent(forDecibels decibels: Double) -> Int {
        guard decibels.isFinite else { return decibels > 0 ? 100 : 0 }
        return min(100, max(0, Int((100 + decibels / decibelsPerPercent).rounded())))
    }

    /// The level in dB relative to full volume; nil when silent (muted or 0 %).
    public var decibels: Double? { isMuted ? nil : Self.decibels(forPercent: percent) }

    // MARK: Settings

    public mutating func setPercent(_ newPercent: Int) {
        update(percent: newPercent, isMuted: isMuted)
    }

    public mutating func setMuted(_ muted: Bool) {
        update(percent: percent, isMuted: muted)
    }

    /// 3 dB louder, and unmuted: asking for more volume should never leave the speaker silent.
    public mutating func up() {
        update(percent: percent + Self.stepPercent, isMuted: false)
    }

    /// 3 dB quieter (reaching 0 % at the bottom); leaves mute as it is.
    public mutating func down() {
        update(percent: percent - Self.stepPercent, isMuted: isMuted)
    }

    /// Applies settings made elsewhere (e.g. read from atomics once per period). Cheap and
    /// allocation-free when nothing changed; a change starts a ramp from the current gain.
    public mutating func update(percent newPercent: Int, isMuted muted: Bool) {
        let clamped = min(100, max(0, newPercent))
        guard clamped != percent || muted != isMuted else { return }
        percent = clamped
        isMuted = muted
        let newTarget = Self.gain(percent: clamped, isMuted: muted)
        guard newTarget != targetGain else { return }
        targetGain = newTarget
        if rampLength == 0 {
            currentGain = newTarget
            rampRemaining = 0
        } else {
            rampRemaining = rampLength
            rampStep = (newTarget - currentGain) / Float(rampLength)
        }
    }

    // MARK: Processing

    /// Scales samples in place, ramping toward `targetGain`. Does not allocate.
    public mutating func apply(to samples: UnsafeMutableBufferPointer<Float>) {
        var index = 0
        while rampRemaining > 0 && index < samples.count {
            samples[index] *= nextRampGain()
            index += 1
        }
        let gain = currentGain
        if gain == 1 { return }
        if gain == 0 {
            for position in index..<samples.count { samples[position] = 0 }
            return
        }
        for position in index..<samples.count { samples[position] *= gain }
    }

    /// Scales 16-bit samples in place (rounded), ramping toward `targetGain`. Does not allocate.
    public mutating func apply(to samples: UnsafeMutableBufferPointer<Int16>) {
        var index = 0
        while rampRemaining > 0 && index < samples.count {
            samples[index] = SampleConversion.int16(SampleConversion.float(samples[index]) * nextRampGain())
            index += 1
        }
        let gain = currentGain
        if gain == 1 { return }
        if gain == 0 {
            for position in index..<samples.count { samples[position] = 0 }
            return
        }
        for position in index..<samples.count {
            samples[position] = SampleConversion.int16(SampleConversion.float(samples[position]) * gain)
        }
    }

    /// True while a gain change is still being ramped in.
    public var isRamping: Bool { rampRemaining > 0 }

    @inline(__always)
    private mutating func nextRampGain() -> Float {
        rampRemaining -= 1
        currentGain = rampRemaining == 0 ? targetGain : currentGain + rampStep
        return currentGain
    }

    private static func gain(percent: Int, isMuted: Bool) -> Float {
        guard !isMuted, let decibels = decibels(forPercent: percent) else { return 0 }
        return Float(Double.pow(10, decibels / 20))
    }
}

/// Whether the sound holding speech on is only ringing out: a struck bell or chime decaying between strikes, a note
/// left to die away, the room's reverberation after the talker stopped. A talker's level rises again with every
/// syllable, several times a second; a ringing sound's only falls. So once the level has not risen for
/// `EnergyVADParameters.ringOutMilliseconds`, has fallen `ringOutDropDB` since it last did and keeps falling, the
/// frames neither hold speech on (they count toward its end like frames under the offset threshold) nor count toward
/// an onset (docs/listening.md, twenty-eighth session).
///
/// The level is held over `holdFrames` (the loudest of the last 50 ms): two partials a few hertz apart beat, and a
/// bell's level then wobbles by a few dB every few frames while its envelope only falls. A syllable after a pause
/// longer than that lifts the held level, so a talker's pauses between syllables never look like ringing.
///
/// Pure arithmetic on frame energies: no allocation, no I/O.
struct RingOutTest: Sendable {
    /// The held level is the loudest of this many frames (50 ms): longer than a beat between two partials.
    static let holdFrames = 5
    /// A held level this much above the one before counts as a rise, dB: less is a beat or the estimate's noise.
    static let riseToleranceDB = 1.0
    /// A ringing sound keeps falling: its held level fell at least `fallingDB` over each of the last two spans of
    /// `fallingFrames` (100 ms). A level that stepped down and holds (a loud noise that gave way to a quieter one) fell in
    /// one span only: it is a steady room, which the offset threshold's hysteresis is for.
    static let fallingFrames = 10
    static let fallingDB = 1.0
    /// Frames of held levels kept: two spans and the frame they end at.
    private static let historyLength = 2 * fallingFrames + 1

    private let framesNeeded: Int
    private let dropDB: Double
    /// The last `holdFrames` energies, dBFS (a ring: `next` is where the next one goes).
    private var recent = SIMD8<Double>(repeating: -120)
    private var next = 0
    /// The held level of the last 2 × `fallingFrames` + 1 frames (a ring: `nextHeld` is where the next one goes, and
    /// holds the oldest, two spans before the last frame).
    private var heldHistory = SIMD32<Double>(repeating: -120)
    private var nextHeld = 0
    /// The held level of the last frame, and what it was when it last rose, dBFS.
    private var heldDBFS = -120.0
    private var peakDBFS = -120.0
    /// Frames since the held level last rose.
    private var framesSinceRise = 0

    /// nil when `ringOutMilliseconds` is 0 (the test is off).
    init?(parameters: EnergyVADParameters) {
        guard parameters.ringOutMilliseconds > 0 else { return nil }
        framesNeeded = max(parameters.ringOutMilliseconds / 10, 1)
        dropDB = parameters.ringOutDropDB
    }

    /// Takes the energy of a frame heard (not muted), dBFS.
    mutating func note(energy: Double) {
        recent[next] = energy
        next = (next + 1) % Self.holdFrames
        var held = recent[0]
        for index in 1..<Self.holdFrames { held = max(held, recent[index]) }
        if held > heldDBFS + Self.riseToleranceDB {
            peakDBFS = held
            framesSinceRise = 0
        } else {
            framesSinceRise += 1
        }
        heldDBFS = held
        heldHistory[nextHeld] = held
        nextHeld = (nextHeld + 1) % Self.historyLength
    }

    /// The level has not risen for the test's time, has fallen its drop since it last did, and keeps falling.
    var isRingingOut: Bool {
        let twoSpansBefore = heldHistory[nextHeld]
        let oneSpanBefore = heldHistory[(nextHeld + Self.fallingFrames) % Self.historyLength]
        return framesSinceRise >= framesNeeded && peakDBFS - heldDBFS >= dropDB
            && oneSpanBefore - heldDBFS >= Self.fallingDB && twoSpansBefore - oneSpanBefore >= Self.fallingDB
    }
}

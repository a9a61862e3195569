import VoiceDSP

/// A plain energy detector with an adaptive floor: the fallback when no better detector is set up.
struct EnergySpeechDetector: SpeechDetecting {
    let frameMilliseconds = 10
    var endSilenceFrames = 70
    private var floorDBFS = -60.0
    private var inSpeech = false
    private var speechFrames = 0
    private var silentFrames = 0

    init(sampleRate: Int, endOfTurnSilenceMilliseconds: Int = 700) {
        endSilenceFrames = max(1, endOfTurnSilenceMilliseconds / frameMilliseconds)
    }

    mutating func process(frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?) -> FrameDecision {
        let level = SignalMeasures.rmsDBFS(frame)
        let echo = reference.map { SignalMeasures.rmsDBFS($0) } ?? -120
        var decision = FrameDecision(levelDBFS: level)
        // The floor falls fast and rises slowly, so speech does not drag it up.
        floorDBFS = level < floorDBFS ? level : floorDBFS + 0.02
        let loudEnough = level > max(floorDBFS + 12, -50) && level > echo + 10
        if loudEnough {
            silentFrames = 0
            speechFrames += 1
            if !inSpeech, speechFrames >= 3 {
                inSpeech = true
                decision.speechStarted = true
                decision.bargeIn = echo > -70
            }
        } else {
            speechFrames = 0
            if inSpeech {
                silentFrames += 1
                if silentFrames >= endSilenceFrames {
                    inSpeech = false
                    decision.speechEnded = true
                }
            }
        }
        return decision
    }

    mutating func resetTurn() {
        inSpeech = false
        speechFrames = 0
        silentFrames = 0
    }
}

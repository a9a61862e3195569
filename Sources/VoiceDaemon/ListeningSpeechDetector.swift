import VoiceCore
import VoiceDSP

/// The daemon's detector: the energy VAD and echo gate of VoiceDSP, configured from `listening:`.
struct ListeningSpeechDetector: SpeechDetecting {
    private var detector: ListeningDetector

    init(sampleRate: Int, settings: ListeningSettings) {
        detector = ListeningDetector(sampleRate: sampleRate, parameters: settings.detectorParameters)
    }

    mutating func process(frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?) -> FrameDecision {
        Self.frameDecision(detector.process(frame: frame, reference: reference))
    }

    mutating func process(mutedFrame frame: UnsafeBufferPointer<Int16>, reference: UnsafeBufferPointer<Int16>?)
        -> FrameDecision
    {
        Self.frameDecision(detector.process(frame: frame, reference: reference, microphoneMuted: true))
    }

    private static func frameDecision(_ decision: ListeningDecision) -> FrameDecision {
        FrameDecision(
            speechStarted: decision.speechStarted,
            speechEnded: decision.speechEnded,
            bargeIn: decision.bargeIn,
            levelDBFS: decision.levelDBFS
        )
    }

    mutating func resetTurn() { detector.resetTurn() }

    var framesUntilTurnEndsInSilence: Int? { detector.framesUntilTurnEndsInSilence }
}

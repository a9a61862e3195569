import Synchronization
import VoiceCore

/// The calls a coordinator made on its realtime link, in order.
public enum LinkCall: Sendable, Equatable {
    case append(samples: Int)
    case commit
    case clear
    case createResponse
    case cancelResponse
    case truncate(itemID: String, milliseconds: Int)
    case sendText(String)
    case changeVoice(String)
    case reconnect
}

/// Records link calls. Conforms to `RealtimeLink` in the daemon tests (VoiceTestSupport cannot see
/// VoiceDaemon), so the conformance lives there.
public final class LinkRecorder: Sendable {
    private let calls = Mutex<[LinkCall]>([])
    private let audio = Mutex<[Int16]>([])
    public init() {}
    public func record(_ call: LinkCall) { calls.withLock { $0.append(call) } }
    public func recordAudio(_ samples: [Int16]) {
        audio.withLock { $0.append(contentsOf: samples) }
        record(.append(samples: samples.count))
    }
    public var recorded: [LinkCall] { calls.withLock { $0 } }
    public var sentAudio: [Int16] { audio.withLock { $0 } }
    /// The calls other than audio appends.
    public var controlCalls: [LinkCall] {
        recorded.filter { if case .append = $0 { false } else { true } }
    }
}

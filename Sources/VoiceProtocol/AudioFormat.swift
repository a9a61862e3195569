/// The wire format of one audio direction (reference §4): `{"type":"audio/pcm","rate":24000}`,
/// `{"type":"audio/pcmu"}`, `{"type":"audio/pcma"}` or `{"type":"audio/opus"}`.
public enum AudioFormat: Sendable, Hashable, Codable {
    /// Mono PCM16 little-endian at `rate` Hz (8000…48000).
    case pcm(rate: Int)
    /// G.711 µ-law, 8 kHz.
    case pcmu
    /// G.711 A-law, 8 kHz.
    case pcma
    /// One raw Opus packet per message, 24 kHz mono.
    case opus
    /// A format this client does not know; kept so it can be reported rather than failing the event.
    case other(type: String, rate: Int?)

    /// The service's default rate for `audio/pcm`.
    public static let defaultRate = 24_000
    /// The PCM rates the reference lists (11025 is in the schema and pipecat only).
    public static let supportedPCMRates: [Int] = [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]

    /// The sample rate the audio is at.
    public var sampleRate: Int {
        switch self {
        case .pcm(let rate): rate
        case .pcmu, .pcma: 8_000
        case .opus: 24_000
        case .other(_, let rate): rate ?? AudioFormat.defaultRate
        }
    }

    /// Bytes per sample for the sample formats (PCM16: 2, G.711: 1); nil for Opus and unknown formats.
    public var bytesPerSample: Int? {
        switch self {
        case .pcm: 2
        case .pcmu, .pcma: 1
        case .opus, .other: nil
        }
    }

    /// The MIME-like name on the wire.
    public var typeName: String {
        switch self {
        case .pcm: "audio/pcm"
        case .pcmu: "audio/pcmu"
        case .pcma: "audio/pcma"
        case .opus: "audio/opus"
        case .other(let type, _): type
        }
    }

    private enum CodingKeys: String, CodingKey { case type, rate }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let rate = try container.decodeIfPresent(Int.self, forKey: .rate)
        switch type {
        case "audio/pcm": self = .pcm(rate: rate ?? AudioFormat.defaultRate)
        case "audio/pcmu": self = .pcmu
        case "audio/pcma": self = .pcma
        case "audio/opus": self = .opus
        default: self = .other(type: type, rate: rate)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .pcm(let rate): try container.encode(rate, forKey: .rate)
        case .other(_, let rate): try container.encodeIfPresent(rate, forKey: .rate)
        case .pcmu, .pcma, .opus: break
        }
    }
}

import VoiceDSP
import VoiceProtocol

/// Samples ↔ the base64 payload of `input_audio_buffer.append` / `response.output_audio.delta`, for one of
/// the wire formats the daemon supports: PCM16 (any rate), G.711 µ-law (`audio/pcmu`), G.711 A-law
/// (`audio/pcma`). Inside the daemon audio is always Int16 at the session rate; G.711 exists only here.
struct WireAudioCodec: Sendable, Equatable {
    enum Encoding: Sendable, Equatable {
        case pcm16
        case muLaw
        case aLaw
    }

    enum CodecError: Error, CustomStringConvertible {
        case unsupportedFormat(String)
        case undecodable(String)

        var description: String {
            switch self {
            case .unsupportedFormat(let type):
                "the audio format \(type) is not supported by voiced (use pcm, pcmu or pcma)"
            case .undecodable(let reason): "reply audio could not be decoded: \(reason)"
            }
        }
    }

    let encoding: Encoding

    init(encoding: Encoding) { self.encoding = encoding }

    init(format: AudioFormat) throws(CodecError) {
        switch format {
        case .pcm: encoding = .pcm16
        case .pcmu: encoding = .muLaw
        case .pcma: encoding = .aLaw
        case .opus, .other: throw .unsupportedFormat(format.typeName)
        }
    }

    func encode(_ samples: [Int16]) -> String {
        switch encoding {
        case .pcm16: AudioPayload.encodePCM16(samples)
        case .muLaw: AudioPayload.encodeBytes(G711.encodeMuLaw(samples))
        case .aLaw: AudioPayload.encodeBytes(G711.encodeALaw(samples))
        }
    }

    /// The whole `input_audio_buffer.append` event for `samples`, base64 written straight into its text.
    func appendEvent(_ samples: [Int16]) -> String {
        switch encoding {
        case .pcm16: RealtimeCoding.encodeAudioAppend(pcm16: samples)
        case .muLaw: RealtimeCoding.encodeAudioAppend(bytes: G711.encodeMuLaw(samples))
        case .aLaw: RealtimeCoding.encodeAudioAppend(bytes: G711.encodeALaw(samples))
        }
    }

    func decode(_ base64: String) throws(CodecError) -> [Int16] {
        do {
            switch encoding {
            case .pcm16: return try AudioPayload.decodePCM16(base64)
            case .muLaw: return G711.decodeMuLaw(try AudioPayload.decodeBytes(base64))
            case .aLaw: return G711.decodeALaw(try AudioPayload.decodeBytes(base64))
            }
        } catch {
            throw .undecodable(error.description)
        }
    }
}

import VoiceCore
import VoiceProtocol

extension RealtimeSettings {
    /// The full `session` object of the `session.update` sent after every connect: the reference advises
    /// always sending `turn_detection` and re-sending the whole configuration rather than relying on merges.
    ///
    /// - Parameter tools: the function and built-in tools the daemon offers (from its tool settings).
    public func sessionConfiguration(tools: [Tool] = []) -> SessionConfiguration {
        var transcription: Transcription?
        if self.transcription.enabled {
            transcription = Transcription(
                languageHint: self.transcription.languageHint,
                keyterms: self.transcription.keyterms.isEmpty ? nil : self.transcription.keyterms,
                model: self.transcription.model
            )
        }
        var configuration = SessionConfiguration(
            instructions: instructions,
            voice: VoiceCatalog.canonical(voice) ?? voice,
            reasoning: reasoningEffort.map { Reasoning(effort: ReasoningEffort(rawValue: $0)) },
            turnDetection: wireTurnDetection,
            audio: AudioConfiguration(
                input: AudioInput(format: inputAudio.wireFormat, transcription: transcription),
                output: AudioOutput(format: outputAudio.wireFormat, speed: speed)
            ),
            tools: tools.isEmpty ? nil : tools
        )
        // OpenAI-style `"turn_detection": null` for manual mode, when configured (reference §2 note 2).
        if turnDetection.mode == .manual, turnDetection.manualEncoding == .null {
            configuration.turnDetection = nil
            configuration.extraFields["turn_detection"] = .null
        }
        return configuration
    }

    var wireTurnDetection: TurnDetection {
        switch turnDetection.mode {
        case .manual:
            return .manual
        case .serverVAD:
            return .serverVAD(
                .init(
                    threshold: turnDetection.threshold,
                    silenceDurationMilliseconds: turnDetection.silenceDurationMs,
                    prefixPaddingMilliseconds: turnDetection.prefixPaddingMs,
                    idleTimeoutMilliseconds: turnDetection.idleTimeoutMs
                )
            )
        }
    }

    /// `url?model=...`, keeping any query the configured URL already has.
    public var connectionURL: String {
        guard !url.contains("model=") else { return url }
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "model=" + percentEncodeQueryValue(model)
    }
}

extension RealtimeSettings.AudioFormatSettings {
    var wireFormat: AudioFormat {
        switch encoding {
        case .pcm: .pcm(rate: rate)
        case .pcmu: .pcmu
        case .pcma: .pcma
        }
    }

    var codec: WireAudioCodec {
        switch encoding {
        case .pcm: WireAudioCodec(encoding: .pcm16)
        case .pcmu: WireAudioCodec(encoding: .muLaw)
        case .pcma: WireAudioCodec(encoding: .aLaw)
        }
    }
}

private func percentEncodeQueryValue(_ value: String) -> String {
    var encoded = ""
    for byte in value.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            encoded.append(Character(Unicode.Scalar(byte)))
        default:
            let hex = Array("0123456789ABCDEF")
            encoded += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0x0F)])"
        }
    }
    return encoded
}

extension RealtimeCoding {
    /// The JSON text of `input_audio_buffer.append` carrying mono PCM16 `samples` (little-endian, base64),
    /// written in one pass: the base64 goes straight into the event's text, with no intermediate payload
    /// string and no scan for characters JSON would escape (the base64 alphabet has none). The text is
    /// the same as `encode(.inputAudioBufferAppend(audio: AudioPayload.encodePCM16(samples)))`.
    public static func encodeAudioAppend(pcm16 samples: UnsafeBufferPointer<Int16>) -> String {
        #if _endian(little)
        return encodeAudioAppend(payload: UnsafeRawBufferPointer(samples))
        #else
        return samples.map(\.littleEndian).withUnsafeBytes { encodeAudioAppend(payload: $0) }
        #endif
    }

    /// The same for an array of samples.
    public static func encodeAudioAppend(pcm16 samples: [Int16]) -> String {
        samples.withUnsafeBufferPointer { encodeAudioAppend(pcm16: $0) }
    }

    /// `input_audio_buffer.append` carrying raw payload bytes (G.711 µ-law / A-law) in base64.
    public static func encodeAudioAppend(bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encodeAudioAppend(payload: $0) }
    }

    private static func encodeAudioAppend(payload: UnsafeRawBufferPointer) -> String {
        let prefix: StaticString = #"{"type":"input_audio_buffer.append","audio":""#
        let suffix: StaticString = #""}"#
        let length =
            prefix.utf8CodeUnitCount + Base64.encodedCount(ofByteCount: payload.count) + suffix.utf8CodeUnitCount
        return String(unsafeUninitializedCapacity: length) { text in
            let base = text.baseAddress!
            base.update(from: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            var written = prefix.utf8CodeUnitCount
            written += Base64.encode(payload, into: base + written)
            (base + written).update(from: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
            return written + suffix.utf8CodeUnitCount
        }
    }
}

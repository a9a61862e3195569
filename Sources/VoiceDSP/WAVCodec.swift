/// Reads and writes RIFF/WAVE PCM in memory. No file I/O here: callers bring the bytes.
public struct WAVAudio: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Interleaved 16-bit samples (`frames * channels` of them).
    public var samples: [Int16]

    public init(sampleRate: Int, channels: Int = 1, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    public var frameCount: Int { channels > 0 ? samples.count / channels : 0 }
    public var durationSeconds: Double { sampleRate > 0 ? Double(frameCount) / Double(sampleRate) : 0 }

    /// The mono mix (average of the channels).
    public var mono: [Int16] {
        guard channels > 1 else { return samples }
        var out = [Int16](repeating: 0, count: frameCount)
        for frame in 0..<frameCount {
            var sum = 0
            for channel in 0..<channels { sum += Int(samples[frame * channels + channel]) }
            out[frame] = Int16(sum / channels)
        }
        return out
    }
}

/// Why a WAV file could not be read; `description` is meant for a person.
public enum WAVError: Error, Equatable, CustomStringConvertible {
    case notRIFFWave
    case missingChunk(String)
    case unsupportedEncoding(formatTag: Int, bitsPerSample: Int)
    case malformed(String)

    public var description: String {
        switch self {
        case .notRIFFWave: "not a WAV file (no RIFF/WAVE header)"
        case .missingChunk(let name): "WAV file has no '\(name)' chunk"
        case .unsupportedEncoding(let tag, let bits):
            "unsupported WAV encoding (format \(tag), \(bits) bits); use PCM 8/16/24/32-bit or 32-bit float"
        case .malformed(let why): "malformed WAV file: \(why)"
        }
    }
}

public enum WAVCodec {
    /// Decodes PCM (8, 16, 24, 32-bit integer) and IEEE float (32-bit) WAV data to 16-bit samples.
    public static func decode(_ bytes: [UInt8]) throws(WAVError) -> WAVAudio {
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8)
        else { throw .notRIFFWave }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)?
        var data: Range<Int>?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            let end = min(body + size, bytes.count)  // tolerate a truncated last chunk
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else { throw .malformed("fmt chunk too short") }
                var tag = u16(body)
                // WAVE_FORMAT_EXTENSIBLE: the real format tag is the sub-format GUID's first two bytes.
                if tag == 0xFFFE, size >= 40, body + 26 <= bytes.count { tag = u16(body + 24) }
                format = (tag, u16(body + 2), u32(body + 4), u16(body + 14))
            } else if id == "data" {
                data = body..<end
                if format != nil { break }
            }
            offset = body + size + (size & 1)
        }
        guard let format else { throw .missingChunk("fmt ") }
        guard let data else { throw .missingChunk("data") }
        guard format.channels > 0, format.rate > 0 else { throw .malformed("zero channels or sample rate") }
        let bytesPerSample = format.bits / 8
        let supported =
            (format.tag == 1 && [1, 2, 3, 4].contains(bytesPerSample)) || (format.tag == 3 && format.bits == 32)
        guard supported else { throw .unsupportedEncoding(formatTag: format.tag, bitsPerSample: format.bits) }
        let count = (data.count / (bytesPerSample * format.channels)) * format.channels
        var samples = [Int16](repeating: 0, count: count)
        var position = data.lowerBound
        for index in 0..<count {
            switch (format.tag, bytesPerSample) {
            case (1, 1): samples[index] = Int16((Int(bytes[position]) - 128) << 8)
            case (1, 2): samples[index] = Int16(bitPattern: UInt16(u16(position)))
            case (1, 3): samples[index] = Int16(bitPattern: UInt16(u16(position + 1)))
            case (1, 4): samples[index] = Int16(bitPattern: UInt16(u16(position + 2)))
            default:
                let value = Float(bitPattern: UInt32(u32(position)))
                samples[index] = Int16(max(-32768, min(32767, (value * 32768).rounded())))
            }
            position += bytesPerSample
        }
        return WAVAudio(sampleRate: format.rate, channels: format.channels, samples: samples)
    }

    /// Encodes 16-bit PCM as a canonical 44-byte-header WAV file.
    public static func encode(_ audio: WAVAudio) -> [UInt8] {
        var out: [UInt8] = []
        let dataBytes = audio.samples.count * 2
        out.reserveCapacity(44 + dataBytes)
        func put32(_ value: Int) {
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((value >> shift) & 0xFF)) }
        }
        func put16(_ value: Int) { out.append(UInt8(value & 0xFF)); out.append(UInt8((value >> 8) & 0xFF)) }
        out.append(contentsOf: Array("RIFF".utf8)); put32(36 + dataBytes)
        out.append(contentsOf: Array("WAVEfmt ".utf8)); put32(16)
        put16(1); put16(audio.channels); put32(audio.sampleRate)
        put32(audio.sampleRate * audio.channels * 2); put16(audio.channels * 2); put16(16)
        out.append(contentsOf: Array("data".utf8)); put32(dataBytes)
        for sample in audio.samples { put16(Int(UInt16(bitPattern: sample))) }
        return out
    }
}

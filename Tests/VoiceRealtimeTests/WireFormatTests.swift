import Testing
import VoiceCore
import VoiceProtocol

@testable import VoiceRealtime

@Suite struct WireFormatTests {
    @Test(arguments: [WireAudioCodec.Encoding.pcm16, .muLaw, .aLaw])
    func encodeThenDecodeStaysCloseToTheInput(encoding: WireAudioCodec.Encoding) throws {
        let codec = WireAudioCodec(encoding: encoding)
        let samples: [Int16] = [0, 1, -1, 100, -100, 1000, -1000, 8000, -8000, 32_767, -32_768]
        let decoded = try codec.decode(codec.encode(samples))
        #expect(decoded.count == samples.count)
        for (original, roundTripped) in zip(samples, decoded) {
            let error = abs(Int(original) - Int(roundTripped))
            // G.711 keeps about 4 significant bits of mantissa: error within ~1/16 of the value, plus a floor.
            let tolerance = encoding == .pcm16 ? 0 : max(16, abs(Int(original)) / 16 + 8)
            #expect(error <= tolerance, "\(encoding): \(original) came back as \(roundTripped)")
        }
    }

    @Test func badAudioIsAnErrorNotACrash() {
        #expect(throws: WireAudioCodec.CodecError.self) { try WireAudioCodec(encoding: .pcm16).decode("AAE") }
        #expect(throws: WireAudioCodec.CodecError.self) { try WireAudioCodec(encoding: .pcm16).decode("%%%") }
        #expect(throws: WireAudioCodec.CodecError.self) { try WireAudioCodec(format: .opus) }
    }

    @Test func endpointsParse() throws {
        let secure = try #require(Endpoint("wss://api.x.ai/v1/realtime?model=m"))
        #expect(secure == Endpoint(secure: true, host: "api.x.ai", port: 443, target: "/v1/realtime?model=m"))
        #expect(secure.hostHeader == "api.x.ai")
        let local = try #require(Endpoint("ws://127.0.0.1:8089?model=m"))
        #expect(local.port == 8089)
        #expect(local.target == "/?model=m")
        #expect(local.hostHeader == "127.0.0.1:8089")
        let v6 = try #require(Endpoint("ws://[::1]:9000/x"))
        #expect(v6.host == "::1")
        #expect(v6.hostHeader == "[::1]:9000")
        #expect(Endpoint("https://api.x.ai") == nil)
        #expect(Endpoint("ws://:80/") == nil)
        #expect(Endpoint("ws://host:99999/") == nil)
    }

    @Test func redactionRemovesEverySecretOccurrence() {
        let key = "xai-0123456789abcdef"
        let text = "Bearer \(key) and again \(key)"
        #expect(redact(text, secrets: [key]) == "Bearer [redacted] and again [redacted]")
        #expect(redact("short", secrets: ["abc"]) == "short")
    }

    @Test func connectionEndsAreClassified() {
        #expect(ConnectionEnd.refused(status: 401, body: "").isAuthenticationFailure)
        #expect(ConnectionEnd.refused(status: 403, body: "").isAuthenticationFailure)
        #expect(ConnectionEnd.refused(status: 400, body: "Incorrect API key provided").isAuthenticationFailure)
        #expect(!ConnectionEnd.refused(status: 400, body: "bad model").isAuthenticationFailure)
        #expect(!ConnectionEnd.refused(status: 500, body: "").isAuthenticationFailure)
        #expect(!ConnectionEnd.refused(status: 503, body: "").isAuthenticationFailure)
        #expect(!ConnectionEnd.closed(code: 1011, reason: nil).isAuthenticationFailure)
        #expect(!ConnectionEnd.closed(code: nil, reason: nil).isAuthenticationFailure)
        #expect(ConnectionEnd.refused(status: 401, body: "").summary.contains("API key rejected"))
        #expect(ConnectionEnd.closed(code: nil, reason: nil).summary.contains("1006"))
    }
}

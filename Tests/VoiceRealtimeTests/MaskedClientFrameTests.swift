import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import VoiceRealtime

/// Issue 9: the session frames and masks its own client frames eight bytes at a time
/// (`MaskedClientFrame`) instead of NIO's byte-at-a-time `WebSocketFrameEncoder`. RFC 6455 framing and
/// masking must stay exact: NIO's decoder must read every length class back, and the bytes must be the ones
/// NIO's encoder writes for the same frame and key.
@Suite struct MaskedClientFrameTests {
    /// Every header length class (7-bit, 16-bit, 64-bit) at and around its bounds, and lengths that leave
    /// each possible tail after the eight-byte steps.
    static let lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 125, 126, 127, 65_535, 65_536, 65_543, 70_001]

    @Test(arguments: lengths)
    func nioDecodesEveryLengthClassBackToThePayload(length: Int) throws {
        let payload = Self.bytes(count: length, seed: UInt32(length))
        let key = try #require(WebSocketMaskingKey([0x37, 0xFA, 0x21, 0x3D]))
        var frame = ByteBufferAllocator().buffer(capacity: 0)
        payload.withUnsafeBytes { MaskedClientFrame.write(opcode: .binary, payload: $0, maskKey: key, into: &frame) }
        #expect(frame.readableBytes == MaskedClientFrame.headerCount(payloadCount: length) + length)

        let decoded = try Self.decode(frame)
        try #require(decoded.count == 1)
        #expect(decoded[0].fin)
        #expect(decoded[0].opcode == .binary)
        #expect(decoded[0].reservedBits.isEmpty)
        #expect(decoded[0].maskKey == key)
        #expect(Array(decoded[0].unmaskedData.readableBytesView) == payload)
        #expect(Array(frame.readableBytesView) == (try Self.encodedByNIO(payload, opcode: .binary, key: key)))
    }

    @Test func aTextMessageIsTheFrameNIOWouldWrite() throws {
        let key = try #require(WebSocketMaskingKey([0x01, 0x80, 0xFE, 0x7F]))
        for text in [
            "", "ok", #"{"type":"input_audio_buffer.append","audio":"AAAA"}"#,
            "naïve ☕️ " + String(repeating: "é", count: 300),
        ] {
            let frame = MaskedClientFrame.text(text, maskKey: key, allocator: ByteBufferAllocator())
            #expect(
                Array(frame.readableBytesView) == (try Self.encodedByNIO(Array(text.utf8), opcode: .text, key: key)))
            let decoded = try Self.decode(frame)
            try #require(decoded.count == 1)
            #expect(decoded[0].opcode == .text)
            #expect(String(buffer: decoded[0].unmaskedData) == text)
        }
    }

    /// The word-wide loop against NIO's byte-wise mask, from every source alignment, at every key phase,
    /// copying and in place.
    @Test func maskingMatchesTheByteWiseMaskAtEveryAlignmentAndKeyPhase() throws {
        let key = try #require(WebSocketMaskingKey([0xA5, 0x0F, 0x72, 0xC3]))
        let source = Self.bytes(count: 1_100, seed: 7)
        for alignment in 0..<8 {
            for keyOffset in 0..<4 {
                for count in [0, 1, 7, 8, 9, 31, 1_000 + alignment] {
                    let payload = Array(source[alignment..<(alignment + count)])
                    var expected = ByteBufferAllocator().buffer(bytes: payload)
                    expected.webSocketMask(key, indexOffset: keyOffset)

                    var copied = [UInt8](repeating: 0, count: count + 8)
                    source.withUnsafeBytes { all in
                        copied.withUnsafeMutableBytes { destination in
                            let from = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + count)])
                            let to = UnsafeMutableRawBufferPointer(rebasing: destination[(8 - alignment)...])
                            MaskedClientFrame.mask(from, into: to, key: key, keyOffset: keyOffset)
                        }
                    }
                    #expect(
                        Array(copied[(8 - alignment)..<(8 - alignment + count)]) == Array(expected.readableBytesView))
                    #expect(copied[..<(8 - alignment)].allSatisfy { $0 == 0 }, "nothing written before the payload")

                    var inPlace = source
                    inPlace.withUnsafeMutableBytes { all in
                        let slice = UnsafeMutableRawBufferPointer(rebasing: all[alignment..<(alignment + count)])
                        MaskedClientFrame.mask(
                            UnsafeRawBufferPointer(slice), into: slice, key: key, keyOffset: keyOffset)
                    }
                    #expect(Array(inPlace[alignment..<(alignment + count)]) == Array(expected.readableBytesView))
                    #expect(inPlace[(alignment + count)...] == source[(alignment + count)...], "nothing past it")
                }
            }
        }
    }

    /// The session's real send path: once attached to an upgraded channel, `ConnectionHandle.send` writes one
    /// buffer (header and masked payload) below NIO's encoder, which NIO's decoder reads back as the text.
    @Test func theConnectionWritesWholeMaskedFramesBelowTheEncoder() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        let handle = RealtimeSession.ConnectionHandle()
        handle.attach(channel)
        #expect(handle.writesDirectly)
        #expect(handle.writesBelowTheEncoder)

        let texts = [#"{"type":"input_audio_buffer.commit"}"#, String(repeating: "QUFB", count: 3_200)]
        for text in texts { handle.send(text) }
        var keys: [WebSocketMaskingKey] = []
        for text in texts {
            let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
            let decoded = try Self.decode(written)
            try #require(decoded.count == 1, "one whole frame per buffer")
            #expect(decoded[0].fin)
            #expect(decoded[0].opcode == .text)
            #expect(String(buffer: decoded[0].unmaskedData) == text)
            keys.append(try #require(decoded[0].maskKey, "a client's frames are masked"))
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(keys[0] != keys[1], "a fresh key per frame")
        handle.close()
        handle.send("after close")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        _ = try channel.finish()
    }

    /// Without NIO's encoder in the pipeline (not how the upgrade leaves it), frames still go out, as
    /// `WebSocketFrame`s through the pipeline.
    @Test func withoutTheEncoderFramesGoThroughThePipeline() throws {
        let channel = EmbeddedChannel()
        let handle = RealtimeSession.ConnectionHandle()
        handle.attach(channel)
        #expect(!handle.writesBelowTheEncoder)
        handle.send("hello")
        let frame = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(frame.maskKey != nil, "the encoder masks it with this key")
        #expect(frame.opcode == .text)
        #expect(String(buffer: frame.data) == "hello")
        _ = try channel.finish()
    }

    // MARK: - Helpers

    static func bytes(count: Int, seed: UInt32) -> [UInt8] {
        var state = seed &* 2_654_435_761 | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// Every frame NIO's `WebSocketFrameDecoder` reads from `bytes`.
    static func decode(_ bytes: ByteBuffer) throws -> [WebSocketFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
        try channel.writeInbound(bytes)
        var frames: [WebSocketFrame] = []
        while let frame = try channel.readInbound(as: WebSocketFrame.self) { frames.append(frame) }
        _ = try channel.finish()
        return frames
    }

    /// What NIO's `WebSocketFrameEncoder` writes for a final frame with this payload and key.
    static func encodedByNIO(_ payload: [UInt8], opcode: WebSocketOpcode, key: WebSocketMaskingKey) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        let data = ByteBufferAllocator().buffer(bytes: payload)
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: opcode, maskKey: key, data: data))
        var bytes: [UInt8] = []
        while let part = try channel.readOutbound(as: ByteBuffer.self) { bytes += part.readableBytesView }
        _ = try channel.finish()
        return bytes
    }
}

import NIOCore
import NIOWebSocket

/// A client's WebSocket frame (RFC 6455 §5.2): the header and the masked payload, built in one buffer.
///
/// NIO's `WebSocketFrameEncoder` masks a byte at a time (an index modulo 4 and a key lookup per byte) and
/// writes the header as a second buffer. The session sends a ~6.4 KB `input_audio_buffer.append` ten times a
/// second while a turn streams, so it builds its frames here instead: the payload is masked while it is
/// copied into the frame, eight bytes at a time.
package enum MaskedClientFrame {
    /// The frame for one whole text message: FIN set, `text`'s UTF-8 masked with `maskKey`.
    package static func text(_ text: String, maskKey: WebSocketMaskingKey, allocator: ByteBufferAllocator) -> ByteBuffer
    {
        var text = text
        return text.withUTF8 { utf8 in
            var buffer = allocator.buffer(capacity: headerCount(payloadCount: utf8.count) + utf8.count)
            write(opcode: .text, payload: UnsafeRawBufferPointer(utf8), maskKey: maskKey, into: &buffer)
            return buffer
        }
    }

    /// Bytes of the header of a masked frame with a payload of `payloadCount` bytes: the first byte, the
    /// length (7 bits, or 126 and 16 bits, or 127 and 64 bits) and the 4-byte key.
    static func headerCount(payloadCount: Int) -> Int {
        switch payloadCount {
        case ...125: 2 + 4
        case ...0xFFFF: 2 + 2 + 4
        default: 2 + 8 + 4
        }
    }

    /// Appends one final frame (FIN set, no extension bits) of `opcode` carrying `payload`, masked with
    /// `maskKey`, to `buffer`.
    static func write(
        opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, maskKey: WebSocketMaskingKey,
        into buffer: inout ByteBuffer
    ) {
        let count = payload.count
        let maskBit: UInt8 = 0x80
        buffer.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        switch count {
        case ...125:
            buffer.writeInteger(maskBit | UInt8(count))
        case ...0xFFFF:
            buffer.writeInteger(maskBit | 126)
            buffer.writeInteger(UInt16(count))
        default:
            buffer.writeInteger(maskBit | 127)
            buffer.writeInteger(UInt64(count))
        }
        buffer.writeMultipleIntegers(maskKey[0], maskKey[1], maskKey[2], maskKey[3])
        guard count > 0 else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { destination in
            mask(payload, into: destination, key: maskKey)
            return count
        }
    }

    /// Writes `source` XOR the key to `destination` (which may be `source` itself): byte `i` of the payload
    /// is masked with key byte `(i + keyOffset) % 4`. Eight bytes per step (unaligned loads and stores of a
    /// `UInt64` against the key repeated twice, in memory order, so the byte order of the machine does not
    /// matter), the last 0–7 bytes one at a time.
    static func mask(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
        key: WebSocketMaskingKey, keyOffset: Int = 0
    ) {
        let count = source.count
        precondition(destination.count >= count, "the masked frame's buffer is shorter than its payload")
        guard count > 0, let from = source.baseAddress, let to = destination.baseAddress else { return }
        var keyBytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var pattern: UInt64 = 0
        withUnsafeMutableBytes(of: &keyBytes) { bytes in
            for index in 0..<4 { bytes[index] = key[(index + keyOffset) & 3] }
        }
        withUnsafeMutableBytes(of: &pattern) { bytes in
            withUnsafeBytes(of: keyBytes) { keyBytes in
                for index in 0..<8 { bytes[index] = keyBytes[index & 3] }
            }
        }
        var index = 0
        while index &+ 8 <= count {
            let word = from.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            to.storeBytes(of: word ^ pattern, toByteOffset: index, as: UInt64.self)
            index &+= 8
        }
        withUnsafeBytes(of: keyBytes) { keyBytes in
            while index < count {
                let byte = from.load(fromByteOffset: index, as: UInt8.self)
                to.storeBytes(of: byte ^ keyBytes[index & 3], toByteOffset: index, as: UInt8.self)
                index &+= 1
            }
        }
    }
}

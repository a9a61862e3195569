import NIOCore

/// What the line decoder hands to the connection.
enum ControlInboundFrame: Sendable {
    /// One request line, without its newline (a trailing CR is removed too).
    case line(ByteBuffer)
    /// A line grew past the limit; everything after it is discarded and the connection should close.
    case oversized
}

/// Splits the byte stream into newline-terminated lines of at most `maximumLineBytes`.
///
/// Blank lines are skipped. A line longer than the limit yields `.oversized` once, as soon as the limit
/// is passed (without waiting for its newline), and then everything else is discarded: the
/// connection is about to be closed. A partial line left at end of input is delivered as a line, so
/// `printf '{"command":"status"}' | nc -U` works.
struct ControlLineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ControlInboundFrame

    let maximumLineBytes: Int
    /// Bytes of the current partial line already searched for a newline (not searched again).
    private var scannedBytes = 0
    private var hasOverflowed = false

    init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if hasOverflowed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let readable = buffer.readableBytesView
        let searchStart = readable.index(readable.startIndex, offsetBy: scannedBytes)
        guard let newline = readable[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            scannedBytes = readable.count
            if readable.count > maximumLineBytes {
                overflow(context: context, buffer: &buffer)
            }
            return .needMoreData
        }
        let length = readable.distance(from: readable.startIndex, to: newline)
        scannedBytes = 0
        if length > maximumLineBytes {
            overflow(context: context, buffer: &buffer)
            return .needMoreData
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        deliver(&line, context: context)
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !hasOverflowed, buffer.readableBytes > 0 {
            var line = buffer.readSlice(length: buffer.readableBytes)!
            deliver(&line, context: context)
        }
        scannedBytes = 0
        return .needMoreData
    }

    private func deliver(_ line: inout ByteBuffer, context: ChannelHandlerContext) {
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        guard line.readableBytesView.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else {
            return
        }
        context.fireChannelRead(wrapInboundOut(.line(line)))
    }

    private mutating func overflow(context: ChannelHandlerContext, buffer: inout ByteBuffer) {
        hasOverflowed = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(wrapInboundOut(.oversized))
    }
}

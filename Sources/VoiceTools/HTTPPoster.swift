#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import VoiceCore

/// Sends a tool call's arguments as a JSON HTTP POST (e.g. a Home Assistant webhook) and returns the response
/// body as the call's output.
///
/// A small HTTP/1.1 client over NIO: one connection per call (`Connection: close`), TLS with the system's
/// trust roots for https://, no redirects. The whole exchange has one deadline; a response body over the
/// limit fails the call instead of being buffered.
public struct HTTPPoster: Sendable {
    private let group: any EventLoopGroup

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    public func post(_ action: HTTPPostAction, body: String) async -> ToolResult {
        guard let target = Target(action.url) else {
            return .failure("the tool's URL \(action.url) is not a valid http:// or https:// URL")
        }
        do {
            let response = try await exchange(action, target: target, body: Array(body.utf8))
            let text = String(decoding: response.body, as: UTF8.self).trimmedWhitespace
            guard (200..<300).contains(response.status) else {
                let detail = text.isEmpty ? "" : ": \(text.prefix(300))"
                return .failure("\(target.host) answered HTTP \(response.status)\(detail)")
            }
            return ToolResult(output: text.isEmpty ? #"{"ok":true}"# : text)
        } catch let error as HTTPPostError {
            return .failure(error.describe(action: action, host: target.host))
        } catch {
            return .failure("POST to \(target.host) failed: \(error)")
        }
    }

    struct Target {
        var tls: Bool
        var host: String
        var port: Int
        var pathAndQuery: String

        init?(_ text: String) {
            guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
            else { return nil }
            tls = scheme == "https"
            self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            port = components.port ?? (tls ? 443 : 80)
            let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            pathAndQuery = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        }

        var hostHeader: String {
            let name = host.contains(":") ? "[\(host)]" : host
            return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
        }
    }

    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    private func exchange(_ action: HTTPPostAction, target: Target, body: [UInt8]) async throws -> Response {
        let timeout = TimeAmount.milliseconds(Int64(action.timeoutMs))
        let sslContext = target.tls ? try Self.sslContext() : nil
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: Response.self)
        let limit = action.maximumResponseBytes
        let isAddress = target.host.contains(":") || target.host.allSatisfy { $0.isNumber || $0 == "." }
        let host = target.host
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let handler = try NIOSSLClientHandler(
                            context: sslContext, serverHostname: isAddress ? nil : host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, limit: limit))
                }
            }
        let deadline = eventLoop.scheduleTask(in: timeout) { promise.fail(HTTPPostError.timedOut) }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            promise.fail(error)
            throw HTTPPostError.cannotConnect("\(error)")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "User-Agent", value: "voiced")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json, text/plain;q=0.9, */*;q=0.5")
        for (name, value) in action.headers.sorted(by: { $0.key < $1.key }) {
            headers.replaceOrAdd(name: name, value: value)
        }
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        headers.replaceOrAdd(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.pathAndQuery, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            let response = try await promise.futureResult.get()
            channel.close(promise: nil)
            return response
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static let sharedSSLContext: Result<NIOSSLContext, any Error> = Result {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }

    private static func sslContext() throws -> NIOSSLContext { try sharedSSLContext.get() }
}

enum HTTPPostError: Error {
    case timedOut
    case cannotConnect(String)
    case responseTooLarge
    case closedEarly

    func describe(action: HTTPPostAction, host: String) -> String {
        switch self {
        case .timedOut: "\(host) did not answer within \(action.timeoutMs) ms"
        case .cannotConnect(let reason): "cannot connect to \(host): \(reason)"
        case .responseTooLarge: "the response from \(host) is larger than \(action.maximumResponseBytes) bytes"
        case .closedEarly: "\(host) closed the connection before a complete response"
        }
    }
}

/// Collects one HTTP response, up to a size limit. The deadline may fail the same promise; whichever comes
/// first wins (NIO ignores completing a completed promise).
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPPoster.Response>
    private let limit: Int
    private var status = 0
    private var body: [UInt8] = []
    private var finished = false

    init(promise: EventLoopPromise<HTTPPoster.Response>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            body.append(contentsOf: buffer.readableBytesView)
            if body.count > limit { finish(.failure(HTTPPostError.responseTooLarge), context: context) }
        case .end:
            finish(.success(HTTPPoster.Response(status: status, body: body)), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(HTTPPostError.closedEarly), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(HTTPPostError.cannotConnect("\(error)")), context: context)
    }

    private func finish(_ result: Result<HTTPPoster.Response, any Error>, context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        promise.completeWith(result)
        context.close(promise: nil)
    }
}

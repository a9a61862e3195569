import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing
import VoiceCore
import VoiceTestSupport
import VoiceTools

#if canImport(Glibc)
import Glibc
#endif

@Suite("Configured tools: programs and HTTP POST", .serialized)
struct ToolRunnerTests {
    /// A temporary directory with executable scripts, removed at deinit.
    final class Scripts {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "voiced-tools-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }

        func script(_ name: String, _ body: String) throws -> String {
            // O_CLOEXEC: a program another test spawns at this moment must not inherit the write end, or
            // executing this script fails with ETXTBSY ("text file busy").
            let path = directory.appendingPathComponent(name).path
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
            let bytes = Array(("#!/bin/sh\n" + body + "\n").utf8)
            let written = write(descriptor, bytes, bytes.count)
            close(descriptor)
            guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
            return path
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    }

    @Test("a program gets the arguments on standard input and its argv; its output is the result")
    func programArguments() async throws {
        let scripts = try Scripts()
        let received = scripts.path("received.json")
        let program = try scripts.script(
            "lights",
            #"cat > "$1"; printf '{"tool":"%s","argc":%d,"second":"%s"}' "$VOICED_TOOL" "$#" "$2""#
        )
        let arguments = #"{"room": "kitchen", "on": true, "quote": "it's \"fine\""}"#
        let result = await ProgramRunner.run(
            ProgramAction(argv: [program, received, "two words; $(not a shell)"]), toolName: "lights",
            arguments: arguments
        )
        #expect(result.succeeded, "\(result)")
        #expect(result.output == #"{"tool":"lights","argc":2,"second":"two words; $(not a shell)"}"#)
        #expect(try String(contentsOfFile: received, encoding: .utf8) == arguments)
    }

    @Test("/bin/cat echoes the arguments back")
    func cat() async {
        let result = await ProgramRunner.run(
            ProgramAction(argv: ["/bin/cat"]), toolName: "echo", arguments: #"{"a":[1,2]}"#)
        #expect(result == ToolResult(output: #"{"a":[1,2]}"#))
    }

    @Test("the daemon's environment (API key) is not passed on")
    func environment() async throws {
        let scripts = try Scripts()
        let program = try scripts.script("env", "env | cut -d= -f1 | sort | tr '\\n' ' '")
        let result = await ProgramRunner.run(ProgramAction(argv: [program]), toolName: "env", arguments: "{}")
        let names = Set(result.output.split(separator: " ").map(String.init))
        #expect(names.isSubset(of: ["PATH", "LANG", "HOME", "VOICED_TOOL", "PWD", "SHLVL", "_", "OLDPWD"]), "\(names)")
        #expect(names.contains("VOICED_TOOL"))
    }

    @Test("a hanging program is stopped at the timeout, with the children it started")
    func timeout() async throws {
        let scripts = try Scripts()
        let childFile = scripts.path("child.pid")
        let program = try scripts.script("hang", #"sleep 60 & echo $! > "$1"; sleep 60"#)
        let started = ContinuousClock.now
        let result = await ProgramRunner.run(
            ProgramAction(argv: [program, childFile], timeoutMs: 300), toolName: "hang", arguments: "{}"
        )
        #expect(result.failure?.contains("did not finish within 300 ms") == true, "\(result)")
        #expect(ContinuousClock.now - started < .seconds(30))
        let childText = try String(contentsOfFile: childFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let child = try #require(Int32(childText))
        #expect(await waitUntil { !isRunning(child) }, "the background child \(child) survived")
    }

    @Test("a program flooding its output is cut at the limit and stopped")
    func flood() async throws {
        let result = await ProgramRunner.run(
            ProgramAction(argv: ["/usr/bin/yes", "flood"], timeoutMs: 20_000, maximumOutputBytes: 10_000),
            toolName: "flood", arguments: "{}"
        )
        #expect(result.failure?.contains("more than 10000 bytes") == true, "\(result)")
    }

    @Test("a nonzero exit is an error output with what the program said on standard error")
    func nonzeroExit() async throws {
        let scripts = try Scripts()
        let program = try scripts.script("fail", "cat > /dev/null; echo 'no such light: attic' >&2; exit 3")
        let result = await ProgramRunner.run(ProgramAction(argv: [program]), toolName: "fail", arguments: "{}")
        #expect(result.failure?.contains("exited with status 3: no such light: attic") == true, "\(result)")
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(result.output.utf8))
        #expect(decoded["error"] == result.failure)
    }

    @Test("a program that ignores a large input, and a missing program, do not hurt the daemon")
    func ignoredInputAndMissingProgram() async {
        let big = #"{"x":""# + String(repeating: "a", count: 2_000_000) + #""}"#
        let ignored = await ProgramRunner.run(ProgramAction(argv: ["/bin/true"]), toolName: "true", arguments: big)
        #expect(ignored == ToolResult(output: #"{"ok":true}"#))
        let missing = await ProgramRunner.run(
            ProgramAction(argv: ["/nonexistent/tool"]), toolName: "x", arguments: "{}")
        #expect(missing.failure?.contains("cannot start /nonexistent/tool") == true, "\(missing)")
    }

    @Test("HTTP POST sends the arguments as JSON with the configured headers")
    func httpPost() async throws {
        let server = try await LoopbackHTTPServer.start(reply: .ok(#"{"done":true}"#))
        defer { server.stop() }
        let arguments = #"{"entity":"light.kitchen","on":true}"#
        let action = HTTPPostAction(
            url: "http://127.0.0.1:\(server.port)/api/webhook/kitchen?x=1", headers: ["Authorization": "Bearer t0k"]
        )
        let result = await HTTPPoster().post(action, body: arguments)
        #expect(result == ToolResult(output: #"{"done":true}"#))
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.uri == "/api/webhook/kitchen?x=1")
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["authorization"] == "Bearer t0k")
        #expect(request.body == arguments)
    }

    @Test("HTTP errors, a silent server and an oversized response become error outputs")
    func httpFailures() async throws {
        let failing = try await LoopbackHTTPServer.start(reply: .status(500, "boom"))
        defer { failing.stop() }
        let error = await HTTPPoster().post(HTTPPostAction(url: "http://127.0.0.1:\(failing.port)/"), body: "{}")
        #expect(error.failure == "127.0.0.1 answered HTTP 500: boom")

        let silent = try await LoopbackHTTPServer.start(reply: .never)
        defer { silent.stop() }
        let timedOut = await HTTPPoster().post(
            HTTPPostAction(url: "http://127.0.0.1:\(silent.port)/", timeoutMs: 300), body: "{}")
        #expect(timedOut.failure == "127.0.0.1 did not answer within 300 ms")

        let huge = try await LoopbackHTTPServer.start(reply: .ok(String(repeating: "x", count: 100_000)))
        defer { huge.stop() }
        let tooLarge = await HTTPPoster().post(
            HTTPPostAction(url: "http://127.0.0.1:\(huge.port)/", maximumResponseBytes: 1_000), body: "{}"
        )
        #expect(tooLarge.failure == "the response from 127.0.0.1 is larger than 1000 bytes")

        let refused = await HTTPPoster().post(HTTPPostAction(url: "http://127.0.0.1:1/"), body: "{}")
        #expect(refused.failure?.hasPrefix("cannot connect to 127.0.0.1") == true, "\(refused)")
    }
}

/// Whether a process exists and is not a zombie.
func isRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
}

/// Waits for a condition for at most `timeout`, checking every 10 ms.
func waitUntil(timeout: Duration = mustHappenWithin, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// A one-route HTTP/1.1 server on 127.0.0.1 that records requests and answers as told.
final class LoopbackHTTPServer: Sendable {
    enum Reply: Sendable {
        case ok(String)
        case status(Int, String)
        case never
    }

    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: String
    }

    let port: Int
    private let channel: any Channel
    private let recorded: Mutex<[Request]>

    var requests: [Request] { recorded.withLock { $0 } }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.recorded = Mutex([])
    }

    static func start(reply: Reply) async throws -> LoopbackHTTPServer {
        let box = RequestBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(reply: reply, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = LoopbackHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() { channel.close(promise: nil) }

    fileprivate func record(_ request: Request) { recorded.withLock { $0.append(request) } }

    fileprivate final class RequestBox: Sendable {
        let server = Mutex<LoopbackHTTPServer?>(nil)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let reply: Reply
        let box: RequestBox
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(reply: Reply, box: RequestBox) {
            self.reply = reply
            self.box = box
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body(let buffer): body.append(contentsOf: buffer.readableBytesView)
            case .end:
                guard let head else { return }
                var headers: [String: String] = [:]
                for (name, value) in head.headers { headers[name.lowercased()] = value }
                let request = Request(
                    method: head.method.rawValue, uri: head.uri, headers: headers,
                    body: String(decoding: body, as: UTF8.self)
                )
                box.server.withLock { $0?.record(request) }
                let (status, text): (Int, String)
                switch reply {
                case .never: return
                case .ok(let text2): (status, text) = (200, text2)
                case .status(let code, let text2): (status, text) = (code, text2)
                }
                var responseHeaders = HTTPHeaders()
                responseHeaders.add(name: "Content-Length", value: String(text.utf8.count))
                responseHeaders.add(name: "Connection", value: "close")
                let responseHead = HTTPResponseHead(
                    version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: responseHeaders
                )
                context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                // The client closes after the response (it asks for `Connection: close`).
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}

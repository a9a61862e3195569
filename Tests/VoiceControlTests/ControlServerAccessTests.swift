import Foundation
import Testing
import VoiceControl
import VoiceControlServer
import VoiceCore
import VoiceTestSupport

/// Who may connect, and what happens to the socket file.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ControlServerAccessTests {
    static func connectOutcome(_ server: RunningServer) async throws -> ControlClientError? {
        let path = server.path
        return try await blockingCall { () -> ControlClientError? in
            do {
                let client = try ControlClient(socketPath: path)
                _ = try client.send(.status)
                return nil
            } catch let error as ControlClientError {
                return error
            }
        }
    }

    @Test func aCallerOutsideTheAllowedSetIsRefused() async throws {
        // Root and the daemon's own user are normally always allowed; without that, the test process
        // (which is the daemon's user) is outside the set.
        try await withControlServer(
            allowRootAndDaemonUser: false,
            configure: {
                $0.allowedUsers = []
                $0.allowedGroups = []
            }
        ) { server in
            let outcome = try await Self.connectOutcome(server)
            guard case .refused(let refusal)? = outcome else {
                Issue.record("expected a refusal, got \(String(describing: outcome))")
                return
            }
            #expect(refusal.code == .notPermitted)
            #expect(refusal.message.contains("may not use the voiced control socket"))
            #expect(server.handler.receivedCommands.isEmpty)
        }
    }

    @Test func anAllowedUserIsServed() async throws {
        try await withControlServer(
            allowRootAndDaemonUser: false,
            configure: {
                $0.allowedUsers = [String(getuid())]
            }
        ) { server in
            let outcome = try await Self.connectOutcome(server)
            #expect(outcome == nil)
        }
    }

    @Test func aMemberOfAnAllowedGroupIsServed() async throws {
        try await withControlServer(
            allowRootAndDaemonUser: false,
            configure: {
                $0.allowedGroups = [String(getgid())]
            }
        ) { server in
            let outcome = try await Self.connectOutcome(server)
            #expect(outcome == nil)
        }
    }

    /// The real thing: another user (nobody), through a world-writable socket so that only the
    /// SO_PEERCRED check stands in the way. Needs root to switch user.
    @Test(.enabled(if: canRunAsNobody(), "needs root, setpriv and /usr/bin/python3"))
    func anotherUserIsRefusedByPeerCredentials() async throws {
        try await withControlServer(configure: { $0.socketMode = "0666" }) { server in
            chmod(server.directory.path, 0o755)
            let script = """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sys.argv[1])
                print(s.makefile().readline().strip())
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, server.path,
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = try await blockingCall { output.fileHandleForReading.readDataToEndOfFile() }
            process.waitUntilExit()
            let line = String(decoding: data, as: UTF8.self)
            #expect(process.terminationStatus == 0)
            #expect(line.contains("\"not_permitted\""), "got: \(line)")
            #expect(line.contains("nobody") || line.contains("65534"))
        }
    }

    @Test func policyAllowsListedUsersAndGroupMembersOnly() {
        let policy = ControlAccessPolicy(allowedUserIDs: [0, 1000], allowedGroupIDs: [990])
        #expect(policy.permits(uid: 0, groups: [0]))
        #expect(policy.permits(uid: 1000, groups: [1000]))
        #expect(policy.permits(uid: 1001, groups: [1001, 990]))
        #expect(!policy.permits(uid: 1001, groups: [1001, 27]))
    }

    @Test func resolvingAddsRootAndTheDaemonAndWarnsAboutUnknownNames() {
        var settings = ControlSettings()
        settings.allowedUsers = ["root", "no-such-user-voiced-test"]
        settings.allowedGroups = ["0", "no-such-group-voiced-test"]
        let (policy, warnings) = ControlAccessPolicy.resolve(settings, daemonUserID: 4242)
        #expect(policy.allowedUserIDs == [0, 4242])
        #expect(policy.allowedGroupIDs == [0])
        #expect(warnings.count == 2)
        #expect(warnings.allSatisfy { $0.contains("no-such-") })
    }

    // MARK: - The socket file

    static func failure(runningAt path: String) async -> String? {
        var settings = ControlSettings()
        settings.socketPath = path
        settings.socketGroup = ""
        let server = ControlServer(
            configuration: .init(settings: settings, daemonVersion: "test"), handler: FakeControlHandler())
        do {
            // These cases fail before listening, so run() returns at once.
            try await server.run()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aStaleSocketFileIsReplaced() async throws {
        try await withControlServer(beforeStart: { path in
            let descriptor = try boundUnixSocket(path: path, listen: false)
            close(descriptor)
        }) { server in
            let outcome = try await Self.connectOutcome(server)
            #expect(outcome == nil)
        }
    }

    @Test func aLiveSocketIsLeftAloneAndReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("control.sock")
        let descriptor = try boundUnixSocket(path: path, listen: true)
        defer { close(descriptor) }
        let failure = await Self.failure(runningAt: path)
        #expect(failure?.contains("another process") == true, "got \(String(describing: failure))")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aFileThatIsNotASocketIsLeftAloneAndReported() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("control.sock")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))
        let failure = await Self.failure(runningAt: path)
        #expect(failure?.contains("is not a socket") == true, "got \(String(describing: failure))")
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }

    @Test func aMissingDirectoryIsExplained() async throws {
        let failure = await Self.failure(runningAt: "/tmp/voiced-no-such-dir-\(getpid())/control.sock")
        #expect(failure?.contains("does not exist") == true, "got \(String(describing: failure))")
    }

    @Test func invalidSettingsAreRefusedBeforeBinding() async throws {
        let failure = await Self.failure(runningAt: "/tmp/" + String(repeating: "x", count: 120))
        #expect(failure?.contains("at most 107 bytes") == true, "got \(String(describing: failure))")
    }
}

/// True when this process may start another as user nobody (root, setpriv, python3 present and allowed).
func canRunAsNobody() -> Bool {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    else { return false }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    probe.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", "pass"]
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}

/// A Unix stream socket bound at `path` (and listening when asked); the caller closes it.
func boundUnixSocket(path: String, listen shouldListen: Bool) throws -> Int32 {
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard descriptor >= 0, bound == 0, !shouldListen || listen(descriptor, 4) == 0 else {
        throw POSIXError(.EADDRINUSE)
    }
    return descriptor
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import VoiceCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a configured program for a tool call: `argv` through `posix_spawn` (never a shell), the call's
/// arguments as JSON on standard input, standard output as the result.
///
/// The program gets its own process group, default signal handling, an empty signal mask and a small fixed
/// environment (`PATH`, `LANG`, `HOME`, `VOICED_TOOL`): never the daemon's, which holds the API key.
/// Limits: after `timeoutMs`, or once standard output passes `maxOutputBytes`, the whole process group is
/// killed and the call fails. Standard error is kept (its first 4 KiB) only to explain a nonzero exit.
/// The blocking I/O runs on a dedicated thread per call, never on the concurrency pool.
public enum ProgramRunner {
    /// Standard error kept for the error message.
    static let standardErrorLimit = 4_096

    public static func run(_ action: ProgramAction, toolName: String, arguments: String) async -> ToolResult {
        ignoreBrokenPipes
        return await withCheckedContinuation { continuation in
            let started = startDetachedThread {
                continuation.resume(returning: runBlocking(action, toolName: toolName, input: Array(arguments.utf8)))
            }
            if !started {
                continuation.resume(returning: .failure("cannot start a thread for the tool: \(errorText(errno))"))
            }
        }
    }

    /// A program that exits without reading its input must not kill the daemon with SIGPIPE: writes to its
    /// pipe fail with EPIPE instead. (NIO's sockets already avoid SIGPIPE per call; pipes cannot.)
    private static let ignoreBrokenPipes: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()

    static func runBlocking(_ action: ProgramAction, toolName: String, input: [UInt8]) -> ToolResult {
        guard let path = action.argv.first, path.hasPrefix("/") else {
            return .failure("the tool's program must be an absolute path")
        }
        var stdinPipe: [Int32] = [-1, -1]
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard makePipe(&stdinPipe) else { return .failure("cannot create a pipe: \(errorText(errno))") }
        guard makePipe(&stdoutPipe) else {
            closeAll(stdinPipe)
            return .failure("cannot create a pipe: \(errorText(errno))")
        }
        guard makePipe(&stderrPipe) else {
            closeAll(stdinPipe + stdoutPipe)
            return .failure("cannot create a pipe: \(errorText(errno))")
        }

        let spawned = spawn(
            path: path, argv: action.argv, toolName: toolName,
            stdin: stdinPipe[0], stdout: stdoutPipe[1], stderr: stderrPipe[1]
        )
        closeAll([stdinPipe[0], stdoutPipe[1], stderrPipe[1]])
        // `exchange` closes standard input itself, as soon as it is written.
        defer { closeAll([stdoutPipe[0], stderrPipe[0]]) }
        let pid: pid_t
        switch spawned {
        case .failure(let error):
            close(stdinPipe[1])
            return .failure("cannot start \(path): \(errorText(error.code))")
        case .success(let child): pid = child
        }
        for descriptor in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }

        let io = exchange(
            pid: pid, input: input, stdin: stdinPipe[1], stdout: stdoutPipe[0], stderr: stderrPipe[0],
            timeout: .milliseconds(action.timeoutMs), outputLimit: action.maximumOutputBytes
        )
        switch io.end {
        case .timedOut:
            return .failure("the program \(path) did not finish within \(action.timeoutMs) ms and was stopped")
        case .outputTooLarge:
            return .failure(
                "the program \(path) wrote more than \(action.maximumOutputBytes) bytes of output and was stopped"
            )
        case .exited(let status):
            if status == 0 {
                let text = String(decoding: io.output, as: UTF8.self).trimmedWhitespace
                return ToolResult(output: text.isEmpty ? #"{"ok":true}"# : text)
            }
            let detail = String(decoding: io.errorOutput, as: UTF8.self).trimmedWhitespace
            let suffix = detail.isEmpty ? "" : ": \(detail.prefix(500))"
            return .failure("the program \(path) exited with status \(status)\(suffix)")
        case .signaled(let signal):
            return .failure("the program \(path) was killed by signal \(signal)")
        }
    }

    private static func spawn(
        path: String, argv: [String], toolName: String, stdin: Int32, stdout: Int32, stderr: Int32
    ) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group (so a timeout kills its children too), default signal dispositions and an empty
        // mask: the daemon ignores SIGPIPE and its service group handles SIGTERM/SIGINT.
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)

        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/"
        let environment = [
            "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=\(home)", "VOICED_TOOL=\(toolName)",
        ]
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, &actions, &attributes, cArguments, cEnvironment)
        return code == 0 ? .success(pid) : .failure(SpawnError(code: code))
    }

    struct SpawnError: Error {
        var code: Int32
    }

    /// A pipe whose ends are closed on exec, so no other child inherits them. (`pipe2` is not visible from
    /// Swift; the short window between `pipe` and `fcntl` only matters to a concurrent spawn elsewhere.)
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        for descriptor in ends { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return true
    }

    enum End: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        case outputTooLarge
    }

    struct Exchange {
        var end: End
        var output: [UInt8]
        var errorOutput: [UInt8]
    }

    /// Feeds standard input, drains standard output and error, and reaps the child, within the deadline.
    private static func exchange(
        pid: pid_t, input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32, timeout: Duration, outputLimit: Int
    ) -> Exchange {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var output: [UInt8] = []
        var errorOutput: [UInt8] = []
        var written = 0
        var stdinOpen = true
        var stdoutOpen = true
        var stderrOpen = true
        var exitStatus: Int32?
        var exitedAt: ContinuousClock.Instant?
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var end: End?

        if input.isEmpty {
            stdinOpen = false
            close(stdin)
        }
        while end == nil {
            if exitStatus == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    exitStatus = status
                    exitedAt = clock.now
                }
            }
            if let status = exitStatus {
                // Done once the pipes reach end of file; a background child still holding them gets 100 ms.
                if (!stdoutOpen && !stderrOpen) || clock.now - exitedAt! > .milliseconds(100) {
                    end = decode(status)
                    break
                }
            }
            let remaining = deadline - clock.now
            if remaining <= .zero {
                end = .timedOut
                break
            }
            var descriptors: [pollfd] = []
            if stdinOpen { descriptors.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            if stdoutOpen { descriptors.append(pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)) }
            if stderrOpen { descriptors.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
            // Wake at least every 20 ms to notice the child's exit (there is no portable pollable pid).
            let waitMilliseconds: Int32 = remaining < .milliseconds(20) ? 1 : 20
            _ = poll(&descriptors, nfds_t(descriptors.count), waitMilliseconds)

            if stdinOpen {
                let count = input.withUnsafeBytes { bytes in
                    write(stdin, bytes.baseAddress! + written, min(65_536, input.count - written))
                }
                if count > 0 {
                    written += count
                } else if count < 0 && errno != EAGAIN && errno != EINTR {
                    written = input.count  // EPIPE: the program does not read its input; fine.
                }
                if written >= input.count {
                    stdinOpen = false
                    close(stdin)
                }
            }
            while stdoutOpen {
                let count = read(stdout, &chunk, chunk.count)
                if count > 0 {
                    output.append(contentsOf: chunk[0..<count])
                    if output.count > outputLimit {
                        end = .outputTooLarge
                        break
                    }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    stdoutOpen = false
                } else {
                    break
                }
            }
            while stderrOpen && end == nil {
                let count = read(stderr, &chunk, chunk.count)
                if count > 0 {
                    let room = max(0, standardErrorLimit - errorOutput.count)
                    errorOutput.append(contentsOf: chunk[0..<min(count, room)])
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    stderrOpen = false
                } else {
                    break
                }
            }
        }
        if exitStatus == nil || end == .timedOut || end == .outputTooLarge {
            // The program (and anything it started) is stopped for good, then reaped.
            kill(-pid, SIGKILL)
            if exitStatus == nil {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
        if stdinOpen { close(stdin) }
        return Exchange(end: end ?? .timedOut, output: output, errorOutput: errorOutput)
    }

    private static func decode(_ status: Int32) -> End {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    private static func closeAll(_ descriptors: [Int32]) {
        for descriptor in descriptors where descriptor >= 0 { close(descriptor) }
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

import Logging
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Unmaps the daemon's startup-only code once it is running, so resident memory is what listening
/// actually uses (issue 9; BENCHMARKS.md, "What changed").
///
/// Start-up (argument parsing, config decoding, the runtime's first type lookups, NIO and TLS set-up)
/// touches code all over the executable, and the kernel maps 64 KB around every page fault of a
/// cached file, so ~13 MB of the binary stayed mapped although listening idle touches ~1 MB of it.
/// `madvise(MADV_DONTNEED)` on the executable's read-only, never-written mappings drops those page
/// table entries: the pages stay in the page cache (shared, clean), and whatever code runs again
/// faults back in from there (a minor fault, no disk read). Mappings with any anonymous page
/// (relocated data, copied on write) are never touched, so nothing the process wrote is lost.
public enum StartupCodeTrimmer {
    /// What one pass did.
    public struct Outcome: Sendable, Equatable {
        /// Resident kB of the mappings released.
        public var releasedKilobytes: Int
        public var mappings: Int
    }

    /// Releases the clean read-only mappings of this process's own executable and of the shared
    /// libraries it loaded (libc, libstdc++, libasound, …: their start-up code too, such as ALSA's
    /// configuration parser). Linux only; elsewhere (or without /proc) it does nothing.
    @discardableResult
    public static func trimExecutable() -> Outcome {
        #if os(Linux)
        guard let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8),
            let executable = executablePath()
        else { return Outcome(releasedKilobytes: 0, mappings: 0) }
        var outcome = Outcome(releasedKilobytes: 0, mappings: 0)
        for mapping in cleanReadOnlyMappings(smaps: smaps, executable: executable) {
            guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(start, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                outcome.releasedKilobytes += mapping.residentKilobytes
                outcome.mappings += 1
            }
        }
        return outcome
        #else
        return Outcome(releasedKilobytes: 0, mappings: 0)
        #endif
    }

    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
        var residentKilobytes: Int
    }

    /// The mappings of `executable` in `/proc/self/smaps` text that are readable, not writable, and
    /// hold no anonymous (copied-on-write) page: pure file contents, safe to drop and fault back in.
    static func cleanReadOnlyMappings(smaps: String, executable: String, includeLibraries: Bool = true) -> [Mapping] {
        var result: [Mapping] = []
        var current: Mapping?
        var clean = false
        func finish() {
            if let current, clean { result.append(current) }
            current = nil
        }
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5, !first.hasSuffix(":") {
                finish()
                let bounds = first.split(separator: "-")
                let permissions = fields[1]
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                    path == executable || (includeLibraries && isSharedLibrary(path)),
                    permissions.hasPrefix("r"), !permissions.contains("w")
                else { continue }
                current = Mapping(start: start, end: end, residentKilobytes: 0)
                clean = true
            } else if current != nil, fields.count >= 2, let value = Int(fields[1]) {
                switch first {
                case "Rss:": current?.residentKilobytes = value
                // A page the process wrote is an anonymous copy (relocated data); dirty page-cache
                // pages of a freshly written file are not ours and are safe to unmap.
                case "Anonymous:", "Swap:": if value > 0 { clean = false }
                default: break
                }
            }
        }
        finish()
        return result
    }

    /// A shared object from a file system (not a device or a memory file): `/usr/lib/…/libc.so.6`.
    static func isSharedLibrary(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.hasPrefix("/dev/") && !path.hasSuffix(" (deleted)")
            && (path.hasSuffix(".so") || path.contains(".so."))
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Runs ``StartupCodeTrimmer`` a few seconds after start (start-up and the first connection are
/// done by then) and once more later (a slow first connection, a TLS handshake); sleeps otherwise,
/// so it costs no wake-ups. `VOICED_TRIM_CODE=0` turns it off (e.g. under a debugger).
struct StartupCodeTrimService: Service {
    var delays: [Duration] = [.seconds(2), .seconds(30)]
    let logger: Logger
    /// Told after each pass (tests).
    var onTrim: (@Sendable (StartupCodeTrimmer.Outcome) -> Void)? = nil

    func run() async throws {
        for delay in delays {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            let outcome = StartupCodeTrimmer.trimExecutable()
            logger.debug(
                "released \(outcome.releasedKilobytes) kB of start-up code pages (\(outcome.mappings) mappings)")
            onTrim?(outcome)
        }
        // A service that returns early stops the whole ServiceGroup: stay until shutdown.
        try? await gracefulShutdown()
    }
}

import Logging
import ServiceLifecycle
import Synchronization
import VoiceControl
import VoiceCore

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
///
/// What faults back in is the code listening runs, ~1 MB of distinct pages scattered over 24 MB of text;
/// with the kernel's 64 KB fault-around that became 6–7 MB again within a minute. The kernel never maps
/// around a fault beyond the mapping (VMA) that faulted, so the first pass also splits each released
/// mapping into VMAs of `faultChunkBytes` (8 KB by default) by setting `MADV_DONTDUMP` on every other
/// chunk — a flag that only keeps those pages out of a core dump, where file-backed code is not written
/// by default anyway. A fault then maps at most one chunk. The cost is kernel memory for the extra VMAs
/// (~200 bytes each: ~0.9 MB for 8 KB chunks over ~33 MB of mappings), not counted in VmRSS, and a few
/// hundred more minor faults when a turn first runs code after idle.
public enum StartupCodeTrimmer {
    /// What one pass did.
    public struct Outcome: Sendable, Equatable {
        /// Resident kB of the mappings released (0 on a repeat pass, which does not read smaps).
        public var releasedKilobytes: Int
        public var mappings: Int
        /// Chunks marked to split mappings into VMAs of the fault chunk size (0 once split).
        public var splitChunks: Int = 0
        /// The address ranges released: a later pass releases them again without reading
        /// `/proc/self/smaps`, which, once the mappings are split, is megabytes long and costs ~0.4 s of CPU.
        public var ranges: [ReleasedRange] = []
    }

    /// A released address range and the file mapped there, so a later pass can check that the same
    /// file is still mapped read-only at those addresses before releasing them again.
    public struct ReleasedRange: Sendable, Equatable {
        public var addresses: Range<UInt>
        public var path: String
    }

    /// Releases the clean read-only mappings of this process's own executable and of the shared
    /// libraries it loaded (libc, libstdc++, libasound, …: their start-up code too, such as ALSA's
    /// configuration parser). Linux only; elsewhere (or without /proc) it does nothing.
    /// - Parameters:
    ///   - faultChunkBytes: when > 0 (a multiple of the page size), first split each of those
    ///     mappings into VMAs of this size, so a later page fault maps at most this much around it.
    ///   - again: the ``Outcome/ranges`` of an earlier pass: release those instead of finding them in
    ///     smaps, each only if `/proc/self/maps` (cheap: no page walk) still shows the same file mapped
    ///     read-only over the whole range. A library unloaded since (an ALSA plugin closed with its
    ///     device) may have left its addresses to memory the process writes, which `MADV_DONTNEED`
    ///     would zero.
    @discardableResult
    public static func trimExecutable(faultChunkBytes: Int = 0, again: [ReleasedRange]? = nil) -> Outcome {
        #if os(Linux)
        if let again {
            // Thousands of lines once the mappings are split: parsed in place, a String per file only.
            var current = ReadOnlyMappingCollector()
            guard forEachLineBytes(ofFile: "/proc/self/maps", { current.add(line: $0) }) else {
                return Outcome(releasedKilobytes: 0, mappings: 0)
            }
            var outcome = Outcome(releasedKilobytes: 0, mappings: 0)
            for range in stillMapped(again, current: current.mappings) {
                if let start = UnsafeMutableRawPointer(bitPattern: range.addresses.lowerBound),
                    madvise(start, Int(range.addresses.upperBound - range.addresses.lowerBound), MADV_DONTNEED) == 0
                {
                    outcome.mappings += 1
                    outcome.ranges.append(range)
                }
            }
            return outcome
        }
        guard let executable = executablePath() else { return Outcome(releasedKilobytes: 0, mappings: 0) }
        var scanner = SmapsScanner(executable: executable)
        guard forEachLine(ofFile: "/proc/self/smaps", { scanner.consume($0) }) else {
            return Outcome(releasedKilobytes: 0, mappings: 0)
        }
        var outcome = Outcome(releasedKilobytes: 0, mappings: 0)
        for mapping in scanner.finish() {
            guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            outcome.splitChunks += splitIntoFaultChunks(
                start: mapping.start, end: mapping.end, chunkBytes: faultChunkBytes)
            if madvise(start, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                outcome.releasedKilobytes += mapping.residentKilobytes
                outcome.mappings += 1
                outcome.ranges.append(ReleasedRange(addresses: mapping.start..<mapping.end, path: mapping.path))
            }
        }
        return outcome
        #else
        return Outcome(releasedKilobytes: 0, mappings: 0)
        #endif
    }

    public static var systemPageSize: Int {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        return max(1, sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 4096
        #endif
    }

    /// 8 KB: idle's code then stays at ~1.6 MB resident instead of 6–7 MB (BENCHMARKS.md, issue 9).
    static let defaultFaultChunkBytes = 8 * 1024

    /// The fault chunk from `VOICED_FAULT_CHUNK_KB` (kB; 0 turns splitting off), rounded up to whole pages;
    /// the default when unset or not a number.
    public static func faultChunkBytes(environment value: String?, pageSize: Int = systemPageSize) -> Int {
        guard let value, let kilobytes = Int(value), kilobytes >= 0 else { return defaultFaultChunkBytes }
        let bytes = kilobytes * 1024
        let page = max(1, pageSize)
        return (bytes + page - 1) / page * page
    }

    /// Splits the executable's writable data mappings (`.data`, `.bss`) into VMAs of `faultChunkBytes`,
    /// so reading a global faults in at most one chunk of the file instead of 64 KB around it. Run it
    /// first thing in `main`, before start-up reads its way through `.data` (those pages, unlike code,
    /// cannot be released later: a page another thread writes between the check and the release
    /// would be lost). The flag is `MADV_NOHUGEPAGE` (these mappings never get huge pages anyway), or
    /// `MADV_RANDOM` (only turns off read-ahead of these file pages) where the kernel has no THP.
    /// Returns the chunks flagged.
    @discardableResult
    public static func splitWritableData(faultChunkBytes: Int) -> Int {
        #if os(Linux)
        guard faultChunkBytes > 0, let executable = executablePath() else { return 0 }
        var mappings: [Range<UInt>] = []
        guard forEachLine(ofFile: "/proc/self/maps", { mappings += writableMappings(maps: $0, executable: executable) })
        else { return 0 }
        var flagged = 0
        for mapping in mappings {
            let chunks = alternateChunks(
                start: mapping.lowerBound, end: mapping.upperBound, chunkBytes: UInt(faultChunkBytes))
            for chunk in chunks {
                guard let address = UnsafeMutableRawPointer(bitPattern: chunk.lowerBound) else { continue }
                let length = Int(chunk.upperBound - chunk.lowerBound)
                if madvise(address, length, MADV_NOHUGEPAGE) == 0 || madvise(address, length, MADV_RANDOM) == 0 {
                    flagged += 1
                }
            }
        }
        return flagged
        #else
        return 0
        #endif
    }

    /// The writable mappings of `executable` in `/proc/self/maps` text.
    static func writableMappings(maps: some StringProtocol, executable: String) -> [Range<UInt>] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1].hasPrefix("rw"),
                fields[5].trimmingPrefix(while: { $0 == " " }) == executable[...]
            else { return nil }
            let bounds = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            guard bounds.count == 2, bounds[0] < bounds[1] else { return nil }
            return bounds[0]..<bounds[1]
        }
    }

    /// The read-only (not writable) file mappings in `/proc/self/maps` text, with their paths; adjacent
    /// mappings of one file (the split VMAs of one segment) come out as one.
    static func readOnlyFileMappings(maps: some StringProtocol) -> [ReleasedRange] {
        var collector = ReadOnlyMappingCollector()
        for line in maps.split(separator: "\n") {
            var text = String(line)
            text.withUTF8 { collector.add(line: $0) }
        }
        return collector.mappings
    }

    /// Collects ``readOnlyFileMappings(maps:)`` from lines of `/proc/self/maps` given as bytes.
    struct ReadOnlyMappingCollector {
        private(set) var mappings: [ReleasedRange] = []
        private var lastPath: [UInt8] = []

        /// `start-end perms offset device inode   path`; lines without a path (anonymous memory),
        /// writable or unreadable ones, and malformed ones are skipped.
        mutating func add(line: UnsafeBufferPointer<UInt8>) {
            var index = 0
            func hexadecimal() -> UInt? {
                var value: UInt = 0
                let first = index
                while index < line.count, let digit = Self.hexDigit(line[index]), index - first < 16 {
                    value = value << 4 | UInt(digit)
                    index += 1
                }
                return index > first ? value : nil
            }
            func skipField() {
                while index < line.count, line[index] != UInt8(ascii: " ") { index += 1 }
                while index < line.count, line[index] == UInt8(ascii: " ") { index += 1 }
            }
            guard let start = hexadecimal(), index < line.count, line[index] == UInt8(ascii: "-") else { return }
            index += 1
            guard let end = hexadecimal(), start < end, index + 5 <= line.count else { return }
            let readable = line[index + 1] == UInt8(ascii: "r")
            let writable = line[index + 2] == UInt8(ascii: "w")
            index += 1
            for _ in 0..<4 { skipField() }  // permissions, offset, device, inode
            guard readable, !writable, index < line.count else { return }
            let path = UnsafeBufferPointer(rebasing: line[index...])
            if let last = mappings.last, last.addresses.upperBound == start, path.elementsEqual(lastPath) {
                mappings[mappings.count - 1].addresses = last.addresses.lowerBound..<end
            } else {
                lastPath = Array(path)
                mappings.append(ReleasedRange(addresses: start..<end, path: String(decoding: path, as: UTF8.self)))
            }
        }

        private static func hexDigit(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
    }

    /// The ranges of `released` that `current` (address order, as /proc lists them) still covers
    /// end to end with read-only mappings of the same file; the split VMAs of one range all qualify.
    static func stillMapped(_ released: [ReleasedRange], current: [ReleasedRange]) -> [ReleasedRange] {
        released.filter { range in
            var low = 0
            var high = current.count
            while low < high {
                let middle = (low + high) / 2
                if current[middle].addresses.upperBound <= range.addresses.lowerBound {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            var covered = range.addresses.lowerBound
            var index = low
            while covered < range.addresses.upperBound, index < current.count {
                let mapping = current[index]
                guard mapping.path == range.path, mapping.addresses.lowerBound <= covered else { return false }
                covered = mapping.addresses.upperBound
                index += 1
            }
            return covered >= range.addresses.upperBound
        }
    }

    /// Every other `chunkBytes` chunk of `start..<end`, starting with the second (the first page of a
    /// mapping, e.g. an ELF header a core dump keeps, stays unflagged); the last one may be shorter.
    /// Flagging these splits the mapping into VMAs of at most `chunkBytes`. A mapping no larger than
    /// one chunk (as every mapping is after a first split) gives none, so passes after the first add
    /// no VMA.
    static func alternateChunks(start: UInt, end: UInt, chunkBytes: UInt) -> [Range<UInt>] {
        guard chunkBytes > 0, end > start else { return [] }
        return stride(from: start + chunkBytes, to: end, by: Int(2 * chunkBytes)).map { $0..<min($0 + chunkBytes, end) }
    }

    /// Splits `start..<end` (page-aligned) into VMAs of at most `chunkBytes` (see ``alternateChunks``);
    /// returns the chunks flagged. Only a VMA flag changes: the pages, their protection and contents stay.
    static func splitIntoFaultChunks(start: UInt, end: UInt, chunkBytes: Int) -> Int {
        #if os(Linux)
        var flagged = 0
        for chunk in alternateChunks(start: start, end: end, chunkBytes: UInt(max(0, chunkBytes))) {
            if let address = UnsafeMutableRawPointer(bitPattern: chunk.lowerBound),
                madvise(address, Int(chunk.upperBound - chunk.lowerBound), MADV_DONTDUMP) == 0
            {
                flagged += 1
            }
        }
        return flagged
        #else
        return 0
        #endif
    }

    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
        var residentKilobytes: Int
        var path: String = ""
    }

    /// The mappings of `executable` in `/proc/self/smaps` text that are readable, not writable, and
    /// hold no anonymous (copied-on-write) page: pure file contents, safe to drop and fault back in.
    static func cleanReadOnlyMappings(smaps: String, executable: String, includeLibraries: Bool = true) -> [Mapping] {
        var scanner = SmapsScanner(executable: executable, includeLibraries: includeLibraries)
        for line in smaps.split(separator: "\n") { scanner.consume(line) }
        return scanner.finish()
    }

    /// ``cleanReadOnlyMappings(smaps:executable:includeLibraries:)`` a line at a time, so the daemon
    /// never holds the whole text: once split, the process has thousands of mappings and its smaps is
    /// megabytes long (and malloc would keep the memory it was read into).
    struct SmapsScanner {
        let executable: String
        let includeLibraries: Bool
        private var result: [Mapping] = []
        private var current: Mapping?
        private var clean = false

        init(executable: String, includeLibraries: Bool = true) {
            self.executable = executable
            self.includeLibraries = includeLibraries
        }

        mutating func consume(_ line: Substring) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { return }
            if first.contains("-"), fields.count >= 5, !first.hasSuffix(":") {
                endMapping()
                let bounds = first.split(separator: "-")
                let permissions = fields[1]
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                    path == executable || (includeLibraries && isSharedLibrary(path)),
                    permissions.hasPrefix("r"), !permissions.contains("w")
                else { return }
                current = Mapping(start: start, end: end, residentKilobytes: 0, path: path)
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

        mutating func finish() -> [Mapping] {
            endMapping()
            return result
        }

        private mutating func endMapping() {
            if let current, clean { result.append(current) }
            current = nil
        }
    }

    /// A shared object from a file system (not a device or a memory file): `/usr/lib/…/libc.so.6`.
    static func isSharedLibrary(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.hasPrefix("/dev/") && !path.hasSuffix(" (deleted)")
            && (path.hasSuffix(".so") || path.contains(".so."))
    }

    /// Calls `body` with each line of a file, read to its end 64 KB at a time (`String(contentsOfFile:)`
    /// stops after the first `read` of a /proc file: its size is 0 and /proc returns a page or so per
    /// read, so the shared libraries' mappings, after the executable's, were never seen). False if the
    /// file cannot be read.
    static func forEachLine(ofFile path: String, _ body: (Substring) -> Void) -> Bool {
        forEachLineBytes(ofFile: path) { body(Substring(String(decoding: $0, as: UTF8.self))) }
    }

    /// ``forEachLine(ofFile:_:)`` with each line's bytes (no newline), valid only during the call:
    /// no allocation per line.
    static func forEachLineBytes(ofFile path: String, _ body: (UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var pending: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            if count == 0 {
                if !pending.isEmpty { pending.withUnsafeBufferPointer(body) }
                return true
            }
            block.withUnsafeBufferPointer { bytes in
                var lineStart = 0
                for index in 0..<count where bytes[index] == UInt8(ascii: "\n") {
                    if pending.isEmpty {
                        body(UnsafeBufferPointer(rebasing: bytes[lineStart..<index]))
                    } else {
                        pending.append(contentsOf: bytes[lineStart..<index])
                        pending.withUnsafeBufferPointer(body)
                        pending.removeAll(keepingCapacity: true)
                    }
                    lineStart = index + 1
                }
                pending.append(contentsOf: bytes[lineStart..<count])
            }
        }
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Runs ``StartupCodeTrimmer`` a few seconds after start (start-up and the first connection are
/// done by then) and once more later (a slow first connection, a TLS handshake), then again whenever the
/// conversation has rested for `idleDelay` after a turn: a turn runs code that listening idle does not
/// (the reply's decoding and playback, the earcons, JSON of every kind), and its pages stay mapped until
/// released again; with them go the pages malloc keeps free after the turn's peak (`malloc_trim`). Sleeps
/// otherwise, so it costs no wake-ups. `VOICED_TRIM_CODE=0` turns it off (e.g. under a debugger);
/// `VOICED_FAULT_CHUNK_KB` sets the fault chunk (``StartupCodeTrimmer``; 0 keeps the kernel's fault-around).
struct StartupCodeTrimService: Service {
    var delays: [Duration] = [.seconds(2), .seconds(30)]
    /// See ``StartupCodeTrimmer/trimExecutable(faultChunkBytes:)``.
    var faultChunkBytes = StartupCodeTrimmer.defaultFaultChunkBytes
    /// The daemon's events (its `.state` changes are what counts); nil: no pass after a turn.
    var conversationEvents: AsyncStream<ControlEvent>? = nil
    /// How long the conversation must stay idle after a turn before the pass.
    var idleDelay: Duration = .seconds(30)
    let logger: Logger
    /// Told after each pass (tests).
    var onTrim: (@Sendable (StartupCodeTrimmer.Outcome) -> Void)? = nil

    func run() async throws {
        var released: [StartupCodeTrimmer.ReleasedRange]?
        for delay in delays {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            let outcome = await trim(again: released)
            if released == nil, !outcome.ranges.isEmpty { released = outcome.ranges }
        }
        if let conversationEvents {
            await cancelWhenGracefulShutdown { [released] in
                await self.trimAfterTurns(conversationEvents, again: released)
            }
        }
        // A service that returns early stops the whole ServiceGroup: stay until shutdown.
        try? await gracefulShutdown()
    }

    /// One pass once the conversation has been idle for `idleDelay` after any other state; a state change
    /// before that makes the waiting pass stale. Ends with the events (or the service's cancellation).
    private func trimAfterTurns(
        _ events: AsyncStream<ControlEvent>, again released: [StartupCodeTrimmer.ReleasedRange]?
    ) async {
        let stateChanges = StateChangeCounter()
        await withDiscardingTaskGroup { group in
            var turnSinceLastPass = false
            for await event in events {
                guard case .state(let state) = event else { continue }
                let change = stateChanges.next()
                guard state == .idle else {
                    turnSinceLastPass = true
                    continue
                }
                guard turnSinceLastPass else { continue }
                turnSinceLastPass = false
                group.addTask { [idleDelay] in
                    guard (try? await Task.sleep(for: idleDelay)) != nil, stateChanges.latest == change else { return }
                    await self.trim(again: released)
                }
            }
        }
    }

    @discardableResult
    private func trim(again released: [StartupCodeTrimmer.ReleasedRange]?) async -> StartupCodeTrimmer.Outcome {
        let faultChunkBytes = faultChunkBytes
        let outcome = await Self.onThreadOfItsOwn {
            let outcome = StartupCodeTrimmer.trimExecutable(faultChunkBytes: faultChunkBytes, again: released)
            // A turn's peak (reply audio, JSON, a reconnect's buffers) leaves free pages in malloc's arenas, and so
            // does the pass itself: glibc gives its thread an arena of its own (+96 kB resident at idle, measured).
            Self.returnFreeHeapPages()
            return outcome
        }
        logger.debug(
            """
            released \(outcome.releasedKilobytes) kB of start-up code pages (\(outcome.mappings) mappings, \
            \(outcome.splitChunks) chunks split off)
            """)
        onTrim?(outcome)
        return outcome
    }
}

extension StartupCodeTrimService {
    /// Runs a pass on a short-lived thread and awaits it. A pass reads /proc/self/smaps and calls madvise for every
    /// mapping: milliseconds in a release build, seconds in a debug one, all of it blocking. On the cooperative pool
    /// (one thread per core) it would hold back the coordinator's audio tick and every other task that long. A pass
    /// runs a few times a day, so a thread of its own costs nothing worth keeping one for.
    static func onThreadOfItsOwn<Result: Sendable>(
        _ body: @escaping @Sendable () -> Result
    ) async -> Result {
        await withCheckedContinuation { continuation in
            // No thread to be had: the pass is worth more than the pool's time it takes, so run it here.
            if !startDetachedThread({ continuation.resume(returning: body()) }) {
                continuation.resume(returning: body())
            }
        }
    }

    /// glibc's `malloc_trim(0)`: the free pages of every arena back to the kernel. Looked up at run time (Swift's
    /// Glibc module does not export `<malloc.h>`); elsewhere (musl) it does nothing.
    static func returnFreeHeapPages() {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        #endif
    }
}

/// Numbers the conversation's state changes, so a pass scheduled at one can tell whether another came since.
private final class StateChangeCounter: Sendable {
    private let count = Atomic<Int>(0)
    func next() -> Int { count.add(1, ordering: .relaxed).newValue }
    var latest: Int { count.load(ordering: .relaxed) }
}

import Foundation
import Logging
import ServiceLifecycle
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

#if canImport(Glibc)
import Glibc
#endif

@testable import VoiceDaemon

@Suite(.computeBound) struct StartupCodeTrimmerTests {
    @Test func onlyCleanReadOnlyMappingsOfTheExecutableAreChosen() {
        let smaps = """
            00400000-00500000 r--p 00000000 08:01 42                                 /opt/voiced/bin/voiced
            Size:               1024 kB
            Rss:                 512 kB
            Private_Dirty:         0 kB
            Anonymous:             0 kB
            00500000-00900000 r-xp 00100000 08:01 42                                 /opt/voiced/bin/voiced
            Rss:                3000 kB
            Private_Dirty:        20 kB
            Anonymous:             0 kB
            00900000-00a00000 r--p 00500000 08:01 42                                 /opt/voiced/bin/voiced
            Rss:                 600 kB
            Private_Dirty:       600 kB
            Anonymous:           600 kB
            00a00000-00b00000 rw-p 00600000 08:01 42                                 /opt/voiced/bin/voiced
            Rss:                 100 kB
            Private_Dirty:         0 kB
            7f0000000000-7f0000100000 r-xp 00000000 08:01 7                          /usr/lib/x86_64-linux-gnu/libc.so.6
            Rss:                1000 kB
            Private_Dirty:         0 kB
            7f0000200000-7f0000300000 r-xp 00000000 08:01 9                          /opt/voiced/bin/voiced (deleted)
            Rss:                  10 kB
            Private_Dirty:         0 kB
            """
        let executableOnly = StartupCodeTrimmer.cleanReadOnlyMappings(
            smaps: smaps, executable: "/opt/voiced/bin/voiced", includeLibraries: false
        )
        #expect(
            executableOnly == [
                .init(start: 0x40_0000, end: 0x50_0000, residentKilobytes: 512, path: "/opt/voiced/bin/voiced"),
                .init(start: 0x50_0000, end: 0x90_0000, residentKilobytes: 3000, path: "/opt/voiced/bin/voiced"),
            ])
        let withLibraries = StartupCodeTrimmer.cleanReadOnlyMappings(smaps: smaps, executable: "/opt/voiced/bin/voiced")
        #expect(
            withLibraries == executableOnly + [
                .init(
                    start: 0x7f00_0000_0000, end: 0x7f00_0010_0000, residentKilobytes: 1000,
                    path: "/usr/lib/x86_64-linux-gnu/libc.so.6")
            ])
        #expect(!StartupCodeTrimmer.isSharedLibrary("/dev/snd/pcmC0D0c"))
        #expect(!StartupCodeTrimmer.isSharedLibrary("/usr/lib/locale/locale-archive"))
    }

    /// The test process itself: its code is released and it keeps running (the next expectations
    /// execute code that was just unmapped and faults back in).
    @Test func trimmingTheRunningProcessIsSafe() {
        let first = StartupCodeTrimmer.trimExecutable()
        #if os(Linux)
        #expect(first.mappings > 0 && first.releasedKilobytes > 0, "\(first)")
        #endif
        // Other tests run meanwhile and fault code back in, so the second pass may release more or less;
        // it finds the same kind of mappings again.
        let again = StartupCodeTrimmer.trimExecutable()
        #if os(Linux)
        #expect(again.mappings > 0)
        #else
        #expect(again == first)
        #endif
    }

    /// A repeat pass releases a range again only where /proc/self/maps still shows the same file mapped
    /// read-only over all of it: a library unloaded since may have left its addresses to writable memory.
    @Test func repeatPassReleasesOnlyRangesStillMappedByTheSameFile() {
        let maps = """
            00400000-00402000 r-xp 00000000 08:01 42                                 /opt/voiced/bin/voiced
            00402000-00404000 r-xp 00002000 08:01 42                                 /opt/voiced/bin/voiced
            00404000-00406000 r-xp 00004000 08:01 42                                 /opt/voiced/bin/voiced
            7f0000000000-7f0000100000 rw-p 00000000 00:00 0
            7f0000200000-7f0000300000 r-xp 00000000 08:01 8                          /usr/lib/libother.so.1
            7f0000400000-7f0000402000 r-xp 00000000 08:01 7                          /usr/lib/libasound.so.2
            7f0000404000-7f0000406000 r-xp 00004000 08:01 7                          /usr/lib/libasound.so.2
            """
        let current = StartupCodeTrimmer.readOnlyFileMappings(maps: maps)
        // The executable's three adjacent VMAs (one split segment) are one mapping; no anonymous one.
        #expect(
            current.map(\.addresses.lowerBound) == [0x40_0000, 0x7f00_0020_0000, 0x7f00_0040_0000, 0x7f00_0040_4000])
        #expect(current.first?.addresses.upperBound == 0x40_6000)
        #expect(current.first?.path == "/opt/voiced/bin/voiced")
        func range(_ low: UInt, _ high: UInt, _ path: String) -> StartupCodeTrimmer.ReleasedRange {
            .init(addresses: low..<high, path: path)
        }
        let executable = range(0x40_0000, 0x40_6000, "/opt/voiced/bin/voiced")
        let unloadedLibrary = range(0x7f00_0000_0000, 0x7f00_0010_0000, "/usr/lib/libgone.so.1")
        let reusedByOther = range(0x7f00_0020_0000, 0x7f00_0030_0000, "/usr/lib/libgone.so.1")
        let withHole = range(0x7f00_0040_0000, 0x7f00_0040_6000, "/usr/lib/libasound.so.2")
        let intact = range(0x7f00_0040_4000, 0x7f00_0040_6000, "/usr/lib/libasound.so.2")
        let kept = StartupCodeTrimmer.stillMapped(
            [executable, unloadedLibrary, reusedByOther, withHole, intact], current: current)
        #expect(kept == [executable, intact])
    }

    /// Splitting the test process's own code and data into small VMAs leaves it running; once split, a
    /// second pass splits nothing more (no VMA is added after the first pass).
    @Test func splittingTheRunningProcessIsSafeAndHappensOnce() {
        let chunk = StartupCodeTrimmer.faultChunkBytes(environment: "8")
        let first = StartupCodeTrimmer.trimExecutable(faultChunkBytes: chunk)
        let again = StartupCodeTrimmer.trimExecutable(faultChunkBytes: chunk)
        // Judged on the executable's own mappings: tests running meanwhile load libraries (an ALSA card
        // on the pulse plugin brings libpulse and a dozen more), whose fresh mappings the second pass
        // rightly splits. Every executable mapping it finds must already be one chunk or less.
        let executable = Self.executablePath() ?? "(no /proc)"
        let executableRanges = again.ranges.filter { $0.path == executable }
        let splitAgain = executableRanges.filter { range in
            !StartupCodeTrimmer.alternateChunks(
                start: range.addresses.lowerBound, end: range.addresses.upperBound, chunkBytes: UInt(chunk)
            ).isEmpty
        }
        #expect(splitAgain.isEmpty, "\(splitAgain.count) of \(executableRanges.count) executable mappings split again")
        #if os(Linux)
        #expect(!executableRanges.isEmpty)
        #endif
        // A repeat pass over the first one's ranges releases the same ranges, without smaps.
        let repeated = StartupCodeTrimmer.trimExecutable(faultChunkBytes: chunk, again: first.ranges)
        #expect(repeated.ranges == first.ranges && repeated.mappings == first.ranges.count)
        #expect(repeated.splitChunks == 0)
        #if os(Linux)
        #expect(again.mappings > 0 && !first.ranges.isEmpty)
        // Judged by what is left rather than by the count, which is 0 when this process's data was split before
        // (a repeated run of the tests): every writable mapping of the executable is then one chunk or less, and
        // another pass flags nothing.
        StartupCodeTrimmer.splitWritableData(faultChunkBytes: chunk)
        var writable: [Range<UInt>] = []
        #expect(
            StartupCodeTrimmer.forEachLine(ofFile: "/proc/self/maps") {
                writable += StartupCodeTrimmer.writableMappings(maps: $0, executable: executable)
            })
        #expect(!writable.isEmpty)
        #expect(writable.allSatisfy { $0.upperBound - $0.lowerBound <= UInt(chunk) }, "\(writable.count) mappings")
        #expect(StartupCodeTrimmer.splitWritableData(faultChunkBytes: chunk) == 0)
        #endif
        #expect(StartupCodeTrimmer.splitWritableData(faultChunkBytes: 0) == 0)
    }

    /// This process's executable, as /proc/self/maps names it.
    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    #if os(Linux)
    /// /proc files report size 0 and come a page or so per `read`: all of it must be read, or the
    /// shared libraries' mappings (after the executable's) are never seen.
    @Test func procFilesAreReadToTheEnd() throws {
        var lines: [String] = []
        #expect(StartupCodeTrimmer.forEachLine(ofFile: "/proc/self/smaps") { lines.append(String($0)) })
        #expect(lines.reduce(0) { $0 + $1.utf8.count + 1 } > 16 * 1024)
        #expect(lines.contains { $0.hasSuffix("[stack]") }, "the last mappings are there")
        #expect(!lines.contains { $0.contains("\n") })
        #expect(!StartupCodeTrimmer.forEachLine(ofFile: "/nonexistent/file") { _ in })
    }

    /// Lines split across the 64 KB blocks come out whole, and a last line without a newline too.
    @Test func longFilesComeOutLineByLine() throws {
        let path = "/tmp/trim-lines-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let expected = (0..<20_000).map { "line \($0) " + String(repeating: "x", count: $0 % 37) }
        let text = expected.joined(separator: "\n")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { unlink(path) }
        let written = text.utf8.withContiguousStorageIfAvailable { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        try #require(written == text.utf8.count)
        var lines: [String] = []
        #expect(StartupCodeTrimmer.forEachLine(ofFile: path) { lines.append(String($0)) })
        #expect(lines == expected)
    }
    #endif

    @Test func everyOtherChunkIsFlaggedFromTheSecond() {
        #expect(
            StartupCodeTrimmer.alternateChunks(start: 0x1_0000, end: 0x1_9000, chunkBytes: 0x2000) == [
                0x1_2000..<0x1_4000, 0x1_6000..<0x1_8000,
            ])
        // The last chunk is cut at the end of the mapping.
        #expect(
            StartupCodeTrimmer.alternateChunks(start: 0x1_0000, end: 0x1_3000, chunkBytes: 0x2000) == [
                0x1_2000..<0x1_3000
            ])
        // One chunk or less (a mapping split before), or no chunk size: nothing to split.
        #expect(StartupCodeTrimmer.alternateChunks(start: 0x1_0000, end: 0x1_2000, chunkBytes: 0x2000).isEmpty)
        #expect(StartupCodeTrimmer.alternateChunks(start: 0x1_0000, end: 0x9_0000, chunkBytes: 0).isEmpty)
    }

    @Test func theWritableDataOfTheExecutableIsFoundInMaps() {
        let maps = """
            55d0a0000000-55d0a1000000 r--p 00000000 08:01 42                         /opt/voiced/bin/voiced
            55d0a1000000-55d0a2000000 r-xp 01000000 08:01 42                         /opt/voiced/bin/voiced
            55d0a2000000-55d0a2100000 r--p 02000000 08:01 42                         /opt/voiced/bin/voiced
            55d0a2100000-55d0a2400000 rw-p 02100000 08:01 42                         /opt/voiced/bin/voiced
            55d0a2400000-55d0a2500000 rw-p 00000000 00:00 0
            7f0000000000-7f0000010000 rw-p 00000000 08:01 7                          /usr/lib/libc.so.6
            7f0000200000-7f0000300000 rw-p 00000000 08:01 9                          /opt/voiced/bin/voiced-sim
            """
        #expect(
            StartupCodeTrimmer.writableMappings(maps: maps, executable: "/opt/voiced/bin/voiced") == [
                0x55d0_a210_0000..<0x55d0_a240_0000
            ])
        #expect(StartupCodeTrimmer.writableMappings(maps: maps, executable: "/opt/voiced/bin/other").isEmpty)
    }

    @Test func theFaultChunkComesFromTheEnvironmentInWholePages() {
        let byDefault = StartupCodeTrimmer.defaultFaultChunkBytes
        #expect(StartupCodeTrimmer.faultChunkBytes(environment: nil, pageSize: 4096) == byDefault)
        #expect(StartupCodeTrimmer.faultChunkBytes(environment: "lots", pageSize: 4096) == byDefault)
        #expect(StartupCodeTrimmer.faultChunkBytes(environment: "-4", pageSize: 4096) == byDefault)
        #expect(StartupCodeTrimmer.faultChunkBytes(environment: "0", pageSize: 4096) == 0)
        #expect(StartupCodeTrimmer.faultChunkBytes(environment: "16", pageSize: 4096) == 16_384)
        // A 16 KB-page kernel (e.g. a Raspberry Pi 5): at least one page.
        #expect(StartupCodeTrimmer.faultChunkBytes(environment: "8", pageSize: 16_384) == 16_384)
    }

    #if os(Linux)
    /// The point of splitting: touching one page of a released mapping brings back at most one chunk,
    /// not the kernel's 64 KB fault-around window. A cached file stands in for the executable's code.
    @Test func aSplitMappingFaultsBackOneChunkAtATime() throws {
        let page = StartupCodeTrimmer.systemPageSize
        let chunk = 2 * page
        let length = 64 * page
        let path = "/tmp/trim-map-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer {
            close(descriptor)
            unlink(path)
        }
        let contents = [UInt8](repeating: 0x5A, count: length)
        try #require(contents.withUnsafeBytes { write(descriptor, $0.baseAddress, length) } == length)
        let mapped = try #require(mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0))
        try #require(mapped != MAP_FAILED)
        defer { munmap(mapped, length) }
        let start = UInt(bitPattern: mapped)
        let bytes = mapped.assumingMemoryBound(to: UInt8.self)
        func residentKilobytes() throws -> Int {
            var lines: [Substring] = []
            try #require(StartupCodeTrimmer.forEachLine(ofFile: "/proc/self/smaps") { lines.append($0) })
            var total = 0
            var inside = false
            for line in lines {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if let first = fields.first, first.contains("-"), !first.hasSuffix(":") {
                    let bounds = first.split(separator: "-").compactMap { UInt($0, radix: 16) }
                    inside = bounds.count == 2 && bounds[0] >= start && bounds[1] <= start + UInt(length)
                } else if inside, fields.first == "Rss:", fields.count >= 2, let value = Int(fields[1]) {
                    total += value
                }
            }
            return total
        }

        var sum = 0
        for offset in stride(from: 0, to: length, by: page) { sum &+= Int(bytes[offset]) }  // all resident
        #expect(sum == 0x5A * 64)
        let end = start + UInt(length)
        // Chunks 1, 3, …, 31 of the 32.
        #expect(StartupCodeTrimmer.splitIntoFaultChunks(start: start, end: end, chunkBytes: chunk) == 16)
        // Flagging again changes nothing (the VMAs are already split); the calls still succeed.
        #expect(StartupCodeTrimmer.splitIntoFaultChunks(start: start, end: end, chunkBytes: chunk) == 16)
        #expect(madvise(mapped, length, MADV_DONTNEED) == 0)
        #expect(try residentKilobytes() == 0)

        #expect(bytes[21 * page + 5] == 0x5A)  // one page in the middle of chunk 10
        let resident = try residentKilobytes()
        #expect(resident > 0 && resident <= chunk / 1024, "one fault mapped \(resident) kB")
        #expect(bytes[length - 1] == 0x5A, "the contents are the file's")
    }
    #endif
}

/// The service's schedule. Not compute-bound: these tests wait on the service's passes, and on the shared
/// compute threads they queued behind the long listening tests (a CI run hit the time limit). The passes
/// release without splitting (`faultChunkBytes: 0`): splitting a debug test binary's mappings takes seconds.
@Suite struct StartupCodeTrimServiceTests {
    /// A pass blocks its thread while it reads /proc and calls madvise (seconds in a debug build). More passes held
    /// at once than the cooperative pool has threads, and a task on the pool still runs: each pass has a thread of
    /// its own. Were they on the pool, the test would not see every pass start (the time limit ends it).
    @Test(.timeLimit(.minutes(2))) func passesBlockThreadsOfTheirOwnNotThePool() async throws {
        let count = ProcessInfo.processInfo.activeProcessorCount + 1
        let gate = DispatchSemaphore(value: 0)
        let (started, start) = AsyncStream.makeStream(of: Void.self)
        let passes = (0..<count).map { _ in
            Task {
                await StartupCodeTrimService.onThreadOfItsOwn {
                    start.yield()
                    return gate.wait(timeout: .now() + 60) == .success
                }
            }
        }
        var arrivals = started.makeAsyncIterator()
        for _ in 0..<count { _ = await arrivals.next() }
        #expect(await Task.detached { 7 }.value == 7, "the pool runs while every pass is held")
        for _ in 0..<count { gate.signal() }
        var released = 0
        for pass in passes where await pass.value { released += 1 }
        #expect(released == count)
    }

    /// The service trims on its schedule and then keeps running: a service that returns ends the
    /// daemon's ServiceGroup with an error. Graceful shutdown ends it cleanly.
    @Test func theServiceStaysUntilShutdown() async throws {
        let (passes, continuation) = AsyncStream.makeStream(of: StartupCodeTrimmer.Outcome.self)
        let service = StartupCodeTrimService(
            delays: [.zero, .zero], faultChunkBytes: 0, logger: Logger(label: "test"),
            onTrim: { continuation.yield($0) }
        )
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        var count = 0
        for await _ in passes {
            count += 1
            if count == 2 { break }
        }
        #expect(count == 2)
        await group.triggerGracefulShutdown()
        try await running.value  // throws if the service had ended the group as a failure
    }

    /// After the start-up passes, one more pass follows each rest after a turn, and none while idle without a turn
    /// (the connection's comings and goings are not turns). Graceful shutdown ends a pass still waiting.
    @Test(.timeLimit(.minutes(3))) func aRestAfterATurnTrimsAgain() async throws {
        let (passes, passed) = AsyncStream.makeStream(of: StartupCodeTrimmer.Outcome.self)
        let (events, publish) = AsyncStream.makeStream(of: ControlEvent.self)
        let service = StartupCodeTrimService(
            delays: [.zero], faultChunkBytes: 0, conversationEvents: events, idleDelay: .zero,
            logger: Logger(label: "test"),
            onTrim: { passed.yield($0) }
        )
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        var iterator = passes.makeAsyncIterator()
        _ = await iterator.next()  // the start-up pass

        publish.yield(.state(.idle))  // idle without a turn: no pass
        publish.yield(.connection(ConnectionStatus()))
        for state in [VoiceState.listening, .thinking, .speaking, .idle] { publish.yield(.state(state)) }
        #expect(await iterator.next() != nil, "a pass after the turn")
        publish.yield(.state(.listening))
        publish.yield(.state(.idle))
        #expect(await iterator.next() != nil, "and after the next one")
        publish.finish()
        // The service has made every pass it was going to once the group has ended.
        await group.triggerGracefulShutdown()
        try await running.value
        passed.finish()
        var extra = 0
        while await iterator.next() != nil { extra += 1 }
        #expect(extra == 0, "one pass per turn, none for idle without a turn")
        try await running.value
    }
}

import Logging
import ServiceLifecycle
import Testing

@testable import VoiceDaemon

@Suite struct StartupCodeTrimmerTests {
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
                .init(start: 0x40_0000, end: 0x50_0000, residentKilobytes: 512),
                .init(start: 0x50_0000, end: 0x90_0000, residentKilobytes: 3000),
            ])
        let withLibraries = StartupCodeTrimmer.cleanReadOnlyMappings(smaps: smaps, executable: "/opt/voiced/bin/voiced")
        #expect(
            withLibraries == executableOnly + [
                .init(start: 0x7f00_0000_0000, end: 0x7f00_0010_0000, residentKilobytes: 1000)
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
        let again = StartupCodeTrimmer.trimExecutable()
        #expect(again.releasedKilobytes <= first.releasedKilobytes)
    }

    /// The service trims on its schedule and then keeps running: a service that returns ends the
    /// daemon's ServiceGroup with an error. Graceful shutdown ends it cleanly.
    @Test func theServiceStaysUntilShutdown() async throws {
        let (passes, continuation) = AsyncStream.makeStream(of: StartupCodeTrimmer.Outcome.self)
        let service = StartupCodeTrimService(
            delays: [.zero, .zero], logger: Logger(label: "test"), onTrim: { continuation.yield($0) }
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
}

import Testing

@testable import VoiceDaemon

@Suite struct VoiceDaemonSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

import Testing

@testable import VoiceDSP

@Suite struct VoiceDSPSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

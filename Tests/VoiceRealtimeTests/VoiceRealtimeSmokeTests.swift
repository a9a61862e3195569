import Testing

@testable import VoiceRealtime

@Suite struct VoiceRealtimeSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

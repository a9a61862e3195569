import Testing

@testable import VoiceSystemd

@Suite struct VoiceSystemdSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

import Testing

@testable import VoiceConfig

@Suite struct VoiceConfigSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

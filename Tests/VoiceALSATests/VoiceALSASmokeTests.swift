import Testing

@testable import VoiceALSA

@Suite struct VoiceALSASmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

import Testing

@testable import VoiceCore

@Suite struct VoiceCoreSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

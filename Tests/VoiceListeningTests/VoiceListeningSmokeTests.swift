import Testing

@testable import VoiceListening

@Suite struct VoiceListeningSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

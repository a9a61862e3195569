import Testing

@testable import VoiceProtocol

@Suite struct VoiceProtocolSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

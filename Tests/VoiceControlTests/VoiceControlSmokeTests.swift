import Testing

@testable import VoiceControl

@Suite struct VoiceControlSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

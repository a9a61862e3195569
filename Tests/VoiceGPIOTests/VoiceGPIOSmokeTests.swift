import Testing

@testable import VoiceGPIO

@Suite struct VoiceGPIOSmokeTests {
    @Test func moduleLinks() { #expect(Bool(true)) }
}

import Testing
import VoiceCore

@Suite struct TextFormattingTests {
    @Test func trimmingRemovesWhitespaceAndLineBreaksAtBothEnds() {
        #expect("  key\n".trimmedWhitespace == "key")
        #expect("\t\r\n a b \u{00A0}".trimmedWhitespace == "a b")
        #expect(" \n ".trimmedWhitespace == "")
        #expect("inner  space".trimmedWhitespace == "inner  space")
        #expect("x"[...].trimmedWhitespace == "x")
    }

    @Test(
        arguments: [
            (2.345, 1, "2.3"), (2.35, 1, "2.4"), (-0.05, 1, "-0.1"), (-0.04, 1, "0.0"), (0, 2, "0.00"),
            (12.5, 0, "13"), (3.0, 2, "3.00"), (1.005, 3, "1.005"), (-42.123456, 4, "-42.1235"), (1e20, 1, "1e+20"),
        ] as [(Double, Int, String)])
    func fixedDecimalsPrintsLikePrintf(value: Double, digits: Int, expected: String) {
        #expect(fixedDecimals(value, digits) == expected)
    }

    @Test func nonFiniteValuesAreWords() {
        #expect(fixedDecimals(.nan, 2) == "nan")
        #expect(fixedDecimals(-.infinity, 1) == "-inf")
    }
}

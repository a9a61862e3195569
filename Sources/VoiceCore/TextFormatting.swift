// Small text helpers that Foundation used to provide, so the daemon's modules can import
// FoundationEssentials (no ICU) instead of the whole of Foundation (issue 9: resident memory).

extension StringProtocol {
    /// The text without leading and trailing whitespace and line breaks.
    public var trimmedWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
            let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}

/// Decimal text of a number with a fixed count of fractional digits, as `%.Nf` prints it
/// (halves round away from zero): `fixedDecimals(2.345, 1)` is "2.3", `fixedDecimals(-0.05, 1)` "-0.1".
public func fixedDecimals(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let digits = max(0, min(digits, 9))
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
    // Beyond 2^53 the integer part is not exact anyway; the shortest form is the honest one.
    guard scaled < 9.0e15 else { return "\(value)" }
    let units = UInt64(scaled)
    let whole = units / UInt64(scale)
    let negative = value < 0 && units > 0
    var text = (negative ? "-" : "") + String(whole)
    if digits > 0 {
        let fraction = String(units % UInt64(scale))
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
    return text
}

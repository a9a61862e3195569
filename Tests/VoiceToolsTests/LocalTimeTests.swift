import Foundation
import Testing

@testable import VoiceTools

@Suite("local_time without Foundation's calendar")
struct LocalTimeTests {
    /// The plain-arithmetic calendar agrees with Foundation's Gregorian calendar over four centuries
    /// of instants (leap years, the 1970 boundary, negative times) and offsets either side of UTC.
    @Test func agreesWithFoundationsCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        var state: UInt64 = 0xC0FFEE
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Int64(bitPattern: state >> 1) % 6_311_390_400 - 3_155_695_200  // 1870 … 2070
            let offset = Int((state >> 40) % 1_681) * 60 - 50_400  // −14:00 … +14:00 in minutes
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            calendar.timeZone = try #require(TimeZone(secondsFromGMT: offset))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
            let local = LocalDateTime(date, offsetSeconds: offset)
            #expect(local.year == parts.year && local.month == parts.month && local.day == parts.day)
            #expect(local.hour == parts.hour && local.minute == parts.minute && local.second == parts.second)
            #expect(local.weekday + 1 == parts.weekday, "Foundation counts weekdays from Sunday = 1")
        }
    }

    @Test func printsISO8601WithTheOffset() {
        let date = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28T20:26:40Z, a Thursday
        #expect(LocalDateTime(date, offsetSeconds: 7200).iso8601 == "2026-05-28T22:26:40+02:00")
        #expect(LocalDateTime(date, offsetSeconds: -34_200).iso8601 == "2026-05-28T10:56:40-09:30")
        #expect(LocalDateTime(date, offsetSeconds: 0).weekdayName == "Thursday")
        #expect(LocalDateTime(Date(timeIntervalSince1970: -1), offsetSeconds: 0).iso8601 == "1969-12-31T23:59:59+00:00")
    }

    @Test func theSystemZoneHasANameAndAnOffset() {
        let zone = LocalTimeZone.system
        #expect(!zone.identifier.isEmpty)
        #expect(abs(zone.secondsFromUTC(Date())) <= 14 * 3600)
    }
}

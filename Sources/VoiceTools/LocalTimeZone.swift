import VoiceCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The time zone `local_time` reports in: a name and the offset from UTC at an instant.
///
/// The system zone comes from the C library (`localtime_r`, which reads `TZ` and `/etc/localtime`),
/// so the daemon needs neither ICU nor Foundation's time zone database for it.
public struct LocalTimeZone: Sendable {
    /// An IANA name such as `Europe/Berlin` when known, else the zone's abbreviation.
    public var identifier: String
    public var secondsFromUTC: @Sendable (Date) -> Int

    public init(identifier: String, secondsFromUTC: @escaping @Sendable (Date) -> Int) {
        self.identifier = identifier
        self.secondsFromUTC = secondsFromUTC
    }

    /// The machine's zone, as the C library sees it now.
    public static var system: LocalTimeZone {
        LocalTimeZone(identifier: systemIdentifier()) { date in
            var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
            var parts = tm()
            guard localtime_r(&seconds, &parts) != nil else { return 0 }
            return Int(parts.tm_gmtoff)
        }
    }

    /// `TZ` if set (without a leading ':'), else the zone `/etc/localtime` links to, else
    /// `/etc/timezone`, else the abbreviation the C library uses now, else "UTC".
    static func systemIdentifier() -> String {
        if let zone = ProcessInfo.processInfo.environment["TZ"], !zone.isEmpty {
            let name = zone.hasPrefix(":") ? String(zone.dropFirst()) : zone
            if let range = name.firstRange(of: "zoneinfo/") { return String(name[range.upperBound...]) }
            return name
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/etc/localtime", &buffer, buffer.count - 1)
        if length > 0 {
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let range = target.firstRange(of: "zoneinfo/") { return String(target[range.upperBound...]) }
        }
        if let text = try? String(contentsOfFile: "/etc/timezone", encoding: .utf8), !text.trimmedWhitespace.isEmpty {
            return text.trimmedWhitespace
        }
        var seconds = time(nil)
        var parts = tm()
        if localtime_r(&seconds, &parts) != nil, let abbreviation = parts.tm_zone {
            return String(cString: abbreviation)
        }
        return "UTC"
    }
}

/// A wall-clock reading: what `local_time` says, computed from an instant and an offset in plain
/// arithmetic (proleptic Gregorian calendar).
struct LocalDateTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// 0 is Sunday.
    var weekday: Int
    var offsetSeconds: Int

    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    init(_ date: Date, offsetSeconds: Int) {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        // Days since 1970-01-01 → civil date (H. Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.offsetSeconds = offsetSeconds
    }

    /// `2026-05-28T22:26:40+02:00`.
    var iso8601: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let sign = offsetSeconds < 0 ? "-" : "+"
        let offset = abs(offsetSeconds)
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(yearText)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
            + "\(sign)\(two(offset / 3600)):\(two(offset % 3600 / 60))"
    }

    var weekdayName: String { Self.weekdayNames[weekday] }
}

import Testing

@testable import VoiceSystemd

@Suite struct JournalPriorityTests {
    @Test(arguments: [
        ("trace", "<7>"), ("debug", "<7>"), ("info", "<6>"), ("notice", "<5>"),
        ("warning", "<4>"), ("error", "<3>"), ("critical", "<2>"), ("CRITICAL", "<2>"), ("bogus", "<6>"),
    ])
    func logLevelsMapToSyslogPrefixes(level: String, prefix: String) {
        #expect(JournalPriority(logLevel: level).linePrefix == prefix)
    }

    @Test func journalStreamMustNameThisStream() {
        #expect(JournalPriority.matchesJournalStream("2049:123456", device: 2049, inode: 123_456))
        #expect(!JournalPriority.matchesJournalStream("2049:123457", device: 2049, inode: 123_456))
        #expect(!JournalPriority.matchesJournalStream("2049", device: 2049, inode: 123_456))
        #expect(!JournalPriority.matchesJournalStream("x:y", device: 0, inode: 0))
        #expect(!JournalPriority.matchesJournalStream("", device: 0, inode: 0))
    }
}

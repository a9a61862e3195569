import Foundation
import Testing
import VoiceControl
import VoiceCore
import VoiceTestSupport

@Suite struct StateFileTests {
    @Test func settingsSurviveEncodeAndDecode() {
        let settings = PersistedSettings(voice: "rex", volumePercent: 35, muted: true)
        let (decoded, warnings) = StateFile.decode(StateFile.encode(settings))
        #expect(decoded == settings)
        #expect(warnings.isEmpty)
    }

    @Test func badValuesKeepDefaultsAndWarn() {
        let text = "voice = HAL\nvolume = 300\nmuted = maybe\ncolour = red\nnonsense\n  # comment\n\nvolume=12"
        let (decoded, warnings) = StateFile.decode(text)
        #expect(decoded == PersistedSettings(volumePercent: 12))
        #expect(warnings.count == 5)
        #expect(warnings[0].contains("unknown voice"))
    }

    @Test func voiceNamesAreCanonicalised() {
        #expect(StateFile.decode("voice = ARA").settings.voice == "ara")
    }

    @Test func saveThenLoadRoundTripsAndLeavesNoTempFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = StateFileStore(path: directory.appending("state"))
        try store.save(PersistedSettings(voice: "sal", volumePercent: 10, muted: false))
        try store.save(PersistedSettings(voice: "leo", volumePercent: 90, muted: true))
        let (loaded, warnings) = store.load()
        #expect(loaded == PersistedSettings(voice: "leo", volumePercent: 90, muted: true))
        #expect(warnings.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["state"])
    }

    @Test func missingFileGivesDefaultsAndAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (loaded, warnings) = StateFileStore(path: directory.appending("state")).load()
        #expect(loaded == PersistedSettings())
        #expect(warnings.count == 1)
    }

    @Test(arguments: [Data([0xFF, 0xFE, 0x00, 0x80]), Data(repeating: 0x41, count: 100_000), Data("volume=".utf8)])
    func corruptFilesGiveDefaultsAndAWarning(contents: Data) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.appending("state")
        #expect(FileManager.default.createFile(atPath: path, contents: contents))
        let (loaded, warnings) = StateFileStore(path: path).load()
        #expect(loaded == PersistedSettings())
        #expect(!warnings.isEmpty)
    }

    @Test func savingIntoAMissingDirectoryExplainsWhatToDo() {
        let store = StateFileStore(path: "/tmp/voiced-no-such-dir-\(getpid())/state")
        #expect {
            try store.save(PersistedSettings())
        } throws: { error in
            "\(error)".contains("StateDirectory")
        }
    }
}

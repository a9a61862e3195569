import Testing

@testable import VoiceControl

@Suite struct StateFilePathTests {
    @Test(arguments: [
        ("/var/lib/voiced/state", "/var/lib/voiced"), ("/state", "/"), ("state", ""), ("dir/state", "dir"),
        ("/var/lib/voiced/", "/var/lib"), ("/", "/"),
    ])
    func theDirectoryIsWhatFoundationsDeletingLastPathComponentGave(path: String, directory: String) {
        #expect(StateFileStore.parentDirectory(of: path) == directory)
    }
}

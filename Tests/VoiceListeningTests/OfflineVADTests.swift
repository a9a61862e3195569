import Foundation
import Testing
import VoiceCore
import VoiceDSP
import VoiceTestSupport

@testable import VoiceListening

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "voiced-listen-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ samples: [Int16], rate: Int, to name: String) throws {
        let bytes = WAVCodec.encode(WAVAudio(sampleRate: rate, samples: samples))
        try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name))
    }
}

@Suite(.computeBound) struct OfflineVADTests {
    /// A two-rate manifest like the eval kit's: a speech clip, a noise clip and an echo clip.
    func makeCorpus(in directory: TemporaryDirectory) throws {
        try FileManager.default.createDirectory(atPath: directory.path + "/16k", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path + "/24k", withIntermediateDirectories: true)
        var entries: [String] = []
        for rate in [16000, 24000] {
            let folder = "\(rate / 1000)k"
            let noise = Signals.whiteNoise(levelDBFS: -55, seconds: 3, sampleRate: rate, seed: 41)
            let speech = Signals.speechLike(levelDBFS: -25, seconds: 1, sampleRate: rate, seed: 42)
            try directory.write(
                Signals.mix(noise, Signals.placed(speech, at: 1, totalSeconds: 3, sampleRate: rate)),
                rate: rate, to: "\(folder)/sp.wav")
            try directory.write(noise, rate: rate, to: "\(folder)/nz.wav")
            let reply = Signals.placed(
                Signals.speechLike(levelDBFS: -20, seconds: 2, sampleRate: rate, seed: 43), at: 0.3, totalSeconds: 3,
                sampleRate: rate)
            let echo = Signals.echo(of: reply, delayMilliseconds: 15, gainDB: -15, sampleRate: rate)
            try directory.write(Signals.mix(noise, echo), rate: rate, to: "\(folder)/echo.wav")
            try directory.write(reply, rate: rate, to: "\(folder)/echo_ref.wav")
            entries += [
                #"{"file": "\#(folder)/sp.wav", "rate": \#(rate), "kind": "speech", "segments_ms": [[1000, 2000]]}"#,
                #"{"file": "\#(folder)/nz.wav", "rate": \#(rate), "kind": "noise"}"#,
                #"{"file": "\#(folder)/echo.wav", "rate": \#(rate), "kind": "echo", "ref_file": "\#(folder)/echo_ref.wav"}"#,
            ]
        }
        let manifest = #"{"split": "test", "frame_ms": 10, "files": [\#(entries.joined(separator: ", "))]}"#
        try Data(manifest.utf8).write(to: URL(fileURLWithPath: directory.path + "/manifest.json"))
    }

    @Test(arguments: [16000, 24000])
    func scoringAManifestWritesOneDecisionStringPerClip(rate: Int) throws {
        let directory = try TemporaryDirectory()
        try makeCorpus(in: directory)
        let output = directory.path + "/decisions.json"
        let count = try OfflineVAD.scoreManifest(
            manifestPath: directory.path + "/manifest.json", rate: rate, outputPath: output)
        #expect(count == 3)
        let decoded = try JSONDecoder().decode(
            [String: String].self, from: Data(contentsOf: URL(fileURLWithPath: output)))
        let folder = "\(rate / 1000)k"
        #expect(Set(decoded.keys) == ["\(folder)/sp.wav", "\(folder)/nz.wav", "\(folder)/echo.wav"])
        for (_, value) in decoded {
            #expect(value.count == 300)
            #expect(value.allSatisfy { $0 == "0" || $0 == "1" })
        }
        let speech = Array(try #require(decoded["\(folder)/sp.wav"]))
        #expect(speech[120..<190].filter { $0 == "1" }.count > 60)
        #expect(!speech[0..<95].contains("1"))
        #expect(!(try #require(decoded["\(folder)/nz.wav"])).contains("1"))
        #expect(!(try #require(decoded["\(folder)/echo.wav"])).contains("1"))
    }

    @Test func aMissingRateOrFileSaysWhatToDo() throws {
        let directory = try TemporaryDirectory()
        try makeCorpus(in: directory)
        let manifest = directory.path + "/manifest.json"
        #expect(throws: OfflineVADError.self) {
            try OfflineVAD.scoreManifest(manifestPath: manifest, rate: 8000, outputPath: directory.path + "/d.json")
        }
        do {
            try OfflineVAD.scoreManifest(manifestPath: directory.path + "/nope.json", rate: 16000, outputPath: "/tmp/x")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("nope.json"))
        }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: manifest))
        #expect(throws: OfflineVADError.self) {
            try OfflineVAD.scoreManifest(manifestPath: manifest, rate: 16000, outputPath: directory.path + "/d.json")
        }
    }

    @Test func theTimelineListsSpeechAndBargeIns() throws {
        let directory = try TemporaryDirectory()
        let rate = 16000
        let reply = Signals.placed(
            Signals.speechLike(levelDBFS: -20, seconds: 3, sampleRate: rate, pitch: 200, seed: 44), at: 0.5,
            totalSeconds: 8, sampleRate: rate)
        let user = Signals.speechLike(levelDBFS: -18, seconds: 1, sampleRate: rate, pitch: 110, seed: 45)
        let mic = Signals.mix(
            Signals.whiteNoise(levelDBFS: -60, seconds: 8, sampleRate: rate, seed: 46),
            Signals.echo(of: reply, delayMilliseconds: 10, gainDB: -15, sampleRate: rate),
            Signals.placed(user, at: 2.5, totalSeconds: 8, sampleRate: rate),
            Signals.placed(user, at: 5.5, totalSeconds: 8, sampleRate: rate)
        )
        try directory.write(mic, rate: rate, to: "mic.wav")
        try directory.write(reply, rate: rate, to: "played.wav")
        let text = try OfflineVAD.timeline(
            recording: directory.path + "/mic.wav", reference: directory.path + "/played.wav")
        let lines = text.split(separator: "\n")
        // One barge-in (the first utterance, over the reply), one ordinary turn (the second).
        #expect(lines.filter { $0.contains("s  barge-in: level") }.count == 1)
        #expect(lines.filter { $0.contains("turn: speech started") }.count == 1)
        #expect(lines.filter { $0.contains("turn: speech ended") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("0.50–") && $0.contains("playback audible") })
        #expect(text.contains("1 barge-in(s)"))
        let noReference = try OfflineVAD.timeline(recording: directory.path + "/mic.wav")
        #expect(noReference.contains("0 barge-in(s)"))
        #expect(!noReference.contains("no signal"))
        #expect(!text.contains("struck tones"), "no bells ring here")
    }

    @Test func theTimelineShowsWhenTheRoomIsTakenForBells() throws {
        // Once the strikes mark the room, onsets there wait to show a voice's change: a user whose words come late in
        // such a span where nothing rings learns from the timeline which test to turn off.
        let directory = try TemporaryDirectory()
        let rate = 16000
        let mic = Signals.mix(
            Signals.whiteNoise(levelDBFS: -75, seconds: 20, sampleRate: rate, seed: 71),
            Signals.bells(levelDBFS: -35, seconds: 20, sampleRate: rate, seed: 72)
        )
        try directory.write(mic, rate: rate, to: "bells.wav")
        let text = try OfflineVAD.timeline(recording: directory.path + "/bells.wav")
        let lines = text.split(separator: "\n")
        let firstSpan = try #require(lines.firstIndex { $0.contains("s  struck tones (bells, chimes)") }, "\(text)")
        // The room is marked only after strikes were heard as onsets.
        let firstStart = try #require(lines.firstIndex { $0.contains("turn: speech started") })
        #expect(firstStart < firstSpan)
        #expect(text.contains(" s of struck tones"))
        var off = ListeningSettings()
        off.struckToneRoomMs = 0
        let withoutTest = try OfflineVAD.timeline(recording: directory.path + "/bells.wav", settings: off)
        #expect(!withoutTest.contains("struck tones"))
    }

    @Test func theTimelineShowsWhereTheMicrophoneDeliveredNothing() throws {
        // A recording that starts before the microphone delivers and is muted for a while: those spans are named (the
        // floor the detector learns there is not the room's, so what follows them may read as speech).
        let directory = try TemporaryDirectory()
        let rate = 16000
        let room = { (seconds: Double, seed: UInt64) in
            Signals.whiteNoise(levelDBFS: -55, seconds: seconds, sampleRate: rate, seed: seed)
        }
        let mic =
            Signals.silence(seconds: 0.3, sampleRate: rate) + room(2, 47)
            + Signals.silence(seconds: 1.5, sampleRate: rate) + room(2, 48)
        try directory.write(mic, rate: rate, to: "mic.wav")
        let text = try OfflineVAD.timeline(recording: directory.path + "/mic.wav")
        let lines = text.split(separator: "\n")
        let noSignal = lines.filter { $0.contains("no signal: every sample zero") }
        #expect(noSignal.count == 2)
        #expect(noSignal.first?.hasPrefix("0.00–0.30 s") == true)
        #expect(noSignal.last?.hasPrefix("2.30–3.80 s") == true)
        #expect(text.contains("1.80 s without signal"))
    }
}

@Suite struct ListeningSettingsTests {
    @Test func defaultsAreTheDetectorDefaults() {
        #expect(ListeningSettings().detectorParameters == ListeningParameters())
    }

    @Test func everyKeyIsOptionalAndSnakeCase() throws {
        let empty = try JSONDecoder().decode(ListeningSettings.self, from: Data("{}".utf8))
        #expect(empty == ListeningSettings())
        let json =
            #"{"end_of_turn_silence_ms": 900, "barge_in_margin_db": 4.5, "hangover_ms": 150, "#
            + #""barge_in_band_margin_db": 0}"#
        let some = try JSONDecoder().decode(ListeningSettings.self, from: Data(json.utf8))
        #expect(some.endOfTurnSilenceMs == 900)
        #expect(some.detectorParameters.echo.bargeInMarginDB == 4.5)
        #expect(some.detectorParameters.echo.bargeInBandMarginDB == 0)
        #expect(ListeningSettings().detectorParameters.echo.bargeInBandMarginDB == 8)
        #expect(some.detectorParameters.vad.hangoverMilliseconds == 150)
        #expect(some.onsetFrames == ListeningSettings().onsetFrames)
    }

    @Test func steadySpectrumKeysReachTheVAD() throws {
        let settings = try JSONDecoder().decode(
            ListeningSettings.self,
            from: Data(#"{"stationary_flux_db": 1, "spectral_flux_lag_ms": 50}"#.utf8))
        #expect(settings.detectorParameters.vad.stationaryFluxDB == 1)
        #expect(settings.detectorParameters.vad.spectralFluxLagMilliseconds == 50)
        #expect(ListeningSettings().detectorParameters.vad.stationaryFluxDB == 0)
    }

    @Test func struckToneKeysReachTheVAD() throws {
        let settings = try JSONDecoder().decode(
            ListeningSettings.self,
            from: Data(
                (#"{"struck_tone_room_ms": 0, "struck_tone_pair_ms": 2000, "struck_tone_change_db": 2, "#
                    + #""struck_tone_rise_db": 3, "struck_tone_wait_ms": 30, "struck_tone_watch_ms": 80, "#
                    + #""struck_tone_decay_db": 0.5, "struck_tone_attack_db": 8}"#).utf8))
        let vad = settings.detectorParameters.vad
        #expect(vad.struckToneRoomMilliseconds == 0)
        #expect(vad.struckTonePairMilliseconds == 2000)
        #expect(vad.struckToneChangeDB == 2)
        #expect(vad.struckToneRiseDB == 3)
        #expect(vad.struckToneWaitMilliseconds == 30)
        #expect(vad.struckToneWatchMilliseconds == 80)
        #expect(vad.struckToneDecayDB == 0.5)
        #expect(vad.struckToneAttackDB == 8)
        #expect(ListeningSettings().detectorParameters.vad.struckToneRoomMilliseconds == 10000)
    }

    @Test func ringOutKeysReachTheVAD() throws {
        let settings = try JSONDecoder().decode(
            ListeningSettings.self, from: Data(#"{"ring_out_ms": 300, "ring_out_drop_db": 4}"#.utf8))
        #expect(settings.detectorParameters.vad.ringOutMilliseconds == 300)
        #expect(settings.detectorParameters.vad.ringOutDropDB == 4)
        #expect(ListeningSettings().detectorParameters.vad.ringOutMilliseconds == 200)
        #expect(ListeningSettings().detectorParameters.vad.ringOutDropDB == 6)
        var typo = ListeningSettings()
        typo.ringOutMs = -200
        #expect(typo.validationProblems().contains { $0.contains("listening.ring_out_ms") })
    }

    @Test func bandOnsetKeysReachTheVAD() throws {
        let settings = try JSONDecoder().decode(
            ListeningSettings.self,
            from: Data(
                #"{"band_onset_db": 10, "band_onset_spread_factor": 3, "band_onset_steady_room_db": 4}"#.utf8))
        #expect(settings.detectorParameters.vad.bandOnsetDB == 10)
        #expect(settings.detectorParameters.vad.bandOnsetSpreadFactor == 3)
        #expect(settings.detectorParameters.vad.bandOnsetSteadyRoomDB == 4)
        #expect(ListeningSettings().detectorParameters.vad.bandOnsetDB == 8)
        #expect(ListeningSettings().detectorParameters.vad.bandOnsetSpreadFactor == 2)
        #expect(ListeningSettings().detectorParameters.vad.bandOnsetSteadyRoomDB == 5)
        var typo = ListeningSettings()
        typo.bandOnsetDB = 80_000
        #expect(typo.validationProblems().contains { $0.contains("listening.band_onset_db") })
    }

    @Test func impulseBrightShareKeyReachesTheVAD() throws {
        let settings = try JSONDecoder().decode(
            ListeningSettings.self, from: Data(#"{"impulse_bright_share_db": -6}"#.utf8))
        #expect(settings.detectorParameters.vad.impulseBrightShareDB == -6)
        #expect(ListeningSettings().detectorParameters.vad.impulseBrightShareDB == -4)
        var typo = ListeningSettings()
        typo.impulseBrightShareDB = -40_000
        #expect(typo.validationProblems().contains { $0.contains("listening.impulse_bright_share_db") })
    }

    @Test func tonalRoomKeysReachTheVAD() throws {
        let json = #"""
            {"tonal_onset_occupancy": 0.25, "tonal_hold_occupancy": 0.1,
             "tonal_room_minimum_occupancy": 0.05, "tonal_room_maximum_occupancy": 0.5}
            """#
        let vad = try JSONDecoder().decode(ListeningSettings.self, from: Data(json.utf8)).detectorParameters.vad
        #expect(vad.tonalOnsetOccupancy == 0.25)
        #expect(vad.tonalHoldOccupancy == 0.1)
        #expect(vad.tonalRoomMinimumOccupancy == 0.05)
        #expect(vad.tonalRoomMaximumOccupancy == 0.5)
        let defaults = ListeningSettings().detectorParameters.vad
        #expect(defaults.tonalOnsetOccupancy == 0.3)
        #expect(defaults.tonalHoldOccupancy == 0.15)
        #expect(defaults.tonalRoomMinimumOccupancy == 0.08)
        #expect(defaults.tonalRoomMaximumOccupancy == 0.45)
        var percent = ListeningSettings()
        percent.tonalOnsetOccupancy = 30
        #expect(
            percent.validationProblems() == [
                "listening.tonal_onset_occupancy must be a share of the spectrum between 0 and 1, not 30.0"
            ])
    }

    @Test func talkerGoneKeysReachTheDetector() throws {
        let settings = try JSONDecoder().decode(
            ListeningSettings.self, from: Data(#"{"talker_gone_drop_db": 9, "talker_gone_ms": 400}"#.utf8))
        #expect(settings.detectorParameters.talkerGoneDropDB == 9)
        #expect(settings.detectorParameters.talkerGoneMilliseconds == 400)
        #expect(ListeningSettings().detectorParameters.talkerGoneDropDB == 12)
        #expect(ListeningSettings().detectorParameters.talkerGoneMilliseconds == 700)
        var tooLong = ListeningSettings()
        tooLong.talkerGoneMs = 600_000
        #expect(tooLong.validationProblems() == ["listening.talker_gone_ms must be between 0 and 60000 ms, not 600000"])
    }

    @Test func encodingRoundTripsWithSnakeCaseKeys() throws {
        var settings = ListeningSettings()
        settings.echoTailMs = 450
        let data = try JSONEncoder().encode(settings)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"echo_tail_ms\":450"))
        #expect(try JSONDecoder().decode(ListeningSettings.self, from: data) == settings)
    }
}

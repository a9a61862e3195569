import Testing
import VoiceCore

@Suite struct ListeningSettingsValidationTests {
    @Test func theDefaultsAreValid() {
        #expect(ListeningSettings().validationProblems().isEmpty)
    }

    @Test func eachProblemNamesItsKeyAndWhatItAccepts() {
        var settings = ListeningSettings()
        settings.noiseFloorWindowMs = -1600
        settings.couplingUnlearnMs = 3_000_000
        settings.bandCouplingUnlearnMs = -150
        settings.couplingQuantile = 9
        settings.noiseFloorSmoothing = 1
        settings.onsetThresholdDB = .infinity
        settings.bargeInMarginDB = .nan
        settings.struckToneSpreadCapDB = -.infinity
        let problems = settings.validationProblems()
        #expect(problems.count == 8, "\(problems)")
        #expect(problems.contains("listening.noise_floor_window_ms must be between 0 and 60000 ms, not -1600"))
        #expect(problems.contains("listening.coupling_unlearn_ms must be between 0 and 60000 ms, not 3000000"))
        #expect(problems.contains("listening.band_coupling_unlearn_ms must be between 0 and 60000 ms, not -150"))
        #expect(problems.contains { $0.hasPrefix("listening.coupling_quantile must be between 0 and 1") })
        #expect(problems.contains { $0.hasPrefix("listening.noise_floor_smoothing must be at least 0 and below 1") })
        #expect(problems.contains { $0.hasPrefix("listening.onset_threshold_db must be a number within ±1000") })
        #expect(problems.contains { $0.hasPrefix("listening.barge_in_margin_db must be a number within ±1000") })
        #expect(problems.contains { $0.hasPrefix("listening.struck_tone_spread_cap_db must be a number within ±1000") })
    }

    @Test func zeroTurnsAFeatureOffAndIsAccepted() {
        var settings = ListeningSettings()
        settings.couplingUnlearnMs = 0
        settings.bandCouplingUnlearnMs = 0
        settings.quietEchoEvidenceDB = 0
        settings.bargeInSpreadTimeMs = 0
        settings.impulseKnockFrames = 0
        settings.struckToneOnsetRiseDB = 0
        #expect(settings.validationProblems().isEmpty)
    }
}

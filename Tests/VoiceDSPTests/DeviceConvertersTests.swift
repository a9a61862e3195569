import Foundation
import Testing

@testable import VoiceDSP

@Suite struct DeviceConvertersTests {
    @Test func stereoS32At48kReachesTheSessionAs24kMono() throws {
        // A HAT microphone on the right channel (1 kHz, -6 dBFS), the left channel carrying a hum
        // that must not leak in when the right channel is picked.
        let converter = CaptureConverter(
            deviceRate: 48000, sessionRate: 24000, format: .s32LE, channels: 2,
            selection: .channel(1), maximumPeriodFrames: 480
        )
        let right = SignalAnalysis.tone(frequency: 1000, sampleRate: 48000, count: 48000, amplitude: 0.5)
        let left = SignalAnalysis.tone(frequency: 50, sampleRate: 48000, count: 48000, amplitude: 0.9)
        var session: [Int16] = []
        var output = [Int16](repeating: 0, count: converter.maximumOutputCount)
        for periodStart in stride(from: 0, to: 48000, by: 480) {
            var bytes: [UInt8] = []
            for frame in periodStart..<(periodStart + 480) {
                for sample in [left[frame], right[frame]] {
                    let value = SampleConversion.int32(sample)
                    bytes += (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
                }
            }
            let produced = bytes.withUnsafeBytes { raw in
                output.withUnsafeMutableBufferPointer { converter.convert(raw, into: $0) }
            }
            #expect(produced <= converter.maximumOutputCount)
            session += output[..<produced]
        }
        let delay = converter.resampler.delayFrames
        #expect(session.count <= 24000 && session.count >= 24000 - converter.resampler.tapsPerPhase)
        let steady = SampleConversion.floats(from: Array(session[(2 * delay)...]))
        let fit = SignalAnalysis.fitTone(steady[...], frequency: 1000, sampleRate: 24000)
        #expect(abs(SignalAnalysis.decibels(fit.amplitude / 0.5)) < 0.05)
        // What is left is the 16-bit quantisation, far below the tone.
        #expect(SignalAnalysis.decibels(fit.residualRMS / 0.5) < -80)
    }

    @Test func playbackAppliesVolumeInPlaceAndFillsEveryChannel() {
        let converter = PlaybackConverter(
            sessionRate: 24000, deviceRate: 48000, format: .s16LE, channels: 2,
            maximumPeriodSamples: 240, volume: SoftwareVolume(percent: 60, sampleRate: 24000)
        )
        let tone = SampleConversion.int16s(from: SignalAnalysis.tone(frequency: 440, sampleRate: 24000, count: 24000))
        var played: [Int16] = []
        var device: [Int16] = []
        var bytes = [UInt8](repeating: 0, count: converter.maximumOutputFrames * 2 * 2)
        for periodStart in stride(from: 0, to: tone.count, by: 240) {
            var period = Array(tone[periodStart..<(periodStart + 240)])
            let frames = period.withUnsafeMutableBufferPointer { samples in
                bytes.withUnsafeMutableBytes { converter.convert(samples, into: $0) }
            }
            played += period
            device += bytes.withUnsafeBytes { raw in
                (0..<(frames * 2)).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
            }
        }
        // The caller's samples now hold what was played: 20 dB below the tone.
        #expect(zip(played, tone).allSatisfy { abs(Int($0) - (Int($1) + 5) / 10) <= 1 })
        let left = stride(from: 0, to: device.count, by: 2).map { device[$0] }
        let right = stride(from: 1, to: device.count, by: 2).map { device[$0] }
        #expect(left == right)
        #expect(left.count <= 48000 && left.count >= 48000 - 2 * converter.resampler.tapsPerPhase)
        let level = SignalMeasures.rmsDBFS(left[1000...]) - SignalMeasures.rmsDBFS(tone[500...])
        #expect(abs(level - -20) < 0.1)
    }
}

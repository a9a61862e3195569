import Foundation
import Testing
import VoiceTestSupport

@testable import VoiceDSP

@Suite(.computeBound) struct DeviceConvertersTests {
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
        let delay = converter.delayFrames
        #expect(session.count == 24000)
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
                (0..<(frames * 2)).map {
                    Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))
                }
            }
        }
        // The caller's samples now hold what was played: 20 dB below the tone.
        #expect(zip(played, tone).allSatisfy { abs(Int($0) - (Int($1) + 5) / 10) <= 1 })
        let left = stride(from: 0, to: device.count, by: 2).map { device[$0] }
        let right = stride(from: 1, to: device.count, by: 2).map { device[$0] }
        #expect(left == right)
        #expect(left.count == 48000)
        let level = SignalMeasures.rmsDBFS(left[1000...]) - SignalMeasures.rmsDBFS(tone[500...])
        #expect(abs(level - -20) < 0.1)
    }

    @Test func everyRatioPicksItsRateConversion() {
        func capture(_ rate: Int) -> RateConversion {
            CaptureConverter(
                deviceRate: rate, sessionRate: 24000, format: .s16LE, channels: 1, maximumPeriodFrames: 480
            ).rateConversion
        }
        func playback(_ rate: Int) -> RateConversion {
            PlaybackConverter(
                sessionRate: 24000, deviceRate: rate, format: .s16LE, channels: 1, maximumPeriodSamples: 240
            ).rateConversion
        }
        #expect({ if case .halfBandDecimation = capture(48000) { true } else { false } }())
        #expect({ if case .none = capture(24000) { true } else { false } }())
        #expect({ if case .polyphase = capture(44100) { true } else { false } }())
        #expect({ if case .halfBandInterpolation = playback(48000) { true } else { false } }())
        #expect({ if case .none = playback(24000) { true } else { false } }())
        #expect({ if case .polyphase = playback(16000) { true } else { false } }())
    }

    /// The one-pass capture routes must give exactly what the general route gives: mono Float (picked
    /// or averaged), the same rate converter on Floats, then Int16. A mono device's downmix is its one
    /// channel, so it takes the one-pass route too (the simulated card: 24 kHz mono S16_LE).
    @Test(arguments: [48000, 24000], [PCMSampleFormat.s16LE, .s32LE])
    func onePassCaptureEqualsTheStepByStepRoute(deviceRate: Int, format: PCMSampleFormat) {
        for channels in [2, 1] {
            onePassCaptureEqualsTheStepByStepRoute(deviceRate: deviceRate, format: format, channels: channels)
        }
    }

    private func onePassCaptureEqualsTheStepByStepRoute(deviceRate: Int, format: PCMSampleFormat, channels: Int) {
        let periodFrames = deviceRate / 100
        let noise = (0..<(deviceRate / 5 * channels)).map { (index: Int) -> Float in
            let smooth: Double = sin(Double(index) * 0.37) * 0.7
            return Float(smooth + Double(index % 11) * 0.02 - 0.1)
        }
        var device = [UInt8](repeating: 0, count: noise.count * format.bytesPerSample)
        for (index, value) in noise.enumerated() {
            switch format {
            case .s16LE:
                let sample = SampleConversion.int16(value)
                device[2 * index] = UInt8(truncatingIfNeeded: sample)
                device[2 * index + 1] = UInt8(truncatingIfNeeded: sample >> 8)
            case .s32LE:
                let sample = SampleConversion.int32(value)
                for byte in 0..<4 { device[4 * index + byte] = UInt8(truncatingIfNeeded: sample >> (8 * byte)) }
            }
        }
        for selection in [ChannelSelection.channel(1), .downmix] {
            let converter = CaptureConverter(
                deviceRate: deviceRate, sessionRate: 24000, format: format, channels: channels,
                selection: selection, maximumPeriodFrames: periodFrames
            )
            let decimator = deviceRate == 24000 ? nil : HalfBandDecimator(inputRate: deviceRate, outputRate: 24000)
            var fast: [Int16] = []
            var reference: [Int16] = []
            var output = [Int16](repeating: 0, count: converter.maximumOutputCount)
            var mono = [Float](repeating: 0, count: periodFrames)
            var resampled = [Float](repeating: 0, count: periodFrames)
            // Periods of varying length, odd ones included, as a device may deliver after an xrun.
            var start = 0
            var period = 0
            let frameBytes = format.bytesPerSample * channels
            while start < device.count {
                let frames = min(
                    [periodFrames, 1, periodFrames - 3, 7][period % 4], (device.count - start) / frameBytes)
                let bytes = device[start..<(start + frames * frameBytes)]
                let produced = bytes.withUnsafeBytes { raw in
                    output.withUnsafeMutableBufferPointer { converter.convert(raw, into: $0) }
                }
                fast += output[..<produced]
                let monoCount = bytes.withUnsafeBytes { raw in
                    mono.withUnsafeMutableBufferPointer {
                        SampleConversion.mono(
                            fromInterleaved: raw, format: format, channels: channels, selection: selection, into: $0)
                    }
                }
                let floats: [Float]
                if let decimator {
                    let count = mono.withUnsafeBufferPointer { source in
                        resampled.withUnsafeMutableBufferPointer {
                            decimator.process(UnsafeBufferPointer(rebasing: source[..<monoCount]), into: $0)
                        }
                    }
                    floats = Array(resampled[..<count])
                } else {
                    floats = Array(mono[..<monoCount])
                }
                reference += SampleConversion.int16s(from: floats)
                start += frames * frameBytes
                period += 1
            }
            #expect(fast.count == (decimator == nil ? noise.count / channels : noise.count / channels / 2))
            #expect(fast == reference, "\(deviceRate) Hz \(format) ×\(channels) \(selection)")
        }
    }

    @Test func onePassPlaybackEqualsTheStepByStepRoute() {
        for channels in [1, 2, 3] {
            let converter = PlaybackConverter(
                sessionRate: 24000, deviceRate: 48000, format: .s16LE, channels: channels, maximumPeriodSamples: 240
            )
            let interpolator = HalfBandInterpolator(inputRate: 24000, outputRate: 48000)
            let signal = (0..<2400).map { Int16(truncatingIfNeeded: ($0 &* 7919) % 30000 - 15000) }
            var bytes = [UInt8](repeating: 0, count: converter.maximumOutputFrames * channels * 2)
            var device: [Int16] = []
            var expected: [Int16] = []
            var startIndex = 0
            for size in [240, 1, 239, 13, 227, 240].cycled(upTo: signal.count) {
                var period = Array(signal[startIndex..<(startIndex + size)])
                startIndex += size
                let frames = period.withUnsafeMutableBufferPointer { samples in
                    bytes.withUnsafeMutableBytes { converter.convert(samples, into: $0) }
                }
                #expect(frames == 2 * size)
                device += bytes.withUnsafeBytes { raw in
                    (0..<(frames * channels)).map {
                        Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self))
                    }
                }
                let floats = SampleConversion.floats(from: period)
                var resampled = [Float](repeating: 0, count: 2 * size)
                _ = floats.withUnsafeBufferPointer { source in
                    resampled.withUnsafeMutableBufferPointer { interpolator.process(source, into: $0) }
                }
                for sample in SampleConversion.int16s(from: resampled) {
                    expected += Array(repeating: sample, count: channels)
                }
            }
            #expect(device == expected, "\(channels) channels")
        }
    }
}

extension Array where Element == Int {
    /// The sizes repeated until they add up to `total` (the last one cut to fit).
    func cycled(upTo total: Int) -> [Int] {
        var result: [Int] = []
        var sum = 0
        var index = 0
        while sum < total {
            let size = Swift.min(self[index % count], total - sum)
            result.append(size)
            sum += size
            index += 1
        }
        return result
    }
}

import Testing

@testable import VoiceDSP

@Suite struct SoftwareVolumeTests {
    @Test func percentMapsToDecibels() {
        #expect(SoftwareVolume.decibels(forPercent: 100) == 0)
        #expect(SoftwareVolume.decibels(forPercent: 60) == -20)
        #expect(SoftwareVolume.decibels(forPercent: 1) == -49.5)
        #expect(SoftwareVolume.decibels(forPercent: 0) == nil)
        #expect(SoftwareVolume.decibels(forPercent: 250) == 0)
        #expect(SoftwareVolume.percent(forDecibels: -20) == 60)
        #expect(SoftwareVolume.percent(forDecibels: 6) == 100)
        #expect(SoftwareVolume.percent(forDecibels: -80) == 0)
        #expect(SoftwareVolume.percent(forDecibels: .nan) == 0)
        for percent in 0...100 {
            let decibels = SoftwareVolume.decibels(forPercent: percent) ?? -.infinity
            #expect(SoftwareVolume.percent(forDecibels: decibels) == percent)
        }
    }

    @Test func stepsAreThreeDecibels() throws {
        var volume = SoftwareVolume(percent: 60)
        volume.up()
        #expect(volume.percent == 66)
        #expect(try #require(volume.decibels) - -20 == SoftwareVolume.stepDecibels)
        volume.down()
        volume.down()
        #expect(volume.decibels == -23)
        #expect(abs(Double(volume.targetGain) - 0.0708) < 0.0001)  // 10^(-23/20)

        var nearTop = SoftwareVolume(percent: 97)
        nearTop.up()
        #expect(nearTop.percent == 100 && nearTop.targetGain == 1)
        var nearBottom = SoftwareVolume(percent: 4)
        nearBottom.down()
        #expect(nearBottom.percent == 0 && nearBottom.targetGain == 0 && nearBottom.decibels == nil)
    }

    @Test func muteKeepsTheLevelAndUpUnmutes() {
        var volume = SoftwareVolume(percent: 80)
        volume.setMuted(true)
        #expect(volume.targetGain == 0 && volume.percent == 80 && volume.decibels == nil)
        volume.down()
        #expect(volume.isMuted && volume.percent == 74)
        volume.up()
        #expect(!volume.isMuted && volume.percent == 80 && volume.decibels == -10)
    }

    @Test func steadyGainScalesFloatAndInt16Samples() {
        var volume = SoftwareVolume(percent: 60, sampleRate: 24000)
        var floats: [Float] = [1, -0.5, 0.25]
        floats.withUnsafeMutableBufferPointer { volume.apply(to: $0) }
        #expect(floats.map { ($0 * 1000).rounded() } == [100, -50, 25])
        var ints: [Int16] = [10000, -32768, 5]
        ints.withUnsafeMutableBufferPointer { volume.apply(to: $0) }
        // 5 × 0.1 = 0.5 exactly: half-way cases round to even (SampleConversion.int16).
        #expect(ints == [1000, -3277, 0])

        var full = SoftwareVolume(percent: 100)
        var untouched: [Int16] = [32767, -32768, 1, 0]
        untouched.withUnsafeMutableBufferPointer { full.apply(to: $0) }
        #expect(untouched == [32767, -32768, 1, 0])
    }

    @Test func changesRampSmoothlyInsteadOfJumping() {
        var volume = SoftwareVolume(percent: 100, sampleRate: 24000, rampMilliseconds: 10)
        volume.setMuted(true)
        #expect(volume.isRamping)
        var ones = [Float](repeating: 1, count: 400)
        ones.withUnsafeMutableBufferPointer { volume.apply(to: $0) }
        // 10 ms at 24 kHz = 240 samples from 1 down to 0, evenly.
        #expect(ones[0] < 1 && ones[0] > 0.99)
        #expect(ones[239] == 0 && ones[399] == 0)
        #expect(ones[119] > 0.49 && ones[119] < 0.51)
        let largestStep = zip(ones, ones.dropFirst()).map { abs($0 - $1) }.max()!
        #expect(largestStep <= 1.0 / 240 + 1e-5)
        #expect(!volume.isRamping)
    }

    @Test func aRampContinuesAcrossBuffers() {
        var whole = SoftwareVolume(percent: 40, sampleRate: 16000)
        var split = whole
        whole.setPercent(90)
        split.setPercent(90)
        var one = [Float](repeating: 0.5, count: 300)
        one.withUnsafeMutableBufferPointer { whole.apply(to: $0) }
        var parts = [Float](repeating: 0.5, count: 300)
        parts.withUnsafeMutableBufferPointer { buffer in
            for range in [0..<7, 7..<100, 100..<101, 101..<300] {
                split.apply(to: UnsafeMutableBufferPointer(rebasing: buffer[range]))
            }
        }
        #expect(one == parts)
        #expect(whole == split)
    }

    @Test func zeroRampSwitchesAtOnce() {
        var volume = SoftwareVolume(percent: 100, rampMilliseconds: 0)
        volume.setPercent(60)
        #expect(!volume.isRamping && volume.currentGain == volume.targetGain)
        var samples: [Float] = [1]
        samples.withUnsafeMutableBufferPointer { volume.apply(to: $0) }
        #expect(abs(samples[0] - 0.1) < 1e-6)
    }

    @Test func updateIgnoresRepeatsAndClampsOutOfRangeSettings() {
        var volume = SoftwareVolume(percent: 50)
        var ones = [Float](repeating: 1, count: 1000)
        ones.withUnsafeMutableBufferPointer { volume.apply(to: $0) }
        volume.update(percent: 50, isMuted: false)
        #expect(!volume.isRamping)
        volume.update(percent: 140, isMuted: false)
        #expect(volume.percent == 100 && volume.isRamping)
        volume.update(percent: -3, isMuted: false)
        #expect(volume.percent == 0 && volume.targetGain == 0)
    }
}

import Testing

@testable import VoiceDSP

@Suite struct SampleConversionTests {
    @Test func int16SurvivesTheTripThroughFloatForEveryValue() {
        for value in Int(Int16.min)...Int(Int16.max) {
            let sample = Int16(value)
            let float = SampleConversion.float(sample)
            #expect(float >= -1 && float < 1)
            if SampleConversion.int16(float) != sample {
                Issue.record("\(sample) came back as \(SampleConversion.int16(float))")
                return
            }
        }
    }

    @Test func floatToInt16RoundsClipsAndSurvivesNaN() {
        #expect(SampleConversion.int16(1.0) == 32767)
        #expect(SampleConversion.int16(-1.0) == -32768)
        #expect(SampleConversion.int16(7.5) == 32767)
        #expect(SampleConversion.int16(-7.5) == -32768)
        #expect(SampleConversion.int16(.infinity) == 32767)
        #expect(SampleConversion.int16(-.infinity) == -32768)
        #expect(SampleConversion.int16(.nan) == 0)
        #expect(SampleConversion.int16(0.6 / 32768) == 1)
        #expect(SampleConversion.int16(-0.4 / 32768) == 0)
        #expect(SampleConversion.int16(-1.6 / 32768) == -2)
    }

    @Test func floatToInt32ClipsAtBothEnds() {
        #expect(SampleConversion.int32(1.0) == .max)
        #expect(SampleConversion.int32(-1.0) == .min)
        #expect(SampleConversion.int32(3) == .max)
        #expect(SampleConversion.int32(.nan) == 0)
        #expect(SampleConversion.int32(0.5) == 1 << 30)
        #expect(SampleConversion.float(Int32.min) == -1)
    }

    @Test func bufferFormsConvertTheShorterLength() {
        let samples: [Int16] = [0, 16384, -16384, 32767]
        var floats = [Float](repeating: 9, count: 3)
        let converted = samples.withUnsafeBufferPointer { source in
            floats.withUnsafeMutableBufferPointer { SampleConversion.convert(source, into: $0) }
        }
        #expect(converted == 3)
        #expect(floats == [0, 0.5, -0.5])
        var back = [Int16](repeating: 0, count: 5)
        let convertedBack = floats.withUnsafeBufferPointer { source in
            back.withUnsafeMutableBufferPointer { SampleConversion.convert(source, into: $0) }
        }
        #expect(convertedBack == 3)
        #expect(back == [0, 16384, -16384, 0, 0])
    }

    @Test func stereoS16IsDownmixedOrPicked() {
        // Frames (left, right): (1000, 3000), (-32768, -32768), (32767, -32766)
        let bytes = Self.littleEndianBytes16([1000, 3000, -32768, -32768, 32767, -32766])
        #expect(Self.mono(bytes, .s16LE, channels: 2, .downmix) == [2000.0 / 32768, -1, 0.5 / 32768])
        #expect(Self.mono(bytes, .s16LE, channels: 2, .channel(0)) == [1000.0 / 32768, -1, 32767.0 / 32768])
        #expect(Self.mono(bytes, .s16LE, channels: 2, .channel(1)) == [3000.0 / 32768, -1, -32766.0 / 32768])
        // A channel beyond the last reads the last one; a trailing partial frame is ignored.
        #expect(
            Self.mono(bytes, .s16LE, channels: 2, .channel(5)) == Self.mono(bytes, .s16LE, channels: 2, .channel(1)))
        #expect(Self.mono(bytes + [0x12], .s16LE, channels: 2, .downmix).count == 3)
    }

    @Test func stereoS32FromAHATReachesMono() {
        // An I2S microphone on the right channel, the left one silent.
        let right: [Int32] = [1 << 30, -(1 << 29), Int32.min, Int32.max]
        let interleaved: [Int32] = right.flatMap { [0, $0] }
        let bytes: [UInt8] = interleaved.flatMap { (value: Int32) -> [UInt8] in
            (0..<4).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
        }
        #expect(Self.mono(bytes, .s32LE, channels: 2, .channel(1)) == [0.5, -0.25, -1, 1])
        #expect(Self.mono(bytes, .s32LE, channels: 2, .downmix) == [0.25, -0.125, -0.5, 0.5])
        #expect(Self.mono(bytes, .s32LE, channels: 1, .downmix).count == 8)
    }

    @Test(arguments: PCMSampleFormat.allCases, [1, 2])
    func monoInterleavedToTheDeviceAndBackIsUnchanged(format: PCMSampleFormat, channels: Int) {
        let source: [Float] = [0, 0.5, -0.5, 0.25, -1, 1.0 / 32768]
        var bytes = [UInt8](repeating: 0xAA, count: source.count * format.bytesPerSample * channels)
        let written = source.withUnsafeBufferPointer { mono in
            bytes.withUnsafeMutableBytes {
                SampleConversion.interleave(mono, into: $0, format: format, channels: channels)
            }
        }
        #expect(written == source.count)
        #expect(!bytes.contains(0xAA))
        #expect(Self.mono(bytes, format, channels: channels, .downmix) == source)
        #expect(Self.mono(bytes, format, channels: channels, .channel(channels - 1)) == source)
    }

    @Test func interleavingClipsLoudSamples() {
        var bytes = [UInt8](repeating: 0, count: 4)
        [Float(1.5), -2].withUnsafeBufferPointer { mono in
            _ = bytes.withUnsafeMutableBytes {
                SampleConversion.interleave(mono, into: $0, format: .s16LE, channels: 1)
            }
        }
        #expect(bytes == [0xFF, 0x7F, 0x00, 0x80])
    }

    static func littleEndianBytes16(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    static func mono(_ bytes: [UInt8], _ format: PCMSampleFormat, channels: Int, _ selection: ChannelSelection)
        -> [Float]
    {
        var output = [Float](repeating: .nan, count: bytes.count)
        let frames = bytes.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer {
                SampleConversion.mono(
                    fromInterleaved: raw, format: format, channels: channels, selection: selection, into: $0)
            }
        }
        return Array(output[..<frames])
    }
}

@Suite struct SIMDSampleConversionTests {
    @Test func fourLanesRoundExactlyLikeTheScalarForm() {
        // Every Int16 step and the half-way points between them, beyond both ends, NaN and infinities.
        var values: [Float] = []
        for step in -32800...32800 { values.append(Float(step) / 32768); values.append((Float(step) + 0.5) / 32768) }
        values += [.nan, .infinity, -.infinity, 3, -3, 0.49999997 / 32768, -0.49999997 / 32768, .leastNonzeroMagnitude]
        while values.count % 4 != 0 { values.append(0) }
        for index in stride(from: 0, to: values.count, by: 4) {
            let lanes = SIMD4(values[index], values[index + 1], values[index + 2], values[index + 3])
            let rounded = SampleConversion.int16s(lanes)
            for lane in 0..<4 where rounded[lane] != SampleConversion.int16(lanes[lane]) {
                Issue.record("\(lanes[lane]): SIMD \(rounded[lane]), scalar \(SampleConversion.int16(lanes[lane]))")
                return
            }
        }
    }

    @Test func halfwayCasesRoundToEven() {
        #expect(SampleConversion.int16(0.5 / 32768) == 0)
        #expect(SampleConversion.int16(1.5 / 32768) == 2)
        #expect(SampleConversion.int16(2.5 / 32768) == 2)
        #expect(SampleConversion.int16(-2.5 / 32768) == -2)
        #expect(SampleConversion.int16(32766.5 / 32768) == 32766)
        #expect(SampleConversion.int16(0.49999997 / 32768) == 0)
    }

    @Test func bufferConversionHandlesEveryLength() {
        for count in 0...9 {
            let floats = (0..<count).map { Float($0) * 0.11 - 0.4 }
            var output = [Int16](repeating: 99, count: count + 1)
            let converted = floats.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { SampleConversion.convert(source, into: $0) }
            }
            #expect(converted == count)
            #expect(Array(output[..<count]) == floats.map(SampleConversion.int16))
            #expect(output[count] == 99)
        }
    }
}

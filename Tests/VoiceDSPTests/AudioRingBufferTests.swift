import Testing

@testable import VoiceDSP

@Suite struct AudioRingBufferTests {
    @Test func roundTripsAcrossTheWrapPoint() {
        let ring = AudioRingBuffer(minimumCapacity: 8)
        var out = [Int16](repeating: 0, count: 8)
        for round in 0..<5 {
            let input: [Int16] = (0..<6).map { Int16(round * 10 + $0) }
            #expect(input.withUnsafeBufferPointer { ring.write($0) } == 6)
            let n = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
            #expect(n == 6)
            #expect(Array(out[0..<6]) == input)
        }
        #expect(ring.droppedSamples == 0)
    }

    @Test func countsWhatDoesNotFit() {
        let ring = AudioRingBuffer(minimumCapacity: 4)
        let input: [Int16] = [1, 2, 3, 4, 5, 6]
        #expect(input.withUnsafeBufferPointer { ring.write($0) } == 4)
        #expect(ring.droppedSamples == 2)
        #expect(ring.readAll() == [1, 2, 3, 4])
        #expect(ring.writeSilence(count: 3) == 3)
        #expect(ring.discardAll() == 3)
        #expect(ring.availableToRead == 0)
    }
}

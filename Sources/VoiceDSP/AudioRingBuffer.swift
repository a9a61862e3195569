import Synchronization

/// A preallocated single-producer / single-consumer ring of 16-bit samples.
///
/// This is how audio crosses between the real-time ALSA threads and async code: the producer and
/// the consumer each own one index, published with acquire/release atomics, so neither side ever
/// takes a lock, allocates or blocks. When the ring is full the producer keeps what fits and counts
/// the rest as dropped; it never moves the consumer's index (that would race).
public final class AudioRingBuffer: @unchecked Sendable {
    // @unchecked: the storage is only written by the producer in [writeIndex, readIndex + capacity)
    // and only read by the consumer in [readIndex, writeIndex); the indices are atomics.
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Int16>
    private let writeIndex = Atomic<Int>(0)
    private let readIndex = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)

    /// - Parameter minimumCapacity: samples; rounded up to a power of two.
    public init(minimumCapacity: Int) {
        precondition(minimumCapacity > 0, "a ring buffer needs room for at least one sample")
        var size = 1
        while size < minimumCapacity { size <<= 1 }
        capacity = size
        mask = size - 1
        storage = .allocate(capacity: size)
        storage.initialize(repeating: 0, count: size)
    }

    deinit { storage.deallocate() }

    /// Samples ready for the consumer.
    public var availableToRead: Int {
        writeIndex.load(ordering: .acquiring) &- readIndex.load(ordering: .acquiring)
    }

    /// Samples ever stored (the producer's count since creation): sample `p` of the stream is the
    /// `p`-th sample written. With `readPosition`, a consumer can say when a sample was produced.
    public var writePosition: Int { writeIndex.load(ordering: .acquiring) }

    /// Samples ever consumed (read or discarded) since creation: the position of the next sample read.
    public var readPosition: Int { readIndex.load(ordering: .acquiring) }

    /// Samples the producer could not store because the ring was full, since creation.
    public var droppedSamples: Int { dropped.load(ordering: .relaxed) }

    /// Producer side. Copies as much of `samples` as fits; the rest is counted as dropped.
    /// - Returns: the number of samples stored.
    @discardableResult
    public func write(_ samples: UnsafeBufferPointer<Int16>) -> Int {
        let write = writeIndex.load(ordering: .relaxed)
        let read = readIndex.load(ordering: .acquiring)
        let free = capacity - (write &- read)
        let count = min(free, samples.count)
        if count < samples.count { dropped.add(samples.count - count, ordering: .relaxed) }
        guard count > 0, let base = samples.baseAddress else { return 0 }
        let start = write & mask
        let firstPart = min(count, capacity - start)
        (storage + start).update(from: base, count: firstPart)
        if count > firstPart { storage.update(from: base + firstPart, count: count - firstPart) }
        writeIndex.store(write &+ count, ordering: .releasing)
        return count
    }

    /// Producer side: stores `count` zero samples (silence), with the same drop rule as `write`.
    @discardableResult
    public func writeSilence(count requested: Int) -> Int {
        let write = writeIndex.load(ordering: .relaxed)
        let read = readIndex.load(ordering: .acquiring)
        let count = min(capacity - (write &- read), requested)
        if count < requested { dropped.add(requested - count, ordering: .relaxed) }
        guard count > 0 else { return 0 }
        let start = write & mask
        let firstPart = min(count, capacity - start)
        (storage + start).update(repeating: 0, count: firstPart)
        if count > firstPart { storage.update(repeating: 0, count: count - firstPart) }
        writeIndex.store(write &+ count, ordering: .releasing)
        return count
    }

    /// Consumer side. Copies up to `destination.count` samples out of the ring.
    /// - Returns: the number of samples copied.
    @discardableResult
    public func read(into destination: UnsafeMutableBufferPointer<Int16>) -> Int {
        let read = readIndex.load(ordering: .relaxed)
        let write = writeIndex.load(ordering: .acquiring)
        let count = min(write &- read, destination.count)
        guard count > 0, let base = destination.baseAddress else { return 0 }
        let start = read & mask
        let firstPart = min(count, capacity - start)
        base.update(from: storage + start, count: firstPart)
        if count > firstPart { (base + firstPart).update(from: storage, count: count - firstPart) }
        readIndex.store(read &+ count, ordering: .releasing)
        return count
    }

    /// Consumer side: forgets everything currently stored (a cancelled reply, a flushed turn).
    /// - Returns: the number of samples discarded.
    @discardableResult
    public func discardAll() -> Int {
        let read = readIndex.load(ordering: .relaxed)
        let write = writeIndex.load(ordering: .acquiring)
        readIndex.store(write, ordering: .releasing)
        return write &- read
    }

    /// Consumer-side convenience for non-real-time code: reads everything available into an array.
    public func readAll() -> [Int16] {
        let count = availableToRead
        guard count > 0 else { return [] }
        return [Int16](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = read(into: buffer)
        }
    }
}

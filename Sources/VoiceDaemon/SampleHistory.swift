/// The newest `capacity` samples of a stream, kept in a fixed ring: appending never moves what is
/// already stored (an array trimmed with `removeFirst` moved the whole window per frame).
struct SampleHistory {
    private var storage: [Int16]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) { storage = [Int16](repeating: 0, count: max(capacity, 0)) }

    var capacity: Int { storage.count }

    mutating func append(_ samples: UnsafeBufferPointer<Int16>) {
        guard capacity > 0 else { return }
        // Only the newest `capacity` samples of a long append can survive it.
        let kept =
            samples.count > capacity ? UnsafeBufferPointer(rebasing: samples[(samples.count - capacity)...]) : samples
        var source = 0
        while source < kept.count {
            let run = min(kept.count - source, capacity - next)
            let destination = next
            storage.withUnsafeMutableBufferPointer { buffer in
                (buffer.baseAddress! + destination).update(from: kept.baseAddress! + source, count: run)
            }
            source += run
            next = (next + run) % capacity
        }
        count = min(count + kept.count, capacity)
    }

    /// The stored samples, oldest first.
    func ordered() -> [Int16] {
        guard count > 0 else { return [] }
        let start = (next - count + capacity) % capacity
        if start + count <= capacity { return Array(storage[start..<start + count]) }
        return Array(storage[start...]) + Array(storage[..<(start + count - capacity)])
    }

    mutating func removeAll() {
        count = 0
        next = 0
    }
}

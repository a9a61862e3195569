import Foundation

/// Runs blocking work (a `ControlClient`, a raw socket read) on its own thread and awaits it, so that
/// tests never block the cooperative pool that the code under test needs (2 cores → 2 pool threads).
public func blockingCall<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Runs tasks on a serial dispatch queue of its own, off the cooperative pool: for a task whose code under test
/// calls something the test makes block (a fake slow write), so that the blocked thread is not one of the two
/// pool threads every other test needs (`Task(executorPreference:)`).
public final class BlockableTaskExecutor: TaskExecutor, Sendable {
    private let queue = DispatchQueue(label: "voiced-test.blockable")

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A fresh directory under /tmp (short, so Unix socket paths fit in 107 bytes), removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "voiced-test") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        guard created != nil else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/tmp/\(prefix)-XXXXXX"])
        }
        // mkdtemp filled in the X's; the array still ends with the C string's terminator.
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func appending(_ name: String) -> String { path + "/" + name }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

// Swift Testing is importable only where tests are built (debug builds, `swift build --build-tests`): a release
// `swift build` of the whole package, the README's first step on a Pi, compiles this module without it.
#if canImport(Testing)
import Foundation
import Testing

/// Runs every test it is applied to on `ComputeThreads.shared` instead of the cooperative pool.
///
/// Swift Testing calls a synchronous test function on the cooperative pool, which has one thread per
/// core: two here. A listening or resampler test that computes for seconds holds one of them for that
/// long, and two such tests hold both, so every test that waits on a socket, a timer or a real-time
/// thread meanwhile stops making progress: the realtime handshake's 10 s deadline, the control
/// socket's hello and the simulator's fault schedule all failed this way in a full run on a loaded
/// machine. Apply it to a suite (`@Suite(.computeBound)`) and each of its test cases runs its body on
/// a thread of its own, leaving the pool to the tests that wait.
///
/// Only for tests that compute: the threads are shared by every such suite and run jobs in order, so a test
/// here that awaits something (a service, a stream, a socket) resumes only after the long computations queued
/// before it. Put waiting tests in a suite without the trait.
public struct ComputeBoundTrait: SuiteTrait, TestTrait, TestScoping {
    /// Reaches the suite's test functions and nested suites, so one annotation covers a suite.
    public var isRecursive: Bool { true }

    /// One scope per test case: that is where a test function's body runs.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(ComputeThreads.shared) {
            try await function()
        }
    }
}

extension Trait where Self == ComputeBoundTrait {
    /// The test computes for a long time without waiting: run it off the cooperative pool.
    public static var computeBound: Self { ComputeBoundTrait() }
}

/// A few threads of their own that run the jobs of compute-bound tests, as many as there are cores.
///
/// As many threads as cores keeps the whole run's CPU work as parallel as before while the
/// cooperative pool stays free; more would only make the compute-bound tests share the cores with
/// each other. Jobs run in the order they were enqueued. The threads live as long as the process.
public final class ComputeThreads: TaskExecutor, @unchecked Sendable {
    /// The executor `ComputeBoundTrait` uses.
    public static let shared = ComputeThreads(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    // Guards `pending`; signalled when a job is added. @unchecked Sendable: all state is under it.
    private let condition = NSCondition()
    private var pending: [UnownedJob] = []
    private var runningThreadIDs: Set<ObjectIdentifier> = []

    /// Starts `threadCount` (at least one) threads named `compute-bound test N`; they keep the executor alive.
    public init(threadCount: Int) {
        for index in 0..<max(1, threadCount) {
            let thread = Thread { self.runJobs() }
            thread.name = "compute-bound test \(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        condition.lock()
        pending.append(unownedJob)
        condition.signal()
        condition.unlock()
    }

    /// Whether the calling thread is one of this executor's threads.
    public var isCurrentThreadOurs: Bool {
        condition.lock()
        defer { condition.unlock() }
        return runningThreadIDs.contains(ObjectIdentifier(Thread.current))
    }

    private func runJobs() {
        condition.lock()
        runningThreadIDs.insert(ObjectIdentifier(Thread.current))
        condition.unlock()
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let job = pending.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
#endif

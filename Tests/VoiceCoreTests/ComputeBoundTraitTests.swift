import Testing
import VoiceTestSupport

/// `.computeBound` moves a synchronous test's body off the cooperative pool, where a long computation
/// would starve the tests that wait on sockets and timers.
@Suite(.computeBound) struct ComputeBoundTraitTests {
    @Test func aSynchronousTestRunsOnAComputeThread() {
        #expect(ComputeThreads.shared.isCurrentThreadOurs)
    }

    @Test(arguments: [1, 2])
    func eachCaseOfAParameterizedTestRunsOnAComputeThread(argument: Int) {
        #expect(ComputeThreads.shared.isCurrentThreadOurs, "case \(argument)")
    }

    @Test func anAsyncTestResumesOnAComputeThreadAfterASuspension() async {
        await Task.yield()
        #expect(ComputeThreads.shared.isCurrentThreadOurs)
    }

    @Suite struct Nested {
        @Test func aNestedSuiteInheritsTheTrait() {
            #expect(ComputeThreads.shared.isCurrentThreadOurs)
        }
    }
}

@Suite struct WithoutComputeBoundTraitTests {
    @Test func aTestWithoutTheTraitStaysOnThePool() {
        #expect(!ComputeThreads.shared.isCurrentThreadOurs)
    }
}

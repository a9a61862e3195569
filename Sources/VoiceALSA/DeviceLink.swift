import Glibc
import Synchronization

/// One direction's device as its thread sees it: the backend, what was negotiated, and the
/// recovery rules (xrun and suspend recovered in place; a lost device closed and reopened on a
/// fixed interval from the same thread).
final class DeviceLink {
    enum Outcome: Equatable {
        case recovered
        case lost
    }

    let backend: any PCMBackend
    let request: PCMOpenRequest
    let state: DirectionState
    private(set) var parameters: PCMParameters
    private(set) var isOpen = true
    private let reopenIntervalNanoseconds: Int64
    private var nextReopenAttempt: Int64 = 0

    init(
        backend: any PCMBackend, request: PCMOpenRequest, parameters: PCMParameters, state: DirectionState,
        reopenIntervalNanoseconds: Int64
    ) {
        self.backend = backend
        self.request = request
        self.parameters = parameters
        self.state = state
        self.reopenIntervalNanoseconds = reopenIntervalNanoseconds
    }

    /// Handles a negative return from a PCM call.
    func handle(error code: Int32, during call: ALSACall) -> Outcome {
        state.recordError(call, code: code)
        switch -code {
        case EAGAIN, EINTR:
            return .recovered
        case ENODEV, EBADFD, ENXIO:
            markLost()
            return .lost
        case EPIPE:
            state.xruns.add(1, ordering: .relaxed)
        case ESTRPIPE:
            state.suspends.add(1, ordering: .relaxed)
        default:
            break
        }
        // snd_pcm_recover prepares after an xrun and resumes (or prepares) after a suspend; for
        // anything else it returns the error and the device is treated as lost.
        let recovered = backend.recover(from: code)
        if recovered == 0 { return .recovered }
        state.recordError(.recover, code: recovered)
        markLost()
        return .lost
    }

    private func markLost() {
        backend.close()
        isOpen = false
        nextReopenAttempt = monotonicNanoseconds() + reopenIntervalNanoseconds
        state.lost.store(true, ordering: .releasing)
    }

    /// Tries to reopen once the interval since the last attempt has passed.
    /// - Returns: true when the device is open again (the caller resets its stream state).
    func reopenIfDue() -> Bool {
        let now = monotonicNanoseconds()
        guard !isOpen, now >= nextReopenAttempt else { return false }
        nextReopenAttempt = now + reopenIntervalNanoseconds
        do {
            parameters = try backend.open(request)
        } catch {
            state.recordError(.open, code: error.code)
            return false
        }
        isOpen = true
        state.rate.store(parameters.rate, ordering: .relaxed)
        state.reopens.add(1, ordering: .relaxed)
        state.lost.store(false, ordering: .releasing)
        return true
    }

    /// Time until the next reopen attempt, capped at `cap`, for a stop-responsive wait.
    func waitSlice(cap: Int64) -> Int64 {
        min(cap, max(0, nextReopenAttempt - monotonicNanoseconds()))
    }
}

#if !canImport(FoundationEssentials)
import Foundation  // Thread, where there is no FoundationEssentials (below)
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` on a new detached thread, for blocking work that must not hold one of the cooperative pool's
/// threads (one per core). Foundation's `Thread` is not in FoundationEssentials, so on Linux this is a POSIX
/// thread, unnamed: `pthread_setname_np` is not visible to Swift without a C shim. Returns false, with `errno` set,
/// if the system refused a thread.
public func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    #if canImport(FoundationEssentials)
    final class Work: Sendable {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let work = Unmanaged.passRetained(Work(body: body))
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let result = pthread_create(
        &thread, &attributes,
        { context in
            let work = Unmanaged<Work>.fromOpaque(context!).takeRetainedValue()
            work.body()
            return nil
        }, work.toOpaque())
    if result != 0 {
        work.release()
        errno = result
        return false
    }
    return true
    #else
    Thread.detachNewThread(body)
    return true
    #endif
}

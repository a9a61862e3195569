import CVoiceALSAShim
import Glibc

/// A dedicated pthread for one audio direction: never the cooperative pool, never an event loop.
final class AudioThread {
    private var thread: pthread_t
    private var joined = false

    /// The body runs once on the new thread; the thread ends when it returns.
    private final class Context {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts a thread with a fixed stack.
    /// - Parameters:
    ///   - name: shown by `top -H` / `ps -L` (at most 15 bytes are kept).
    ///   - realtimePriority: SCHED_FIFO priority to ask for (allowed for root or when the unit sets
    ///     LimitRTPRIO); if refused the thread keeps the normal policy and `isRealtime` is false.
    static func start(
        name: String, realtimePriority: Int? = nil, body: @escaping () -> Void
    ) -> AudioThread? {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 512 * 1024)
        let context = Unmanaged.passRetained(Context(name: name, body: body))
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { raw in
                guard let raw else { return nil }
                let context = Unmanaged<Context>.fromOpaque(raw).takeRetainedValue()
                voiced_set_current_thread_name(context.name)
                context.body()
                return nil
            },
            context.toOpaque()
        )
        guard status == 0 else {
            context.release()
            return nil
        }
        var isRealtime = false
        if let realtimePriority {
            var parameters = sched_param(sched_priority: Int32(realtimePriority))
            isRealtime = pthread_setschedparam(thread, SCHED_FIFO, &parameters) == 0
        }
        return AudioThread(thread: thread, isRealtime: isRealtime)
    }

    /// True when the thread runs with SCHED_FIFO.
    let isRealtime: Bool

    private init(thread: pthread_t, isRealtime: Bool) {
        self.thread = thread
        self.isRealtime = isRealtime
    }

    /// Waits for the body to return. Idempotent.
    func join() {
        guard !joined else { return }
        joined = true
        pthread_join(thread, nil)
    }
}

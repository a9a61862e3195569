import CVoiceALSAShim
import Glibc
import VoiceCore

/// Keeps the threads a captured chunk passes through on one CPU (`audio.cpu`).
///
/// While a turn streams, each 100 ms chunk goes capture thread → `voiced-wake` → the session's event loop →
/// the socket, one thread after the other: nothing in that chain can run in parallel. Left to the scheduler
/// on a machine with idle cores, each hand-off is sent to another idle core (Linux picks an idle CPU for a
/// woken thread when there is one), so every chunk wakes two or three cores out of their idle state, pays an
/// inter-processor interrupt per hop and runs each step on caches that have gone cold. On one core the
/// hand-offs are plain context switches. See BENCHMARKS.md, "Streaming CPU, seventh pass".
public enum AudioCPUPlacement {
    /// The CPU `choice` names among `allowed` (the CPUs the process may run on), or nil to leave the threads
    /// to the scheduler: `off`; `auto` with fewer than two CPUs (nothing to gain, and nothing to choose); a
    /// number the process may not use.
    public static func resolve(_ choice: AudioSettings.CPUChoice, allowed: [Int]) -> Int? {
        switch choice {
        case .off: return nil
        case .auto: return allowed.count >= 2 ? allowed.max() : nil
        case .number(let cpu): return allowed.contains(cpu) ? cpu : nil
        }
    }

    /// The CPUs the process may run on (its main thread's affinity: `CPUAffinity=` of the unit, or `taskset`),
    /// whichever thread asks; empty when the kernel does not say.
    public static func allowedCPUs() -> [Int] {
        cpuList { voiced_allowed_cpus($0, $1) }
    }

    /// The CPUs `thread` may run on; empty when the kernel does not say.
    static func allowedCPUs(of thread: pthread_t) -> [Int] {
        cpuList { voiced_thread_allowed_cpus(thread, $0, $1) }
    }

    private static func cpuList(_ read: (UnsafeMutablePointer<UInt8>?, Int32) -> Int32) -> [Int] {
        let capacity = 1024
        var flags = [UInt8](repeating: 0, count: capacity)
        let count = flags.withUnsafeMutableBufferPointer { read($0.baseAddress, Int32(capacity)) }
        guard count > 0 else { return [] }
        return flags.indices.filter { flags[$0] != 0 }
    }

    /// Keeps `thread` on `cpu`; false when the kernel refused.
    @discardableResult
    static func pin(_ thread: pthread_t, to cpu: Int) -> Bool {
        voiced_pin_thread(thread, Int32(cpu)) == 0
    }

    /// Keeps the calling thread on `cpu`. Returns false when the kernel refused (the CPU went offline, or the
    /// process's cgroup does not allow it); the thread then stays where it may run.
    @discardableResult
    public static func pinCurrentThread(to cpu: Int) -> Bool {
        voiced_pin_current_thread(Int32(cpu)) == 0
    }
}

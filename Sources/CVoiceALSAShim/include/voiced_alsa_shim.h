#ifndef VOICED_ALSA_SHIM_H
#define VOICED_ALSA_SHIM_H
#include <alsa/asoundlib.h>
#include <pthread.h>

/// Installs an error handler that drops libasound's own stderr chatter
/// (Swift cannot implement the C-variadic snd_lib_error_handler_t).
void voiced_alsa_silence_errors(void);

/// Names the calling thread for top -H / ps -L (at most 15 bytes are kept). pthread_setname_np
/// needs _GNU_SOURCE, which Swift's Glibc module does not define.
int voiced_set_current_thread_name(const char *name);

/// A non-blocking, close-on-exec eventfd (sys/eventfd.h is not part of Swift's Glibc module):
/// the engine's allocation-free wake-up from its real-time threads. Returns -1 on failure.
int voiced_eventfd(void);

/// The CPUs the process's main thread may run on (what the unit's CPUAffinity= or taskset allowed, whichever
/// thread asks): allowed[cpu] = 1 or 0 for cpu < capacity. Returns how many are
/// allowed (below capacity), or -1 when sched_getaffinity fails. (CPU_SET and friends are macros Swift cannot call.)
int voiced_allowed_cpus(unsigned char *allowed, int capacity);

/// Keeps `thread` on `cpu` only. Returns 0, or the error of pthread_setaffinity_np.
int voiced_pin_thread(pthread_t thread, int cpu);

/// Keeps the calling thread on `cpu` only. Returns 0, or the error of pthread_setaffinity_np.
int voiced_pin_current_thread(int cpu);

/// Like voiced_allowed_cpus, for one thread (pthread_getaffinity_np).
int voiced_thread_allowed_cpus(pthread_t thread, unsigned char *allowed, int capacity);

#endif

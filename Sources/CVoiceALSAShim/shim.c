#define _GNU_SOURCE
#include <pthread.h>
#include <alsa/asoundlib.h>
#include "voiced_alsa_shim.h"

static void voiced_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

void voiced_alsa_silence_errors(void) { snd_lib_error_set_handler(voiced_alsa_quiet); }

int voiced_set_current_thread_name(const char *name) {
    char truncated[16];
    snprintf(truncated, sizeof truncated, "%s", name);
    return pthread_setname_np(pthread_self(), truncated);
}

#include <sys/eventfd.h>

int voiced_eventfd(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

#include <errno.h>
#include <unistd.h>
#include <sched.h>

int voiced_allowed_cpus(unsigned char *allowed, int capacity) {
    cpu_set_t set;
    if (sched_getaffinity(getpid(), sizeof set, &set) != 0) return -1;  /* the main thread's: never pinned */
    int count = 0;
    for (int cpu = 0; cpu < capacity && cpu < CPU_SETSIZE; cpu++) {
        allowed[cpu] = CPU_ISSET(cpu, &set) ? 1 : 0;
        count += allowed[cpu];
    }
    return count;
}

int voiced_pin_thread(pthread_t thread, int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(thread, sizeof set, &set);
}

int voiced_pin_current_thread(int cpu) { return voiced_pin_thread(pthread_self(), cpu); }

int voiced_thread_allowed_cpus(pthread_t thread, unsigned char *allowed, int capacity) {
    cpu_set_t set;
    if (pthread_getaffinity_np(thread, sizeof set, &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < capacity && cpu < CPU_SETSIZE; cpu++) {
        allowed[cpu] = CPU_ISSET(cpu, &set) ? 1 : 0;
        count += allowed[cpu];
    }
    return count;
}

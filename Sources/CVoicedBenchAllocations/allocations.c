#define _GNU_SOURCE
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <execinfo.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "voiced_bench_allocations.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_int counting = 0;
static char prefixes[2][16];
static atomic_ulong counts[2];
/// VOICED_BENCH_ALLOCATION_TRACES=N prints the call stacks of the first N counted allocations.
static atomic_long traces_left = -1;
static _Thread_local int in_trace = 0;

static void trace(void) {
    long left = atomic_load(&traces_left);
    if (left < 0) {
        const char *text = getenv("VOICED_BENCH_ALLOCATION_TRACES");
        left = text ? atol(text) : 0;
        atomic_store(&traces_left, left);
    }
    if (left <= 0 || in_trace) return;
    atomic_fetch_sub(&traces_left, 1);
    in_trace = 1;
    void *frames[32];
    int count = backtrace(frames, 32);
    static const char header[] = "--- allocation on an audio thread:\n";
    write(2, header, sizeof header - 1);
    backtrace_symbols_fd(frames, count, 2);
    in_trace = 0;
}

void voiced_bench_count_allocations(int slot, const char *thread_name_prefix) {
    if (slot < 0 || slot > 1) return;
    strncpy(prefixes[slot], thread_name_prefix, sizeof prefixes[slot] - 1);
    atomic_store(&counting, 1);
}

void voiced_bench_stop_counting(void) { atomic_store(&counting, 0); }

unsigned long voiced_bench_allocations(int slot) {
    return (slot < 0 || slot > 1) ? 0 : atomic_load(&counts[slot]);
}

void voiced_bench_reset_allocations(void) {
    atomic_store(&counts[0], 0);
    atomic_store(&counts[1], 0);
}

/// Attributes one allocation to the calling thread's slot, by thread name. prctl does not allocate.
static void count_one(void) {
    if (!atomic_load_explicit(&counting, memory_order_relaxed)) return;
    char name[17] = {0};
    if (prctl(PR_GET_NAME, name, 0, 0, 0) != 0) return;
    for (int slot = 0; slot < 2; slot++) {
        size_t length = strlen(prefixes[slot]);
        if (length > 0 && strncmp(name, prefixes[slot], length) == 0) {
            atomic_fetch_add_explicit(&counts[slot], 1, memory_order_relaxed);
            trace();
            return;
        }
    }
}

void *malloc(size_t size) {
    count_one();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_one();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    count_one();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    count_one();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_one();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    count_one();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return 22; /* EINVAL */
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return 12; /* ENOMEM */
    *result = pointer;
    return 0;
}

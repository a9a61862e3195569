#ifndef VOICED_BENCH_ALLOCATIONS_H
#define VOICED_BENCH_ALLOCATIONS_H

/// Allocation counting for voiced-bench only: this target defines malloc, calloc, realloc,
/// posix_memalign, aligned_alloc and memalign, forwarding to glibc's __libc_* functions, so every
/// allocation in the process (Swift runtime included) passes through it. While counting is on, an
/// allocation made by a thread whose name starts with the given prefix is counted.
/// Never link this into the daemon.

/// Starts counting allocations of threads whose name starts with `thread_name_prefix`
/// (at most 15 bytes are compared, the kernel's limit) into the slot `slot` (0 or 1).
void voiced_bench_count_allocations(int slot, const char *thread_name_prefix);

/// Stops counting (both slots keep their totals).
void voiced_bench_stop_counting(void);

/// Allocations counted in `slot` since the last reset.
unsigned long voiced_bench_allocations(int slot);

void voiced_bench_reset_allocations(void);

#endif

// What one thread wake-up costs on this machine, by how long the CPU slept before it (BENCHMARKS.md, seventh pass).
// Thread A sleeps PERIOD_NS with clock_nanosleep, then wakes thread B through an eventfd; B answers through another.
// Prints each thread's own CPU time (CLOCK_THREAD_CPUTIME_ID) per round: the work is two syscalls each, so what grows
// with PERIOD_NS is the cost of starting cold. CPU_A / CPU_B: pin each thread there (-1: leave it to the scheduler).
//   cc -O2 -o /tmp/wake-cost scripts/wake-cost.c -lpthread
//   /tmp/wake-cost CPU_A CPU_B ROUNDS PERIOD_NS      e.g. /tmp/wake-cost 1 1 60 100000000 (same CPU, 100 ms)
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int to_b, to_a, cpu_a, cpu_b, rounds;
static double b_microseconds;

static void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static double thread_microseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return now.tv_sec * 1e6 + now.tv_nsec / 1e3;
}

static void *answer(void *unused) {
    (void)unused;
    pin(cpu_b);
    uint64_t value;
    double start = thread_microseconds();
    for (int round = 0; round < rounds; round++) {
        if (read(to_b, &value, 8) != 8) break;
        value = 1;
        if (write(to_a, &value, 8) != 8) break;
    }
    b_microseconds = thread_microseconds() - start;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s CPU_A CPU_B ROUNDS PERIOD_NS (CPU -1: unpinned; PERIOD_NS 0: no sleep)\n", argv[0]);
        return 2;
    }
    cpu_a = atoi(argv[1]);
    cpu_b = atoi(argv[2]);
    rounds = atoi(argv[3]);
    long period = atol(argv[4]);
    to_b = eventfd(0, 0);
    to_a = eventfd(0, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, answer, NULL);
    pin(cpu_a);
    struct timespec sleep = {period / 1000000000, period % 1000000000};
    uint64_t value;
    double start = thread_microseconds();
    for (int round = 0; round < rounds; round++) {
        if (period > 0) clock_nanosleep(CLOCK_MONOTONIC, 0, &sleep, NULL);
        value = 1;
        if (write(to_b, &value, 8) != 8 || read(to_a, &value, 8) != 8) break;
    }
    double a_microseconds = thread_microseconds() - start;
    pthread_join(thread, NULL);
    printf("period %ld ns: A (cpu %d) %.1f us/round, B (cpu %d) %.1f us/round\n", period, cpu_a,
           a_microseconds / rounds, cpu_b, b_microseconds / rounds);
    return 0;
}

#!/usr/bin/env python3
"""Runs `scripts/bench.sh BIN` (BENCH_CALLGRIND=0) into OUT and prints one line: how busy the whole machine was over
the streaming window, and the daemon's streaming figures from OUT/daemon.json.

    scripts/bench-busy.py BIN OUT [SECONDS]     # SECONDS: BENCH_SECONDS, 60 by default

"busy" is the non-idle CPU time of all CPUs (/proc/stat: everything but idle and iowait) over the streaming window,
in % of one core (200 % = both cores of a 2-core machine busy; the bench's own simulator and feeder are ~2-5 %). The
load average moves too slowly to say whether one 60 s window was quiet; this does. The window is timed from the
bench's "streaming_turn: warm-up" line plus its 5 s warm-up, so it matches the bench's own window to a fraction of a
second. The bench's full output goes to OUT.log.
"""
import json
import os
import sys
import time

from bench_window import run_bench


def non_idle_ticks():
    fields = [int(value) for value in open("/proc/stat").readline().split()[1:]]
    return time.monotonic(), sum(fields) - fields[3] - fields[4]


def main():
    bin_dir, out = sys.argv[1], sys.argv[2]
    seconds = sys.argv[3] if len(sys.argv) > 3 else "60"
    measured = {}

    def watch_window():
        start = non_idle_ticks()
        time.sleep(float(seconds))
        end = non_idle_ticks()
        measured["busy"] = 100 * (end[1] - start[1]) / os.sysconf("SC_CLK_TCK") / (end[0] - start[0])

    run_bench(bin_dir, out, seconds, watch_window, "bench-busy")
    figures = json.load(open(f"{out}/daemon.json"))
    streaming, idle = figures["streaming_turn"], figures.get("listening_idle", {})
    threads = {}
    for name, values in streaming["per_thread"].items():
        threads[name.split(" (")[0]] = threads.get(name.split(" (")[0], 0) + values["cpu_percent"]
    busiest = sorted(threads.items(), key=lambda item: -item[1])[:3]
    busy = measured.get("busy", float("nan"))
    print(f"{os.path.basename(out)} ended {time.strftime('%H:%M', time.gmtime())} UTC, busy {busy:.1f} %"
          f" | streaming: utime+stime {streaming['cpu_percent']:.3f} %,"
          f" schedstat {streaming['cpu_percent_schedstat']:.3f} %, {streaming['wakeups_per_second']:.1f} wake-ups/s; "
          + ", ".join(f"{name} {value:.3f} %" for name, value in busiest)
          + f" | idle schedstat {idle.get('cpu_percent_schedstat', float('nan')):.3f} %")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Per-chunk counts of a `BENCH_VOICED_CALLGRIND=1 scripts/bench.sh BIN` run: instructions, and the calls that are
the Swift-concurrency machinery (task switches, executor jobs, locks, allocations, retains).

    scripts/callgrind_per_chunk.py BENCH_OUT                      # the summary table
    scripts/callgrind_per_chunk.py BENCH_OUT '^swift_task_switch$'  # also: each matching callee's callers per chunk

BENCH_OUT is the run's output directory (bench-out by default): it reads callgrind.voiced.out.1 (the streaming
window's dump) and the window's chunk count from daemon.json. Calls come from callgrind's call edges (`calls=`), so
they are exact for the window; "inclusive" figures of the event loop and the capture thread come from
callgrind_annotate. Recursion suffixes ('2) are folded into their function.
"""
import collections
import json
import re
import subprocess
import sys


def parse(path):
    """Self cost per function, and per callee its call count and callers (call counts)."""
    names = {}
    self_cost = collections.Counter()
    calls = collections.Counter()
    callers = collections.defaultdict(collections.Counter)
    function = callee = None
    pending_calls = None

    def resolve(text):
        match = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not match:
            return re.sub(r"'\d+$", "", text)
        if match.group(2) is not None:
            names[match.group(1)] = match.group(2)
        return re.sub(r"'\d+$", "", names.get(match.group(1), "?" + match.group(1)))

    with open(path, errors="replace") as lines:
        for line in lines:
            if line.startswith("fn="):
                function = resolve(line[3:].rstrip("\n"))
            elif line.startswith("cfn="):
                callee = resolve(line[4:].rstrip("\n"))
            elif line.startswith("calls="):
                pending_calls = int(line[6:].split()[0])
            elif line[:1].isdigit() or line[:1] in "+-*":
                fields = line.split()
                cost = int(fields[1]) if len(fields) > 1 else 0
                if pending_calls is not None:
                    calls[callee] += pending_calls
                    callers[callee][function] += pending_calls
                    pending_calls = None
                else:
                    self_cost[function] += cost
    return self_cost, calls, callers


def main():
    out, patterns = sys.argv[1], sys.argv[2:]
    chunks = json.load(open(f"{out}/daemon.json"))["callgrind_chunks"]
    path = f"{out}/callgrind.voiced.out.1"
    self_cost, calls, callers = parse(path)
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", path], capture_output=True, text=True).stdout

    def inclusive(prefix):
        for line in annotated.splitlines():
            match = re.match(r"\s*([\d,]+)\s+\(.*?\)\s+\?\?\?:(\S+)", line)
            if match and match.group(2).startswith(prefix):
                return int(match.group(1).replace(",", "")) / chunks
        return 0.0

    def per_chunk(name_pattern):
        return sum(count for name, count in calls.items() if re.fullmatch(name_pattern, name)) / chunks

    total = sum(self_cost.values()) / chunks
    vad = inclusive("$s8VoiceDSP9EnergyVADV7process")
    loop = inclusive("$s8NIOPosix19SelectableEventLoopC3runyyKF")
    runtime = sum(
        cost for name, cost in self_cost.items()
        if re.match(r"(swift_task|swift_job|swift_continuation|swift_defaultActor|swift::|_swift_|withStatusRecordLock"
                    r"|void __swift::__runtime|\(anonymous namespace\)::Process|pthread_mutex|__pthread_mutex)", name)
    ) / chunks
    rows = [
        ("chunks in the window", f"{chunks}"),
        ("Ir, whole daemon", f"{total:,.0f}"),
        ("Ir, whole daemon without EnergyVAD.process", f"{total - vad:,.0f}"),
        ("Ir, NIO loop thread (SelectableEventLoop.run, inclusive)", f"{loop:,.0f}"),
        ("Ir, NIO loop thread without EnergyVAD.process", f"{loop - vad:,.0f}"),
        ("Ir, capture thread (CaptureLoop.run, inclusive)", f"{inclusive('$s9VoiceALSA11CaptureLoopC3runyyF'):,.0f}"),
        ("Ir, self, in the concurrency runtime and mutexes", f"{runtime:,.0f}"),
        ("swift_task_switch (executor checks)", f"{per_chunk('swift_task_switch'):.1f}"),
        ("swift_task_enqueue (jobs: real executor switches)", f"{per_chunk('swift_task_enqueue'):.1f}"),
        ("pthread_mutex_lock", f"{per_chunk('pthread_mutex_lock.*'):.1f}"),
        ("  of which the task status lock (withStatusRecordLock)", f"{per_chunk('withStatusRecordLock.*'):.1f}"),
        ("malloc", f"{per_chunk('malloc'):.1f}"),
        ("swift_retain / swift_release", f"{per_chunk('swift_retain'):.1f} / {per_chunk('swift_release'):.1f}"),
        ("swift_task_alloc (async frames)", f"{per_chunk('swift_task_alloc'):.1f}"),
    ]
    for label, value in rows:
        print(f"{label:58} {value}")
    for pattern in patterns:
        matcher = re.compile(pattern)
        for name in sorted((n for n in calls if matcher.search(n)), key=lambda n: -calls[n]):
            print(f"\n{calls[name] / chunks:8.1f} calls per chunk: {name[:110]}")
            for caller, count in callers[name].most_common(20):
                if count / chunks >= 0.05:
                    print(f"    {count / chunks:8.1f}  from {caller[:110]}")


if __name__ == "__main__":
    main()

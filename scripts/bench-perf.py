#!/usr/bin/env python3
"""Where the daemon's CPU goes while it streams a turn, kernel included: runs `scripts/bench.sh BIN` into OUT, samples
`voiced` with `perf record` over the streaming window, and prints each thread's share of the samples split into user
space and kernel, then what each thread's samples were doing (the innermost recognisable frame of each stack).

    scripts/bench-perf.py BIN OUT [SECONDS]     # SECONDS: the perf window, 30 by default

callgrind (`BENCH_VOICED_CALLGRIND=1`, `scripts/callgrind_per_chunk.py`) counts user-space instructions exactly but
sees neither the kernel nor the cost of waking up; this sees both, at the price of sampling noise (a few hundred
samples per thread) and of perf's own load (the daemon's CPU figure in OUT.log reads higher under it: use
`scripts/bench-busy.py` for the figure, this for the split). Needs `perf` (Debian: `apt-get install linux-perf`) and
the right to profile (root, or kernel.perf_event_paranoid ≤ 1).
"""
import collections
import os
import re
import shutil
import subprocess
import sys

from bench_window import run_bench

# The first pattern that matches any frame of a sample's stack names the sample (the order matters: a socket write
# made by the session is "kernel: socket write", a VAD frame inside the coordinator is "VAD").
CATEGORIES = [
    ("kernel: write (socket, eventfd, file)", r"^(__x64_sys_write|ksys_write|__x64_sys_writev|do_writev)$"),
    ("kernel: epoll wait", r"^(__x64_sys_epoll_wait|do_epoll_wait)$"),
    ("kernel: poll", r"^(__x64_sys_poll|do_sys_poll)$"),
    ("kernel: read", r"^(__x64_sys_read|ksys_read)$"),
    ("kernel: sleep", r"^(__x64_sys_clock_nanosleep|hrtimer_nanosleep)$"),
    ("kernel: getrandom", r"getrandom"),
    ("VAD and echo gate", r"VoiceDSP|ListeningSpeechDetector"),
    ("audio encoding (base64, JSON)", r"RealtimeCoding|Base64"),
    ("WebSocket framing and masking", r"MaskedClientFrame|NIOWebSocket|WSCore"),
    ("coordinator", r"VoiceDaemon"),
    ("realtime session", r"VoiceRealtime"),
    ("ALSA", r"libasound|snd_pcm"),
    ("SwiftNIO", r"NIOPosix|NIOCore"),
]


def find_daemon(binary):
    """The pid of the process running BIN/voiced (bench.sh starts exactly one)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.path.realpath(f"/proc/{pid}/exe") == binary:
                return int(pid)
        except OSError:
            continue
    return None


def samples(script_output):
    """(thread name, frames innermost first) per sample of `perf script -F comm,ip,sym,dso`."""
    head, frames = None, []
    for line in script_output.splitlines() + [""]:
        if not line.strip():
            if head is not None and frames:
                yield head, frames
            head, frames = None, []
        elif not line[0].isspace():
            head = line.strip()
        else:
            parts = line.split(None, 1)
            frames.append(parts[1].strip() if len(parts) > 1 else "?")


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    bin_dir, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    if shutil.which("perf") is None:
        raise SystemExit("bench-perf: `perf` is not installed (Debian: sudo apt-get install linux-perf)")
    binary = os.path.realpath(os.path.join(bin_dir, "voiced"))
    recorded = {}
    data = out + ".perf"

    def record():
        pid = find_daemon(binary)
        if pid is None:
            recorded["error"] = f"no process runs {binary}"
            return
        result = subprocess.run(
            ["perf", "record", "-q", "-e", "cpu-clock", "-F", "10000", "-g", "-o", data, "-p", str(pid), "--",
             "sleep", str(seconds)], capture_output=True, text=True)
        if result.returncode != 0:
            recorded["error"] = f"perf record failed: {result.stderr.strip()} (root, or kernel.perf_event_paranoid ≤ 1)"

    run_bench(bin_dir, out, int(seconds) + 10, record, "bench-perf")
    if "error" in recorded:
        raise SystemExit(f"bench-perf: {recorded['error']}")
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"], capture_output=True, text=True,
                            check=True).stdout

    threads = collections.Counter()
    kernel = collections.Counter()
    kinds = collections.defaultdict(collections.Counter)
    patterns = [(name, re.compile(pattern)) for name, pattern in CATEGORIES]
    for thread, frames in samples(script):
        threads[thread] += 1
        # Each frame is "symbol (object)"; the kernel's object is [kernel.kallsyms].
        in_kernel = "[kernel" in frames[0]
        if in_kernel:
            kernel[thread] += 1
        names = [frame.rsplit(" (", 1)[0] for frame in frames]
        for name, pattern in patterns:
            if any(pattern.search(frame) for frame in names):
                kinds[thread][name] += 1
                break
        else:
            kinds[thread]["kernel: other (wake-ups, switches)" if in_kernel else f"user: {names[0][:60]}"] += 1
    total = sum(threads.values())
    print(f"voiced while streaming a turn: {total} samples of cpu-clock at 10 kHz over {seconds:g} s ({data})")
    for thread, count in threads.most_common():
        if count < total / 100:
            continue
        print(f"  {thread:<20} {100 * count / total:5.1f} % of the samples,"
              f" {100 * kernel[thread] / count:5.1f} % of them in the kernel")
        for name, n in kinds[thread].most_common(8):
            print(f"      {100 * n / count:5.1f} %  {name}")


if __name__ == "__main__":
    main()

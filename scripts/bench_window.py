"""The part of `bench-busy.py` and `bench-perf.py` that runs the bench: `scripts/bench.sh BIN` into OUT, and something
done over its streaming window."""
import os
import subprocess
import threading
import time


def run_bench(bin_dir, out, seconds, during_streaming, name):
    """Runs `scripts/bench.sh BIN_DIR` (BENCH_SECONDS=seconds, BENCH_CALLGRIND=0) into OUT, its output to OUT.log.
    Once the streaming window's warm-up (BENCH_WARMUP, 5 s) has passed, calls `during_streaming()` on a thread; returns
    when both are done. Exits with a message naming `name` if the bench failed or never reached its streaming window."""
    warmup = float(os.environ.get("BENCH_WARMUP", "5"))
    env = dict(os.environ, BENCH_OUT=out, BENCH_SECONDS=str(seconds), BENCH_CALLGRIND="0")
    bench = subprocess.Popen(["scripts/bench.sh", bin_dir], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)

    def after_warmup():
        time.sleep(warmup)
        during_streaming()

    watcher = None
    with open(out + ".log", "w") as log:
        for line in bench.stdout:
            log.write(line)
            if "streaming_turn: warm-up" in line and watcher is None:
                watcher = threading.Thread(target=after_warmup, daemon=True)
                watcher.start()
    if bench.wait() != 0:
        raise SystemExit(f"{name}: bench.sh failed; see {out}.log")
    if watcher is None:
        raise SystemExit(f"{name}: the bench never reached its streaming window; see {out}.log")
    watcher.join()

#!/usr/bin/env bash
# Footprint and latency of the whole daemon (issue 9). `make bench` builds release and runs this.
#
# 1. The real `voiced` (release) on the simulated sound card (ALSA `file` PCMs, audio.pace: on, so the
#    engine runs at the wall clock) against the local simulator (voiced-sim --pace). The microphone is
#    a FIFO this script feeds in real time: quiet room noise, or espeak-ng speech on demand.
#    Prints, each over BENCH_SECONDS (60) after BENCH_WARMUP (5) s: resident memory (VmRSS steady and
#    peak, VmHWM), CPU share of one core (utime+stime from /proc/PID/stat, and the ns-precise
#    schedstat sum of the threads), wake-ups per second (context switches of all threads), for
#    listening idle (state idle: voiced pauses the microphone and stops the speaker then) and for
#    streaming a push-to-talk turn; start → READY=1 (a NOTIFY_SOCKET this
#    script binds) and start → control socket accepting; the latency probes of `voicectl status --json`
#    after a spoken turn and after BENCH_BARGE_INS (3) barge-ins.
# 2. The capture path under callgrind (`voiced-bench capture-path`, static-stdlib release build,
#    debug info stripped): instructions per second of audio, and CPU seconds per audio hour.
#    BENCH_CALLGRIND=0 skips it.
# BENCH_VOICED_CALLGRIND=1 runs voiced itself under callgrind (debug info stripped, instrumentation on only for
# the streaming window) and prints the whole daemon's instructions per chunk, with the costliest
# functions (inclusive) per chunk: a deterministic figure for per-chunk work, next to the noisy CPU share
# (which, under valgrind, is not the daemon's: ignore the CPU and latency figures of such a run).
# BENCH_IDLE_ONLY=1 measures only listening idle (and skips callgrind): the quick loop for memory work. Each
# window's resident memory is also split by mapping (bench-out/memory-NAME.txt, from /proc/PID/smaps).
#
# Usage: scripts/bench.sh [BIN]   (BIN: the release bin directory; `make bench` passes it)
# Everything it writes is under bench-out/ (BENCH_OUT); it stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build -c release --show-bin-path)}
OUT=${BENCH_OUT:-bench-out}
WINDOW=${BENCH_SECONDS:-60}
WARMUP=${BENCH_WARMUP:-5}
BARGE_INS=${BENCH_BARGE_INS:-3}
rm -rf "$OUT"; mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RATE=24000

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

log "machine"
{
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ×$(nproc)"
    echo "kernel: $(uname -r); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "swift: $(swift --version 2>/dev/null | head -1)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$OUT/machine.txt"

# The user's speech: a long paragraph, looped by the feeder for as long as a turn needs.
espeak-ng -v en-us -s 160 -w "$OUT/speech-raw.wav" "Good morning. I would like to plan a long trip along the \
coast this summer, with stops in small fishing towns, a few nights of camping near the beach, and a day \
or two in the mountains if the weather allows it. What should I pack, how far can I drive each day, and \
which towns have the best markets for fresh fish and bread?"
sox -q "$OUT/speech-raw.wav" -t raw -r $RATE -c 1 -b 16 -e signed "$OUT/speech.raw"

SIM_PID=""
cleanup() {
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

log "starting the realtime simulator (paced)"
"$BIN/voiced-sim" --port 0 --key bench-key --pace --log-level warning >"$OUT/sim.out" 2>"$OUT/sim.log" &
SIM_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$OUT/sim.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'ws://[^ ]*' "$OUT/sim.out" | head -1)
[ -n "$URL" ] || { echo "the simulator did not start; see $OUT/sim.log" >&2; exit 1; }

VOICED_CALLGRIND=${BENCH_VOICED_CALLGRIND:-0}
if [ "$VOICED_CALLGRIND" != 0 ]; then
    command -v valgrind >/dev/null || { echo "BENCH_VOICED_CALLGRIND needs valgrind (apt-get install valgrind)" >&2; exit 1; }
    strip --strip-debug -o "$OUT/voiced.nodebug" "$BIN/voiced"  # valgrind cannot read Swift's DWARF 5
fi

python3 - "$BIN" "$OUT" "$URL" "$WINDOW" "$WARMUP" "$BARGE_INS" "${BENCH_IDLE_ONLY:-0}" "$VOICED_CALLGRIND" <<'PY'
import json, os, select, signal, socket, statistics, subprocess, sys, tempfile, threading, time

bin_dir, out, url = sys.argv[1], sys.argv[2], sys.argv[3]
window, warmup, barge_ins = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
idle_only = sys.argv[7] not in ("", "0")
voiced_callgrind = sys.argv[8] not in ("", "0")
if voiced_callgrind:
    barge_ins = 0  # too slow under valgrind to react in time; the figure wanted is the streaming window's
sys.path.insert(0, os.path.join(os.getcwd(), "scripts"))
import smaps_summary  # noqa: E402  (scripts/smaps_summary.py)
from fifo_microphone import Microphone  # noqa: E402  (scripts/fifo_microphone.py)
RATE = 24000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
results = {"window_seconds": window, "warmup_seconds": warmup}


def log(message):
    print(f"\033[1m==> {message}\033[0m", flush=True)


# Short paths for the sockets (sun_path holds 108 bytes).
runtime = tempfile.mkdtemp(prefix="voiced-bench-")
fifo, notify_path, control_path = (os.path.join(runtime, n) for n in ("mic.fifo", "notify.sock", "control.sock"))
os.mkfifo(fifo)


class Notifications(threading.Thread):
    """The NOTIFY_SOCKET sd_notify writes to: each datagram with the time it arrived."""

    def __init__(self):
        super().__init__(daemon=True)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(notify_path)
        self.messages = []
        self.ready = threading.Event()

    def run(self):
        while True:
            try:
                data = self.socket.recv(4096)
            except OSError:
                return
            arrived = time.monotonic()
            self.messages.append((arrived, data.decode(errors="replace")))
            if "READY=1" in data.decode(errors="replace").split("\n"):
                self.ready.set()


env = dict(
    os.environ,
    VOICED_SIM_CAPTURE_FILE=fifo,
    VOICED_SIM_PLAYBACK_FILE=os.path.join(out, "speaker.raw"),
    VOICED_REALTIME_URL=url,
    XAI_API_KEY="bench-key",
    VOICED_SOCKET=control_path,
    VOICED_CONTROL_STATE_FILE=os.path.join(out, "state.json"),
    NOTIFY_SOCKET=notify_path,
)


def voicectl(*arguments, check=True):
    result = subprocess.run([os.path.join(bin_dir, "voicectl"), *arguments], env=env, capture_output=True, text=True,
                            timeout=10)
    if check and result.returncode != 0:
        raise SystemExit(f"voicectl {' '.join(arguments)} failed: {result.stderr.strip()}")
    return result.stdout


def status():
    return json.loads(voicectl("status", "--json"))


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}; see {out}/voiced.log")


def state_is(*states):
    return lambda: status().get("state") in states


class Sample:
    """One look at the process in /proc."""

    def __init__(self, pid):
        self.time = time.monotonic()
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        self.cpu_ticks = int(fields[11]) + int(fields[12])  # utime + stime
        self.minor_faults = int(fields[7])  # minflt: code faulted back in after the trim counts here
        with open(f"/proc/{pid}/status") as f:
            values = dict(line.split(":", 1) for line in f if ":" in line)
        self.rss_kb = int(values["VmRSS"].split()[0])
        self.hwm_kb = int(values["VmHWM"].split()[0])
        self.threads = int(values["Threads"])
        self.switches = 0
        self.runtime_ns = 0
        self.tasks = {}  # tid → (name, runtime ns, context switches)
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                switches = 0
                with open(f"/proc/{pid}/task/{task}/status") as f:
                    for line in f:
                        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                            switches += int(line.split()[1])
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    runtime = int(f.read().split()[0])
                with open(f"/proc/{pid}/task/{task}/comm") as f:
                    name = f.read().strip()
            except FileNotFoundError:
                continue  # the thread ended between the listing and the read
            self.switches += switches
            self.runtime_ns += runtime
            self.tasks[task] = (name, runtime, switches)


def measure(pid, name, counter=None):
    """Samples `pid` over the window; `counter` (a status counter) is also given as a rate."""
    log(f"{name}: warm-up {warmup:g} s, then a {window:g} s window")
    time.sleep(warmup)
    counted = status()["counters"][counter] if counter else 0
    if counter and voiced_callgrind:
        subprocess.run(["callgrind_control", "--instr=on", str(pid)], check=True, capture_output=True)
    first = Sample(pid)
    rss = [first.rss_kb]
    while time.monotonic() - first.time < window:
        time.sleep(min(1.0, max(0.0, window - (time.monotonic() - first.time))))
        rss.append(Sample(pid).rss_kb)
    last = Sample(pid)
    if counter and voiced_callgrind:
        chunks = status()["counters"][counter] - counted
        subprocess.run(["callgrind_control", "--dump=streaming", str(pid)], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "--instr=off", str(pid)], check=True, capture_output=True)
        results["callgrind_chunks"] = chunks
    elapsed = last.time - first.time
    # Where the memory is, for BENCHMARKS.md: the mappings, largest resident first.
    with open(f"/proc/{pid}/smaps") as f, open(os.path.join(out, f"smaps-{name}.txt"), "w") as dump:
        smaps_text = f.read()
        dump.write(smaps_text)
    memory = smaps_summary.summarize(smaps_text, os.path.realpath(os.path.join(bin_dir, "voiced")))
    open(os.path.join(out, f"memory-{name}.txt"), "w").write(smaps_summary.render(memory) + "\n")
    # Per thread, so a thread that ends in the window (an idle pool worker) does not subtract its whole
    # life's run time; one born in it counts from zero. An ended thread's last moments are not counted.
    def window_delta(index):
        return sum(values[index] - first.tasks.get(tid, (None, 0, 0))[index] for tid, values in last.tasks.items())
    figures = {
        "rss_steady_kb": int(statistics.median(rss)),
        "rss_peak_kb": max(rss),
        "vm_hwm_kb": last.hwm_kb,
        "cpu_percent": 100 * (last.cpu_ticks - first.cpu_ticks) / CLOCK_TICKS / elapsed,
        "cpu_percent_schedstat": 100 * window_delta(1) / 1e9 / elapsed,
        "wakeups_per_second": window_delta(2) / elapsed,
        "minor_faults": last.minor_faults - first.minor_faults,
        "threads": last.threads,
        "seconds": elapsed,
        "memory_kb": {group: dict(values) for group, values in memory.items()},
        "rss_samples_kb": rss,
    }
    figures["per_thread"] = {
        f"{name} ({tid})": {
            "cpu_percent": 100 * (runtime - first.tasks.get(tid, (name, 0, 0))[1]) / 1e9 / elapsed,
            "wakeups_per_second": (switches - first.tasks.get(tid, (name, 0, 0))[2]) / elapsed,
        }
        for tid, (name, runtime, switches) in sorted(last.tasks.items(), key=lambda item: int(item[0]))
    }
    if counter:
        figures[counter + "_per_second"] = (status()["counters"][counter] - counted) / elapsed
    results[name] = figures
    return figures


class IdleOnly(Exception):
    """BENCH_IDLE_ONLY: stop after the idle window."""


microphone = Microphone(fifo, os.path.join(out, "speech.raw"), RATE)
microphone.start()
notifications = Notifications()
notifications.start()

log("starting voiced (release) on the simulated sound card, paced")
started = time.monotonic()
command = [os.path.join(bin_dir, "voiced"), "run", "--config", "Config/demo.yaml"]
if voiced_callgrind:
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               f"--callgrind-out-file={out}/callgrind.voiced.out", os.path.join(out, "voiced.nodebug")] + command[1:]
daemon = subprocess.Popen(command, env=env,
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "voiced.log"), "w"))
try:
    # Start → the control socket accepts a connection (polled every 0.5 ms).
    socket_at = None
    while time.monotonic() - started < 10 and daemon.poll() is None:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(control_path)
            socket_at = time.monotonic()
            break
        except OSError:
            time.sleep(0.0005)
        finally:
            probe.close()
    if socket_at is None:
        raise SystemExit(f"voiced did not open its control socket; see {out}/voiced.log")
    if not notifications.ready.wait(10):
        raise SystemExit("voiced never sent READY=1 to NOTIFY_SOCKET")
    ready_at = next(t for t, message in notifications.messages if "READY=1" in message.split("\n"))
    results["start_to_ready_ms"] = 1000 * (ready_at - started)
    results["start_to_control_socket_ms"] = 1000 * (socket_at - started)
    wait_for(lambda: status().get("connection", {}).get("state") == "ready", 15, "the realtime session")
    results["start_to_session_ready_ms"] = 1000 * (time.monotonic() - started)

    idle = measure(daemon.pid, "listening_idle")
    if idle_only:
        raise IdleOnly

    # A push-to-talk turn as long as the window: the VAD and gate run on every frame, every
    # chunk is encoded and sent, and the time limits do not end it.
    microphone.mode = "speech"
    voicectl("press", "--hold")
    streaming = measure(daemon.pid, "streaming_turn", counter="audio_chunks_sent")
    streaming["state"] = status()["state"]
    microphone.mode = "noise"
    time.sleep(1.0)
    voicectl("release")
    wait_for(state_is("speaking"), 30, "the reply to the long turn")
    wait_for(state_is("idle"), 60, "the end of the reply")
    results["latency_after_turn"] = status().get("latency", {})

    # Barge-ins: ask for a long typed reply, talk over it once it plays.
    reactions = []
    for attempt in range(barge_ins):
        voicectl("say", "Please tell me a long story about a lighthouse keeper and the sea, with many details.")
        wait_for(state_is("speaking"), 20, "a reply to talk over")
        time.sleep(0.8)
        barge_ins_before = status()["counters"].get("barge_ins", 0)
        microphone.mode = "speech"
        try:
            wait_for(lambda: status()["counters"].get("barge_ins", 0) > barge_ins_before, 8, "a barge-in")
            reactions.append(status()["latency"].get("barge_in_reaction_ms"))
        except SystemExit as error:
            print(f"barge-in {attempt + 1}: {error}", file=sys.stderr)
        microphone.mode = "noise"
        time.sleep(0.5)
        voicectl("cancel", check=False)
        wait_for(state_is("idle"), 30, "idle after the barge-in")
    results["barge_in_reactions_ms"] = [r for r in reactions if r is not None]
    final = status()
    results["latency_final"] = final.get("latency", {})
    results["counters"] = final.get("counters", {})
    results["vm_hwm_kb_final"] = Sample(daemon.pid).hwm_kb
except IdleOnly:
    pass
finally:
    # Watch the exit through a pidfd: Popen.wait(timeout) polls with sleeps of up to 50 ms, which
    # is what "SIGTERM → exit" used to measure.
    exit_watch = None
    try:
        exit_watch = os.pidfd_open(daemon.pid)
    except (AttributeError, OSError):
        pass
    stop_started = time.monotonic()
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        if exit_watch is not None:
            select.select([exit_watch], [], [], 15)
    stop_ended = time.monotonic()
    if exit_watch is not None:
        os.close(exit_watch)
    try:
        daemon.wait(15)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()
    results["sigterm_to_exit_ms"] = 1000 * ((stop_ended if exit_watch is not None else time.monotonic()) - stop_started)
    microphone.stopped = True
    notifications.socket.close()
    for path in (fifo, notify_path, control_path):
        try:
            os.unlink(path)
        except OSError:
            pass
    os.rmdir(runtime)

json.dump(results, open(os.path.join(out, "daemon.json"), "w"), indent=2)


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def ms(value):
    return "—" if value is None else f"{value:.1f} ms"


lines = [f"daemon figures (each window {window:g} s after {warmup:g} s of warm-up; 2 shared cores: expect noise)"]
lines.append(f"  start → READY=1                    {ms(results['start_to_ready_ms'])}   (target ≤ 50 ms)")
lines.append(f"  start → control socket accepting   {ms(results['start_to_control_socket_ms'])}")
lines.append(f"  start → realtime session ready     {ms(results['start_to_session_ready_ms'])}")
for name, label in (("listening_idle", "listening idle (mic paused, speaker stopped)"),
                    ("streaming_turn", "streaming a turn")):
    if name not in results:
        continue
    f = results[name]
    lines.append(f"  {label}:")
    lines.append(f"    resident memory steady {mb(f['rss_steady_kb'])}, peak {mb(f['rss_peak_kb'])}, VmHWM {mb(f['vm_hwm_kb'])}")
    lines.append(f"    CPU {f['cpu_percent']:.3f} % of one core (utime+stime), {f['cpu_percent_schedstat']:.3f} % (schedstat)")
    lines.append(f"    wake-ups {f['wakeups_per_second']:.1f} /s (context switches of {f['threads']} threads), "
                 f"{f['minor_faults']} minor page faults")
    for thread, load in f["per_thread"].items():
        lines.append(f"      {thread:<28} {load['cpu_percent']:7.3f} %  {load['wakeups_per_second']:6.1f} wake-ups/s")
    if "audio_chunks_sent_per_second" in f:
        lines.append(f"    audio chunks sent {f['audio_chunks_sent_per_second']:.1f} /s, state {f['state']}")
    lines.append("    " + smaps_summary.render(f["memory_kb"]).replace("\n", "\n    "))
report = "\n".join(lines)
if idle_only:
    print(report)
    open(os.path.join(out, "daemon.txt"), "w").write(report + "\n")
    raise SystemExit(0)
latency = results["latency_final"]
turn = results["latency_after_turn"]
lines.append("  latency probes (voicectl status --json, latency):")
lines.append(f"    capture_to_send_ms               {ms(turn.get('capture_to_send_ms'))}")
lines.append(f"    receive_to_playback_ms           {ms(turn.get('receive_to_playback_ms'))}   (received → played)")
lines.append(f"    receive_to_write_ms              {ms(turn.get('receive_to_write_ms'))}   (received → written to ALSA)")
lines.append(f"      prebuffer_wait_ms              {ms(turn.get('prebuffer_wait_ms'))}   (of which the jitter pre-buffer)")
lines.append(f"      playable_to_write_ms           {ms(turn.get('playable_to_write_ms'))}   (of which local; target ≤ one period)")
lines.append(f"    end_of_speech_to_first_audio_ms  {ms(turn.get('end_of_speech_to_first_audio_ms'))}")
reactions = results["barge_in_reactions_ms"]
median = statistics.median(reactions) if reactions else None
lines.append(f"    barge_in_reaction_ms             {ms(latency.get('barge_in_reaction_ms'))} last; median {ms(median)} "
             f"of {len(reactions)}/{barge_ins} barge-ins {[round(r, 1) for r in reactions]}")
lines.append(f"  VmHWM at the end {mb(results['vm_hwm_kb_final'])}; SIGTERM → exit {ms(results['sigterm_to_exit_ms'])}")
report = "\n".join(lines)
print(report)
open(os.path.join(out, "daemon.txt"), "w").write(report + "\n")
PY

kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=""

if [ "$VOICED_CALLGRIND" != 0 ]; then
    # The dump of the streaming window (callgrind names it after the main file: .1).
    python3 - "$OUT" <<'PY' | tee "$OUT/voiced-callgrind.txt"
import json, re, subprocess, sys
out = sys.argv[1]
chunks = json.load(open(f"{out}/daemon.json"))["callgrind_chunks"]
annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", f"{out}/callgrind.voiced.out.1"],
                           capture_output=True, text=True, check=True).stdout
rows = [(int(m.group(1).replace(",", "")), m.group(2)) for m in
        re.finditer(r"^\s*([\d,]+) \([^)]*\)\s+\S*?:(\S+)", annotated, re.M)]
total = int(re.search(r"([\d,]+) \([^)]*\)\s+PROGRAM TOTALS", annotated).group(1).replace(",", ""))
print(f"voiced under callgrind, streaming a turn: {chunks} chunks, {total / chunks:,.0f} Ir per chunk "
      f"(all threads, user space)")
for instructions, function in rows[:25]:
    print(f"  {instructions / chunks:>10,.0f}  {function[:110]}")
PY
fi

if [ "${BENCH_CALLGRIND:-1}" != 0 ] && [ "${BENCH_IDLE_ONLY:-0}" = 0 ]; then
    if ! command -v valgrind >/dev/null; then
        sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends valgrind >/dev/null 2>&1 || true
    fi
    if ! command -v valgrind >/dev/null; then
        echo "valgrind is not installed (apt-get install valgrind); skipping the capture-path instruction count" >&2
    else
        log "capture path under callgrind (static-stdlib release build, debug info stripped)"
        swift build -c release --static-swift-stdlib --product voiced-bench >"$OUT/static-build.log" 2>&1 \
            || { cat "$OUT/static-build.log" >&2; exit 1; }
        strip --strip-debug -o "$OUT/voiced-bench.nodebug" "$BIN/voiced-bench"
        short=${BENCH_CAPTURE_SHORT:-10}; long=${BENCH_CAPTURE_LONG:-70}
        for stage in convert detect encode frame; do
            for seconds in "$short" "$long"; do
                valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.$stage.$seconds.out" \
                    "$OUT/voiced-bench.nodebug" capture-path --seconds "$seconds" --stage "$stage" \
                    >"$OUT/callgrind.$stage.$seconds.txt" 2>&1
            done
        done
        # Native timing of the same loop (one thread's CPU clock), 10 minutes of audio per stage.
        "$BIN/voiced-bench" capture-path --seconds "${BENCH_CAPTURE_NATIVE:-600}" --breakdown | tee "$OUT/capture-native.txt"
        # The same path when the device already runs at the session rate (no resampler), for comparison.
        "$BIN/voiced-bench" capture-path --seconds "${BENCH_CAPTURE_NATIVE:-600}" --device-rate 24000 \
            --format S16_LE --channels 1 | tee "$OUT/capture-native-24k.txt"
        python3 - "$OUT" "$short" "$long" <<'PY' | tee "$OUT/capture.txt"
import re, sys
out, short, long = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def instructions(stage, seconds):
    text = open(f"{out}/callgrind.{stage}.{seconds}.txt").read()
    return int(re.search(r"Collected : (\d+)", text).group(1))
native = {}
for line in open(f"{out}/capture-native.txt"):
    match = re.match(r"\s+(convert|detect|encode|frame)\s+([\d.]+)\s+([\d.]+)", line)
    if match:
        native[match.group(1)] = float(match.group(2))
print(f"capture path, 48000 Hz S32_LE ×2 → 24000 Hz mono (callgrind Ir: ({long} s run − {short} s run) / {long - short} s)")
print(f"  {'path up to':<10} {'Ir / audio s':>14} {'stage adds':>12} {'CPU s / audio h (native)':>26}")
previous = 0
for stage in ("convert", "detect", "encode", "frame"):
    per_second = (instructions(stage, long) - instructions(stage, short)) / (long - short)
    print(f"  {stage:<10} {per_second:>14,.0f} {per_second - previous:>12,.0f} {native.get(stage, float('nan')):>26.2f}")
    previous = per_second
print(f"  start-up of voiced-bench itself: {instructions('frame', short) - short * previous:,.0f} Ir (left out above)")
print("  target: ≤ 2 CPU s per audio hour for the whole path")
PY
    fi
fi
log "done: figures in $OUT/daemon.txt and $OUT/capture.txt"

"""The daemon over hundreds of turns (issue 9, robustness): does anything grow?

scripts/soak.sh runs this with the release binaries; BENCHMARKS.md ("Soak: hundreds of turns") explains the
figures. It starts the real `voiced` on the simulated sound card against `voiced-sim`, drives a scripted mix of
use in a loop, samples the daemon in /proc every few turns, and ends with a table and one verdict per figure.

What stays paced, and why: the audio. The simulated card's PCMs have no clock; unpaced, a reply would be
"played" in a few milliseconds, so nothing could be interrupted (barge-ins need a reply that is still
sounding), and the daemon's timers (no-speech timeout, end of turn, backoff) run on the wall clock anyway.
Everything else is compressed: the simulator answers unpaced, questions and replies are short, the no-speech
timeout is 1.5 s, the backoff is capped at 2 s and a session is rotated every 90 s. One turn takes three to
five seconds instead of the fifteen to thirty of real use, so 500 turns stand for several hours of use.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

bin_dir, out = sys.argv[1], sys.argv[2]
TURNS = int(os.environ.get("SOAK_TURNS", "400"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "0"))  # when set, run for this long instead of SOAK_TURNS
SAMPLE_EVERY = int(os.environ.get("SOAK_SAMPLE_EVERY", "10"))
RECONNECT_EVERY = int(os.environ.get("SOAK_RECONNECT_EVERY", "25"))
OUTAGE_EVERY = int(os.environ.get("SOAK_OUTAGE_EVERY", "50"))
OUTAGE_SECONDS = float(os.environ.get("SOAK_OUTAGE_SECONDS", "4"))
RELOAD_EVERY = int(os.environ.get("SOAK_RELOAD_EVERY", "40"))
# The step list, by name (see named_steps below), to repeat a few steps in a short focused run instead of the whole mix.
STEP_NAMES = os.environ.get("SOAK_STEPS", "")
# Tolerances for "flat", per 100 turns after warm-up (the slope of a least-squares line over the second half).
MEMORY_TOLERANCE_KB = float(os.environ.get("SOAK_MEMORY_TOLERANCE_KB", "64"))
COUNT_TOLERANCE = float(os.environ.get("SOAK_COUNT_TOLERANCE", "0.5"))
ANSWER_TOLERANCE_MS = float(os.environ.get("SOAK_ANSWER_TOLERANCE_MS", "1"))
STRICT = os.environ.get("SOAK_STRICT", "0") not in ("", "0")
RATE = 24000
sys.path.insert(0, os.path.join(os.getcwd(), "scripts"))
import smaps_summary  # noqa: E402  (scripts/smaps_summary.py)
from fifo_microphone import Microphone  # noqa: E402  (scripts/fifo_microphone.py)

VOICES = ["ara", "rex", "sal", "leo", "eve"]


def log(message):
    print(f"\033[1m==> {message}\033[0m", flush=True)


runtime = tempfile.mkdtemp(prefix="voiced-soak-")  # short paths: sun_path holds 108 bytes
fifo, control_path = os.path.join(runtime, "mic.fifo"), os.path.join(runtime, "control.sock")
os.mkfifo(fifo)
config_path = os.path.join(out, "soak.yaml")
with open(config_path, "w") as f:
    f.write(f"""# Written by scripts/soak.py: the demo's simulated card, with everything that waits made short.
daemon:
  log_level: info
conversation:
  turn_ending: local
  no_speech_timeout_ms: 1500
audio:
  capture_device: default
  playback_device: default
  device_rate: 24000
  format: S16_LE
  channels: 1
  pace: on
  alsa_config_path: {os.path.join(os.getcwd(), "Config/alsa/simulated-card.conf")}
realtime:
  max_session_minutes: 1.5
  backoff:
    initial_delay_seconds: 0.2
    max_delay_seconds: 2
control:
  socket_group: ""
  allowed_groups: []
button:
  enabled: false
""")


class Simulator:
    """voiced-sim as a process that can be stopped and started again on the same port (an outage)."""

    def __init__(self):
        self.process = None
        self.port = 0
        self.generation = 0

    def start(self, faults=()):
        self.generation += 1
        arguments = [os.path.join(bin_dir, "voiced-sim"), "--port", str(self.port), "--key", "soak-key",
                     "--max-reply-seconds", "2", "--log-level", "warning"]
        for fault in faults:
            arguments += ["--fault", fault]
        stdout_path = os.path.join(out, f"sim-{self.generation}.out")
        for _ in range(50):  # the port may still be held for a moment after the previous process
            self.process = subprocess.Popen(arguments, stdout=open(stdout_path, "w"),
                                            stderr=open(os.path.join(out, "sim.log"), "a"))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                text = open(stdout_path).read()
                if "listening on" in text:
                    url = text.split("listening on", 1)[1].split()[0]
                    self.port = int(url.split(":")[2].split("/")[0])
                    return url
                time.sleep(0.05)
            self.process.kill()
            self.process.wait()
            time.sleep(0.2)
        raise SystemExit(f"the simulator did not start; see {out}/sim.log")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Control:
    """One connection to the control socket, as any client may open (newline-delimited JSON)."""

    def __init__(self, timeout=10):
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socket.settimeout(timeout)
        self.socket.connect(control_path)
        self.reader = self.socket.makefile("r", encoding="utf-8")
        hello = json.loads(self.reader.readline())
        if hello.get("hello") != "voiced":
            raise RuntimeError(f"unexpected hello {hello}")
        self.next_id = 1

    def request(self, command, **args):
        request = {"id": self.next_id, "command": command}
        if args:
            request["args"] = args
        self.next_id += 1
        self.socket.sendall((json.dumps(request) + "\n").encode())
        while True:
            line = self.reader.readline()
            if not line:
                raise RuntimeError(f"{command}: the daemon closed the connection")
            reply = json.loads(line)
            if "event" in reply:
                continue
            if "error" in reply:
                raise RuntimeError(f"{command}: {reply['error']}")
            return reply["result"]

    def close(self):
        self.reader.close()
        self.socket.close()


env = dict(
    os.environ,
    VOICED_SIM_CAPTURE_FILE=fifo,
    VOICED_SIM_PLAYBACK_FILE="/dev/null",  # nobody listens; a file would grow for the whole run
    XAI_API_KEY="soak-key",
    VOICED_SOCKET=control_path,
    VOICED_CONTROL_STATE_FILE=os.path.join(out, "state.json"),
)
microphone = Microphone(fifo, os.path.join(out, "speech.raw"), RATE)
simulator = Simulator()
watcher = None  # the long-lived connection the driver polls status on
turn = 0
missed_barge_ins = []  # turns whose barge-in was not heard (counted, not a problem)
barge_in_outcomes = []  # per barge-in: the step before it, when it was heard or when the reply ended unheard
previous_step = None  # the name of the step driven before the current one
problems = []  # what went wrong in the driven mix (a turn that did not complete, a barge-in not heard)


def voicectl(*arguments):
    """The real client, for the commands a user types."""
    result = subprocess.run([os.path.join(bin_dir, "voicectl"), *arguments], env=env, capture_output=True,
                            text=True, timeout=20)
    if result.returncode != 0:
        problem(f"voicectl {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stdout


def status():
    return watcher.request("status")


def problem(text):
    problems.append(f"turn {turn}: {text}")
    with open(os.path.join(out, "problems.txt"), "a") as f:  # as they happen, to follow a long run
        f.write(problems[-1] + "\n")
    # What the daemon said of itself at that moment (state, audio, counters, levels), to tell a stalled
    # microphone from a turn the VAD kept open.
    # Two looks a second apart show whether the microphone's level and the counters still move.
    snapshots = []
    for look in range(2):
        try:
            snapshots.append(watcher.request("status"))
        except Exception as error:  # the watcher connection itself may be what failed
            snapshots.append({"unavailable": str(error)})
        if look == 0:
            time.sleep(1.0)
    with open(os.path.join(out, "problems-status.jsonl"), "a") as f:
        f.write(json.dumps({"turn": turn, "problem": text, "status": snapshots}) + "\n")


def wait_for(predicate, timeout, what, expected=True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate(status()):
            return True
        time.sleep(0.03)
    if expected:
        problem(f"timed out after {timeout:g} s waiting for {what} (state {status().get('state')})")
    return False


def idle_and_ready(s):
    return s.get("state") == "idle" and s.get("connection", {}).get("state") == "ready"


def counter(name):
    return status()["counters"].get(name, 0)


def settle():
    """Back to the resting state between steps: idle, connected."""
    if not wait_for(idle_and_ready, 30, "idle with the session ready"):
        voicectl("cancel")
        wait_for(idle_and_ready, 30, "idle with the session ready after a cancel")


def spoken_turn(hold):
    turns = counter("turns")
    if hold:
        watcher.request("press", hold=True)
        microphone.mode = "speech"
        time.sleep(1.2)
        microphone.mode = "noise"
        time.sleep(0.2)
        watcher.request("release")
    else:
        watcher.request("press")
        microphone.mode = "speech"
        time.sleep(1.2)
        microphone.mode = "noise"  # the local VAD ends the turn after 700 ms of this
    wait_for(lambda s: s["counters"].get("turns", 0) > turns and s.get("state") == "idle", 30,
             "the reply to a spoken turn")


def typed_turn():
    turns = counter("turns")
    watcher.request("say", text="Please tell me a story about a lighthouse keeper and the sea.")
    wait_for(lambda s: s["counters"].get("turns", 0) > turns and s.get("state") == "idle", 30,
             "the reply to a typed question")


def barge_in():
    """A typed question, talked over as soon as its reply sounds (the simulator's reply to text lasts 1 s)."""
    barge_ins = counter("barge_ins")
    watcher.request("say", text="Please tell me a long story about a lighthouse keeper and the sea.")
    if not wait_for(lambda s: s.get("state") == "speaking", 20, "a reply to talk over"):
        return
    microphone.mode = "speech"
    switched = time.monotonic()
    outcome = {"turn": turn, "after": previous_step, "clip_seconds": microphone.position_seconds("speech")}
    while time.monotonic() - switched < 8:
        s = status()
        if s["counters"].get("barge_ins", 0) > barge_ins:
            outcome["heard_after_ms"] = round(1000 * (time.monotonic() - switched))
            time.sleep(0.3)
            break
        if s.get("state") == "idle" and "reply_ended_after_ms" not in outcome:
            outcome["reply_ended_after_ms"] = round(1000 * (time.monotonic() - switched))
        time.sleep(0.03)
    if "heard_after_ms" not in outcome:
        missed_barge_ins.append(turn)
    barge_in_outcomes.append(outcome)
    with open(os.path.join(out, "barge-ins.jsonl"), "a") as f:
        f.write(json.dumps(outcome) + "\n")
    microphone.mode = "noise"
    watcher.request("cancel")


def silent_turn():
    watcher.request("press")
    wait_for(lambda s: s.get("state") == "listening", 5, "listening after a tap")
    wait_for(lambda s: s.get("state") == "idle", 10, "the no-speech timeout")


def subscriber_that_leaves():
    """A client that subscribes to everything, reads a little, and disconnects without unsubscribing."""
    client = Control()
    client.request("subscribe")
    client.request("press")
    microphone.mode = "speech"
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and "listening" not in client.reader.readline():
        pass
    client.socket.close()  # mid-turn, with events queued for it
    time.sleep(1.0)
    microphone.mode = "noise"


def commands(turn):
    """The other commands, a few per turn, in rotation."""
    step = turn % 6
    if step == 0:
        voicectl("voice", VOICES[(turn // 6) % len(VOICES)])
    elif step == 1:
        voicectl("volume", str(40 + turn % 50))
        voicectl("status", "--json")
    elif step == 2:
        voicectl("mute")
        voicectl("unmute")
    elif step == 3:
        voicectl("devices")
        voicectl("version")
    elif step == 4:
        voicectl("doctor")
    else:
        voicectl("voice")
        voicectl("volume", "up")


def outage():
    """The service goes away (connection dropped, reconnects refused), a press while offline, then it comes
    back refusing the first two handshakes and dropping its first accepted connection mid-reply."""
    simulator.stop()
    deadline = time.monotonic() + OUTAGE_SECONDS
    watcher.request("press")  # a turn while offline: the pre-connect buffer, the offline earcon
    time.sleep(1.0)
    watcher.request("cancel")
    while time.monotonic() < deadline:
        time.sleep(0.1)
    simulator.start(faults=["refuse:503#first:2", "drop@mid:3#3"])
    wait_for(lambda s: s.get("connection", {}).get("state") == "ready", 30, "the session after an outage")
    # The first reply on the new simulator is dropped mid-way (the fault above): a typed question takes it.
    reconnects, turns = counter("reconnects"), counter("turns")
    watcher.request("say", text="Are you back?")
    wait_for(lambda s: s["counters"].get("reconnects", 0) > reconnects, 30, "the session after the dropped reply")
    # The session sends the interrupted question again on the new connection; its reply is then played (or, when
    # the drop came too early for that, nothing happens).
    wait_for(lambda s: s["counters"].get("turns", 0) > turns and idle_and_ready(s), 10, "the re-sent question's reply",
             expected=False)


def read_proc(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            values[key] = value.split()
    anon = 0
    by_mapping = {}  # anonymous kB per mapping, to say which one grows (the heap, a malloc arena, a stack)
    with open(f"/proc/{pid}/smaps") as f:
        for mapping in smaps_summary.parse(f.read()):
            if mapping.get("Anonymous", 0):
                anon += mapping["Anonymous"]
                by_mapping[f"{mapping['start']:x} {mapping['path'] or 'anonymous'}"] = mapping["Anonymous"]
    kinds = {}  # what the descriptors are (socket, pipe, anon_inode:[eventfd], a path), to name a leak
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kind = target.split(":[")[0] if target.startswith(("socket:", "pipe:")) else target
        kinds[kind] = kinds.get(kind, 0) + 1
    names = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{task}/comm").read().strip()
        except OSError:
            continue
        names[name] = names.get(name, 0) + 1
    return {
        "anonymous_by_mapping": by_mapping,
        "fd_kinds": kinds,
        "thread_names": names,
        "rss_kb": int(values["VmRSS"][0]),
        "hwm_kb": int(values["VmHWM"][0]),
        "rss_anon_kb": int(values["RssAnon"][0]),
        "anonymous_kb": anon,
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": len(os.listdir(f"/proc/{pid}/task")),
    }


def answer_ms():
    """connect → hello → status → answer, on a fresh connection: the median of five."""
    times = []
    for _ in range(5):
        started = time.monotonic()
        client = Control()
        client.request("status")
        times.append(1000 * (time.monotonic() - started))
        client.close()
    return statistics.median(times)


def sample(pid, turn, started):
    settle()
    time.sleep(0.3)  # the last client's connection closes on the daemon's side too
    figures = read_proc(pid)
    figures["answer_ms"] = answer_ms()
    figures["turn"] = turn
    figures["seconds"] = time.monotonic() - started
    counters = status()["counters"]
    figures["counters"] = {k: counters.get(k, 0) for k in ("turns", "barge_ins", "reconnects", "server_errors")}
    return figures


def fit(points):
    """Least-squares slope of (x, y) points."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return 0.0 if spread == 0 else sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


# SIGTERM / SIGINT end the run through the `finally` below, so the daemon and the simulator are stopped too.
signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(f"stopped by signal {number}"))
microphone.start()
url = simulator.start()
env["VOICED_REALTIME_URL"] = url
log(f"starting voiced (release) on the simulated sound card against {url}")
daemon = subprocess.Popen([os.path.join(bin_dir, "voiced"), "run", "--config", config_path], env=env,
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(out, "voiced.log"), "w"))
samples = []
healthy = False
health = []
final_counters = {}
try:
    deadline = time.monotonic() + 15
    while not os.path.exists(control_path):
        if time.monotonic() > deadline or daemon.poll() is not None:
            raise SystemExit(f"voiced did not open its control socket; see {out}/voiced.log")
        time.sleep(0.05)
    watcher = Control()
    wait_for(lambda s: s.get("connection", {}).get("state") == "ready", 15, "the first session")
    started = time.monotonic()
    samples.append(sample(daemon.pid, 0, started))
    turn = 0
    named_steps = {"spoken_hold": lambda: spoken_turn(hold=True), "spoken_tap": lambda: spoken_turn(hold=False),
                   "barge_in": barge_in, "silent": silent_turn, "subscriber": subscriber_that_leaves,
                   "typed": typed_turn}
    step_names = (STEP_NAMES.split(",") if STEP_NAMES else
                  ["spoken_hold", "spoken_tap", "barge_in", "silent", "spoken_hold", "subscriber", "typed", "barge_in"])
    unknown = [name for name in step_names if name not in named_steps]
    if unknown:
        raise SystemExit(f"SOAK_STEPS: unknown step {', '.join(unknown)} (known: {', '.join(named_steps)})")
    while (time.monotonic() - started < SECONDS) if SECONDS > 0 else (turn < TURNS):
        turn += 1
        if daemon.poll() is not None:
            raise SystemExit(f"voiced exited with status {daemon.returncode} at turn {turn}; see {out}/voiced.log")
        step_name = step_names[turn % len(step_names)]
        named_steps[step_name]()
        previous_step = step_name
        commands(turn)
        if RECONNECT_EVERY and turn % RECONNECT_EVERY == 0:
            voicectl("reconnect")
        if RELOAD_EVERY and turn % RELOAD_EVERY == 0:
            voicectl("reload")
        if OUTAGE_EVERY and turn % OUTAGE_EVERY == 0:
            outage()
        settle()
        if turn % SAMPLE_EVERY == 0:
            samples.append(sample(daemon.pid, turn, started))
            last = samples[-1]
            print(f"turn {turn:5d}  {last['seconds']:7.0f} s  VmRSS {last['rss_kb']} kB  RssAnon "
                  f"{last['rss_anon_kb']} kB  fds {last['fds']}  threads {last['threads']}  "
                  f"answer {last['answer_ms']:.1f} ms  problems {len(problems)}", flush=True)
    if not samples or samples[-1]["turn"] != turn:
        samples.append(sample(daemon.pid, turn, started))
    # Still healthy: a last spoken turn completes and the daemon rests idle with its session ready.
    before = counter("turns")
    spoken_turn(hold=True)
    settle()
    final = status()
    health = [
        ("a final spoken turn completed", final["counters"].get("turns", 0) > before),
        ("state idle", final.get("state") == "idle"),
        ("session ready", final.get("connection", {}).get("state") == "ready"),
        ("the process is running", daemon.poll() is None),
    ]
    healthy = all(ok for _, ok in health)
    final_counters = final["counters"]
finally:
    if watcher:
        watcher.close()
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(15)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
    simulator.stop()
    microphone.stopped = True
    for path in (fifo, control_path):
        try:
            os.unlink(path)
        except OSError:
            pass
    try:
        os.rmdir(runtime)
    except OSError:
        pass

json.dump({"samples": samples, "problems": problems, "counters": final_counters, "health": health},
          open(os.path.join(out, "soak.json"), "w"), indent=2)

turns_done = samples[-1]["turn"]
second_half = [s for s in samples if s["turn"] >= turns_done / 2]
lines = [f"soak: {turns_done} turns in {samples[-1]['seconds'] / 60:.1f} min, sampled every {SAMPLE_EVERY} turns; "
         f"growth per 100 turns = slope of a least-squares line over the second half ({len(second_half)} samples)"]
lines.append(f"  {'figure':<24} {'start':>10} {'warm (half)':>12} {'end':>10} {'growth/100 turns':>17}  verdict")
figures = [("VmRSS", "rss_kb", "kB", MEMORY_TOLERANCE_KB), ("VmHWM", "hwm_kb", "kB", MEMORY_TOLERANCE_KB),
           ("RssAnon", "rss_anon_kb", "kB", MEMORY_TOLERANCE_KB), ("open fds", "fds", "", COUNT_TOLERANCE),
           ("threads", "threads", "", COUNT_TOLERANCE), ("control answer", "answer_ms", "ms", ANSWER_TOLERANCE_MS)]
grows = []
for label, key, unit, tolerance in figures:
    slope = 100 * fit([(s["turn"], s[key]) for s in second_half])
    flat = slope <= tolerance
    if not flat:
        grows.append(label)
    fmt = (lambda v: f"{v:.1f}") if key == "answer_ms" else (lambda v: f"{v}")
    lines.append(f"  {label + (f' ({unit})' if unit else ''):<24} {fmt(samples[0][key]):>10} "
                 f"{fmt(second_half[0][key]):>12} {fmt(samples[-1][key]):>10} {slope:>+17.2f}  "
                 f"{'flat' if flat else 'GROWS'} (tolerance {tolerance:g})")
for label, key in (("descriptors", "fd_kinds"), ("threads", "thread_names")):
    first, last = second_half[0][key], samples[-1][key]
    changed = {k: (first.get(k, 0), last.get(k, 0)) for k in sorted(set(first) | set(last))
               if first.get(k, 0) != last.get(k, 0)}
    lines.append(f"  {label} at the end: " + ", ".join(f"{k} {v}" for k, v in sorted(last.items()))
                 + ("; changed since warm-up: " + ", ".join(f"{k} {a}→{b}" for k, (a, b) in changed.items())
                    if changed else "; as after warm-up"))
first, last = second_half[0]["anonymous_by_mapping"], samples[-1]["anonymous_by_mapping"]
moved = sorted(((last.get(k, 0) - first.get(k, 0), k) for k in set(first) | set(last)), reverse=True)
moved = [(d, k) for d, k in moved if d != 0]
if moved:
    lines.append("  anonymous memory that changed since warm-up (kB, largest first): "
                 + ", ".join(f"{k} {d:+d}" for d, k in (moved if len(moved) <= 6 else moved[:4] + moved[-2:])))
c = final_counters
lines.append(f"  counters: turns {c.get('turns')}, barge-ins {c.get('barge_ins')}, reconnects {c.get('reconnects')}, "
             f"presses {c.get('presses')}, server errors {c.get('server_errors')}, capture dropped samples "
             f"{c.get('capture_dropped_samples')}, simulator runs {simulator.generation}")
for after in sorted({o["after"] or "start" for o in barge_in_outcomes}):
    tried = [o for o in barge_in_outcomes if (o["after"] or "start") == after]
    heard = sorted(o["heard_after_ms"] for o in tried if "heard_after_ms" in o)
    ended = [o for o in tried if "heard_after_ms" not in o and "reply_ended_after_ms" in o]
    lines.append(f"  barge-ins after {after}: heard {len(heard)} of {len(tried)}"
                 + (f" (median {statistics.median(heard):.0f} ms after the switch to speech)" if heard else "")
                 + f"; missed {len(tried) - len(heard)}, of which the reply ended first {len(ended)}")
lines.append(f"  driver problems: {len(problems)}" + (f" (first: {problems[0]})" if problems else ""))
lines.append("  healthy at the end: " + ("yes" if healthy else "NO") + " — "
             + ", ".join(f"{what} {'✓' if ok else '✗'}" for what, ok in health))
report = "\n".join(lines)
print(report)
open(os.path.join(out, "soak.txt"), "w").write(report + "\n")
if not healthy or (STRICT and grows):
    raise SystemExit(1)

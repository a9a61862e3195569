#!/usr/bin/env python3
"""Start → READY=1 of one or more `voiced` binaries, started alternately (issue 9).

One start per round and binary, so both see the same machine load. No simulator is needed: READY=1
comes once the audio devices are open and the control socket listens; the session connects later.

Usage: scripts/bench-startup.py [--rounds N] BINARY [BINARY ...]   (run from the repository root)
"""
import os, shutil, socket, statistics, subprocess, sys, tempfile, time

arguments = sys.argv[1:]
rounds = 7
if arguments[:1] == ["--rounds"]:
    rounds, arguments = int(arguments[1]), arguments[2:]
if not arguments:
    sys.exit(__doc__)
results = {binary: [] for binary in arguments}
for _ in range(rounds):
    for binary in arguments:
        directory = tempfile.mkdtemp(prefix="voiced-startup-")
        notify = os.path.join(directory, "notify.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(notify)
        listener.settimeout(10)
        env = dict(os.environ, VOICED_SIM_CAPTURE_FILE="/dev/zero",
                   VOICED_SIM_PLAYBACK_FILE=os.path.join(directory, "speaker.raw"),
                   VOICED_REALTIME_URL="ws://127.0.0.1:9", XAI_API_KEY="startup-bench",
                   VOICED_SOCKET=os.path.join(directory, "control.sock"),
                   VOICED_CONTROL_STATE_FILE=os.path.join(directory, "state.json"), NOTIFY_SOCKET=notify)
        started = time.monotonic()
        daemon = subprocess.Popen([binary, "run", "--config", "Config/demo.yaml"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while "READY=1" not in listener.recv(4096).decode(errors="replace").split("\n"):
                pass
            results[binary].append(1000 * (time.monotonic() - started))
        finally:
            daemon.terminate()
            daemon.wait()
            listener.close()
            shutil.rmtree(directory, ignore_errors=True)
for binary, values in results.items():
    print(f"{binary}: start → READY=1 median {statistics.median(values):.1f} ms "
          f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} starts)")

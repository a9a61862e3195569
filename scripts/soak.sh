#!/usr/bin/env bash
# The daemon over hundreds of turns (issue 9, robustness): does memory, do descriptors, threads or the
# control socket's answer time grow? `make soak` builds release and runs this; BENCHMARKS.md ("Soak:
# hundreds of turns") explains the figures.
#
# The release `voiced` on the simulated sound card (paced: barge-ins need a reply still sounding) against
# `voiced-sim` (unpaced), driven in a loop by scripts/soak.py: push-to-talk and tapped turns with speech,
# barge-ins over a reply, taps with no speech (the no-speech timeout), a subscriber that disconnects
# mid-turn, `voicectl` voice/volume/mute/devices/version/doctor/status, `reconnect` every
# SOAK_RECONNECT_EVERY (25) turns, `reload` every SOAK_RELOAD_EVERY (40), and every SOAK_OUTAGE_EVERY (50)
# an outage: the simulator stops for SOAK_OUTAGE_SECONDS (4; the daemon backs off, a press while offline),
# then comes back refusing two handshakes and dropping its first connection mid-reply. Sessions rotate
# every 90 s. Every SOAK_SAMPLE_EVERY (10) turns, resting idle, it reads VmRSS, VmHWM, RssAnon, open fds
# and threads from /proc and times a status request on a fresh connection.
#
# SOAK_STEPS (comma-separated: spoken_hold, spoken_tap, barge_in, silent, subscriber, typed) repeats those steps
# instead of the mix, for a short focused run (e.g. SOAK_STEPS=spoken_tap,barge_in); barge-ins.jsonl then says,
# per barge-in, the step before it and when it was heard (or when the reply ended unheard).
#
# Runs SOAK_TURNS (400) turns, or for SOAK_SECONDS when set. Prints a table and a verdict per figure (the
# growth per 100 turns over the second half, flat within SOAK_MEMORY_TOLERANCE_KB (64),
# SOAK_COUNT_TOLERANCE (0.5), SOAK_ANSWER_TOLERANCE_MS (1)) and checks the daemon is still healthy at the
# end (exit status 1 if not; with SOAK_STRICT=1 also if a figure grows).
#
# Usage: scripts/soak.sh [BIN]   (BIN: the release bin directory; `make soak` passes it)
# Everything it writes is under soak-out/ (SOAK_OUT); it stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build -c release --show-bin-path)}
OUT=${SOAK_OUT:-soak-out}
rm -rf "$OUT"; mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

{
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ×$(nproc)"
    echo "kernel: $(uname -r); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
} | tee "$OUT/machine.txt"

# The user's question: a short sentence (about 1.2 s are spoken per turn; it loops).
espeak-ng -v en-us -s 160 -w "$OUT/speech-raw.wav" "Good morning. What should I pack for a trip along the coast?"
sox -q "$OUT/speech-raw.wav" -t raw -r 24000 -c 1 -b 16 -e signed "$OUT/speech.raw"

python3 scripts/soak.py "$BIN" "$OUT"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

#!/usr/bin/env bash
# One spoken turn, end to end, with no sound card, no GPIO and no internet:
#   the local realtime simulator (voiced-sim) stands in for the xAI service,
#   the simulated sound card (ALSA `file` PCMs) stands in for the microphone and speaker,
#   `voicectl press` stands in for the button.
# Leaves demo-out/question.wav (what the mic heard), demo-out/reply.wav (what the speaker played),
# demo-out/status-timeline.txt (the states seen) and the logs.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/debug}
OUT=demo-out
rm -rf "$OUT"; mkdir -p "$OUT"
RATE=24000

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# 1. The question the "user" asks, as raw 24 kHz mono S16_LE, then silence so the VAD hears the end.
#    The microphone hears a quiet room until the button is pressed; the question is then appended
#    to the file the simulated microphone reads (it keeps reading as the file grows).
log "speaking the question with espeak-ng"
espeak-ng -v en-us -s 150 -w "$OUT/question-raw.wav" "What is the weather like on Mars today?"
sox -q "$OUT/question-raw.wav" -r $RATE -c 1 -b 16 -e signed "$OUT/question.wav" pad 0.3 3
sox -q -n -r $RATE -c 1 -b 16 -e signed -t raw "$OUT/mic.raw" trim 0 0.5

cleanup() {
    [ -n "${DAEMON_PID:-}" ] && kill "$DAEMON_PID" 2>/dev/null || true
    [ -n "${SIM_PID:-}" ] && kill "$SIM_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# 2. The simulator on a free loopback port.
log "starting the realtime simulator"
"$BIN/voiced-sim" --port 0 --key demo-key >"$OUT/sim.out" 2>"$OUT/sim.log" &
SIM_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$OUT/sim.out" && break; sleep 0.1; done
URL=$(grep -o 'ws://[^ ]*' "$OUT/sim.out" | head -1)
[ -n "$URL" ] || { echo "the simulator did not start; see $OUT/sim.log" >&2; exit 1; }
echo "simulator at $URL"

# 3. The daemon on the simulated sound card.
log "starting voiced on the simulated sound card"
export VOICED_SIM_CAPTURE_FILE="$PWD/$OUT/mic.raw" VOICED_SIM_PLAYBACK_FILE="$PWD/$OUT/speaker.raw"
export VOICED_REALTIME_URL="$URL" XAI_API_KEY=demo-key VOICED_SOCKET="$PWD/$OUT/control.sock"
"$BIN/voiced" run --config Config/demo.yaml 2>"$OUT/voiced.log" &
DAEMON_PID=$!
for _ in $(seq 100); do [ -S "$OUT/control.sock" ] && break; sleep 0.1; done
[ -S "$OUT/control.sock" ] || { echo "voiced did not start; see $OUT/voiced.log" >&2; cat "$OUT/voiced.log" >&2; exit 1; }
for _ in $(seq 100); do
    "$BIN/voicectl" status --json 2>/dev/null | grep -q '"state" *: *"ready"' && break; sleep 0.1
done

# 4. Press the button and follow the daemon's state events until the turn is over.
log "pressing the button"
"$BIN/voicectl" events --kind state --kind transcript >"$OUT/events.txt" &
EVENTS_PID=$!
# `voicectl events` prints nothing until an event comes, so nothing here shows that its subscription is live, and
# the press may come first: the press's own reply ("state: listening") is kept for the timeline as well.
"$BIN/voicectl" press | tee "$OUT/press.txt"
sox -q "$OUT/question.wav" -t raw - >> "$OUT/mic.raw"
for _ in $(seq 600); do
    grep -q "state speaking" "$OUT/events.txt" && grep -q "state idle" "$OUT/events.txt" && break
    sleep 0.1
done
kill "$EVENTS_PID" 2>/dev/null || true
cat "$OUT/events.txt"
seen=$(cat "$OUT/press.txt" "$OUT/events.txt" | grep -o "^state:\? [a-z]*" | cut -d' ' -f2 | tr '\n' ' ')
echo " $seen" > "$OUT/status-timeline.txt"

log "status after the turn"
"$BIN/voicectl" status
"$BIN/voicectl" status --json > "$OUT/status.json"

kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""

# 5. What the speaker played, as a WAV; the reply is the loud part after the listening earcon.
sox -q -t raw -r $RATE -c 1 -b 16 -e signed "$OUT/speaker.raw" "$OUT/speaker.wav"
python3 - "$OUT" <<'PY'
import json, sys, wave, array, math
out = sys.argv[1]
status = json.load(open(f"{out}/status.json"))
print("you said:   ", status.get("last_user_transcript"))
print("grok said:  ", status.get("last_reply_transcript"))
w = wave.open(f"{out}/speaker.wav"); rate = w.getframerate()
samples = array.array("h", w.readframes(w.getnframes()))
# Keep from the first loud 100 ms block after the earcon's end to the last loud one.
block = rate // 10
loud = [i for i in range(0, len(samples) - block, block)
        if math.sqrt(sum(s * s for s in samples[i:i + block]) / block) > 300]
reply = array.array("h")
if loud:
    # The earcon is the first loud run; the reply starts at the next run after a gap.
    runs, start, prev = [], loud[0], loud[0]
    for i in loud[1:]:
        if i - prev > block: runs.append((start, prev + block)); start = i
        prev = i
    runs.append((start, prev + block))
    begin, end = (runs[1][0] if len(runs) > 1 else runs[0][0]), runs[-1][1]
    reply = samples[begin:end]
with wave.open(f"{out}/reply.wav", "wb") as r:
    r.setnchannels(1); r.setsampwidth(2); r.setframerate(rate); r.writeframes(reply.tobytes())
seconds = len(reply) / rate
rms = math.sqrt(sum(s * s for s in reply) / max(1, len(reply)))
print(f"reply.wav:   {seconds:.2f} s, RMS {20 * math.log10(max(rms, 1) / 32768):.1f} dBFS")
if seconds < 0.5 or rms < 100:
    sys.exit("the reply is missing or silent")
PY
seen_states=$(cat "$OUT/status-timeline.txt")
for s in listening thinking speaking idle; do
    case "$seen_states" in *$s*) ;; *) echo "state $s was never seen (saw:$seen_states)" >&2; exit 1 ;; esac
done
log "done: $OUT/reply.wav (the reply), $OUT/question.wav (the question), states:$seen_states"

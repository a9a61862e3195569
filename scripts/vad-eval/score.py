#!/usr/bin/env python3
"""score.py - the kit's scorer on one decisions file, the target figures on one line each.

    $VENV/bin/python scripts/vad-eval/score.py CORPUS SPLIT RATE decisions.json [--kit ../shared/eval]

Uses the kit's own `run_peers.score` (no peer VADs are run), so the figures are the ones
`run_peers.py --extern` prints in its tables; this only saves reading the tables.
"""
import argparse
import json
import os
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("split")
    ap.add_argument("rate", type=int)
    ap.add_argument("decisions")
    ap.add_argument("--kit", default=os.path.join(os.path.dirname(__file__), "../../../shared/eval"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.kit))
    import run_peers

    manifest = json.load(open(os.path.join(a.corpus, a.split, "manifest.json")))
    files = [e for e in manifest["files"] if e["rate"] == a.rate]
    d = json.load(open(a.decisions))
    scores = {k: np.array([c == "1" for c in v], np.float32) for k, v in d.items()}
    s = run_peers.score("voiced", dict(chunk_ms=10, thr=0.5, scores=scores, cpu_s=0.0, audio_s=0.0), files)

    if "snr:10" in s["frame"]:  # a split with speech and noise clips (an echo-only one has neither)
        f = s["frame"]
        noises = sorted(k.split(":", 1)[1] for k in f if k.startswith("noise:"))
        print(f"{a.split} {a.rate}: F1 10 dB {f['snr:10']['f1']:.3f}   0 dB {f['snr:0']['f1']:.3f}   "
              f"clean {f['snr:clean']['f1']:.3f}   all noisy {f['noisy']['f1']:.3f}")
        print("  F1 by noise: " + ", ".join(f"{n} {f['noise:' + n]['f1']:.3f}" for n in noises))
        cells = ", ".join(f"{n} {f.get(f'cell:{n}:0', {}).get('f1', float('nan')):.2f}" for n in noises)
        print("  F1 at 0 dB by noise: " + cells)
        nz = s["noise_only"]
        print(f"  false triggers/min {nz['all']['ft_per_min']:.2f}: " +
              ", ".join(f"{n} {nz['noise:' + n]['ft_per_min']:.1f}" for n in noises if 'noise:' + n in nz))
        on = s["onset"]["all"]
        lats = []
        for e in files:
            if e["kind"] == "speech" and e["file"] in scores:
                n = e["duration_ms"] // 10
                _, cau = run_peers.views(scores[e["file"]], 10, 0.5, n)
                lats += run_peers.onset_lat(cau, e["utterances"])
        got = [x for x in lats if x is not None]
        share = sum(1 for x in got if x <= 30) / len(got) if got else 0.0
        print(f"  onset median {on.get('median', float('nan')):.0f} ms, p90 {on.get('p90', float('nan')):.0f} ms, "
              f"{100 * share:.1f} % at <= 30 ms, utterances detected {100 * on['detected']:.1f} % "
              f"({len(lats) - len(got)} of {len(lats)} missed)")
    if "echo" in s:
        ec = s["echo"]
        b = ec["bargein"]
        print(f"  echo ({a.split} {a.rate}): self-triggered {100 * ec['self_trigger_clips']:.1f} % of {ec['clips']} clips, "
              f"barge-ins {100 * b['detected']:.0f} % median {b.get('median', float('nan')):.0f} ms "
              f"p90 {b.get('p90', float('nan')):.0f} ms, near-end F1 {ec['near_f1']:.3f}")


if __name__ == "__main__":
    main()

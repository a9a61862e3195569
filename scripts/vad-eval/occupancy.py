#!/usr/bin/env python3
"""occupancy.py - how many of a frame's spectral bins stand over their own noise floor, measured on a corpus.

    $VENV/bin/python scripts/vad-eval/occupancy.py CORPUS SPLIT [--margin-db 6] [--window-frames 150]

A research helper (docs/listening.md, "Spectral occupancy"), not part of the detector. Each 10 ms frame of a
clip's 16 kHz file is resampled to 8 kHz and analysed with a 256-point Hann FFT ending at the frame's end. Every
bin from 150 Hz to 3.9 kHz keeps its own floor: the minimum over the last `--window-frames` frames of its power,
smoothed over about three frames, times 2 (minimum statistics, as the detector's full-band floor). A frame's
occupancy is the share of bins more than `--margin-db` over their floor. Printed per noise type:

- the AUC with which occupancy, and the frame's full-band energy over its own floor, tell the kit's speech frames
  from the other frames of the same clips (at 0 and 10 dB SNR);
- occupancy percentiles (10th, 50th, 90th, 99th) of speech frames, of the other frames of speech clips, and of
  the noise-only clips.

The floors skip the first frames, whose FFT window still holds the zeros before the clip.
"""
import argparse
import json
import os

import numpy as np
from scipy import signal
from scipy.io import wavfile
from scipy.stats import rankdata

RATE = 8000
FRAME = 80
FFT = 256


def measure(path, margin_db, window):
    rate, x = wavfile.read(path)
    if x.ndim > 1:
        x = x.mean(axis=1)
    y = signal.resample_poly(x.astype(np.float64) / 32768.0, RATE, rate)
    frames = len(y) // FRAME
    padded = np.concatenate([np.zeros(FFT), y])
    rows = (np.arange(frames)[:, None] + 1) * FRAME + np.arange(FFT)[None, :]
    low, high = int(150 / RATE * FFT) + 1, int(3900 / RATE * FFT)
    power = np.abs(np.fft.rfft(padded[rows] * np.hanning(FFT), axis=1))[:, low:high] ** 2 + 1e-12
    smoothed = signal.lfilter([0.3], [1, -0.7], power, axis=0)
    first = FFT // FRAME + 1
    floor = np.array([smoothed[max(min(i, first), i - window):i + 1].min(axis=0) for i in range(frames)]) * 2.0
    occupancy = np.mean(power / floor > 10 ** (margin_db / 10), axis=1)
    energy = 10 * np.log10(smoothed.sum(axis=1))
    energy_floor = np.array([energy[max(min(i, first), i - 160):i + 1].min() for i in range(frames)])
    return occupancy, 10 * np.log10(power.sum(axis=1)) - energy_floor


def auc(labels, values):
    ranks = rankdata(values)
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("split")
    ap.add_argument("--margin-db", type=float, default=6.0)
    ap.add_argument("--window-frames", type=int, default=150)
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(a.corpus, a.split, "manifest.json")))
    cells = {}
    by_noise = {}
    for entry in manifest["files"]:
        if entry["rate"] != 16000 or entry["kind"] not in ("speech", "noise"):
            continue
        occupancy, excess = measure(os.path.join(a.corpus, a.split, entry["file"]), a.margin_db, a.window_frames)
        labels = np.zeros(len(occupancy), bool)
        for start, end in entry.get("segments_ms", []):
            labels[start // 10:end // 10] = True
        groups = by_noise.setdefault(entry["noise"], {"speech": [], "pauses": [], "noise only": []})
        if entry["kind"] == "noise":
            groups["noise only"].append(occupancy)
            continue
        groups["speech"].append(occupancy[labels])
        groups["pauses"].append(occupancy[~labels])
        if entry["snr_db"] in (0, 10):
            cell = cells.setdefault((entry["noise"], entry["snr_db"]), ([], [], []))
            cell[0].append(labels)
            cell[1].append(occupancy)
            cell[2].append(excess)
    print("AUC, speech frames against the rest of their clips: occupancy / energy over its floor")
    for (noise, snr), (labels, occupancy, excess) in sorted(cells.items()):
        labels = np.concatenate(labels)
        print(f"  {noise:12s} {snr:3d} dB  {auc(labels, np.concatenate(occupancy)):.3f} / "
              f"{auc(labels, np.concatenate(excess)):.3f}")
    print("occupancy percentiles 10 / 50 / 90 / 99")
    for noise, groups in sorted(by_noise.items()):
        parts = []
        for name, values in groups.items():
            if values:
                p = np.percentile(np.concatenate(values), [10, 50, 90, 99])
                parts.append(f"{name} " + " ".join(f"{v:.2f}" for v in p))
        print(f"  {noise:12s} " + " | ".join(parts))


if __name__ == "__main__":
    main()

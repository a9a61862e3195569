#!/usr/bin/env python3
"""Regenerates the VoiceDSP reference data. Run once from this directory with Python 3.11
(audioop was removed in 3.13), numpy and scipy:  python3 generate_fixtures.py

G.711: audioop's lin2ulaw/lin2alaw over every int16 value (in order -32768…32767) and
ulaw2lin/alaw2lin over every code byte (0…255, int16 little-endian).

Resampler: scipy.signal.resample_poly with the prototype filter built by the same rule as
PolyphaseResampler.FilterDesign (kaiserord-style length and beta for 80 dB, transition band from
0.9 to 1.0 of the lower Nyquist frequency, firwin with a Kaiser window). Inputs and outputs are
float32 little-endian; resampler.json lists the cases and the filter parameters.
"""
import audioop
import json
import math

import numpy as np
from scipy import signal

# --- G.711 -----------------------------------------------------------------
pcm = np.arange(-32768, 32768, dtype="<i2").tobytes()
codes = bytes(range(256))
with open("g711-ulaw-encode.bin", "wb") as f:
    f.write(audioop.lin2ulaw(pcm, 2))
with open("g711-alaw-encode.bin", "wb") as f:
    f.write(audioop.lin2alaw(pcm, 2))
with open("g711-ulaw-decode.bin", "wb") as f:
    f.write(audioop.ulaw2lin(codes, 2))
with open("g711-alaw-decode.bin", "wb") as f:
    f.write(audioop.alaw2lin(codes, 2))

# --- Resampler ---------------------------------------------------------------
ATTENUATION = 80.0
PASS, STOP = 0.9, 1.0


def design(fin, fout):
    g = math.gcd(fin, fout)
    up = fout // g
    lower_nyquist = min(fin, fout) / 2
    upsampled_nyquist = fin * up / 2
    width = (STOP - PASS) * lower_nyquist / upsampled_nyquist
    beta = 0.1102 * (ATTENUATION - 8.7)
    numtaps = int(math.ceil((ATTENUATION - 7.95) / 2.285 / (math.pi * width) + 1))
    if numtaps % 2 == 0:
        numtaps += 1
    cutoff = (PASS + STOP) / 2 * lower_nyquist / upsampled_nyquist
    taps = signal.firwin(numtaps, cutoff, window=("kaiser", beta))
    return numtaps, beta, cutoff, taps


rng = np.random.default_rng(20240611)


def make_signal(kind, fin, n):
    t = np.arange(n) / fin
    if kind == "tones-noise":
        x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1234.5 * t + 0.7)
             + 0.1 * np.sin(2 * np.pi * 0.41 * fin * t) + 0.05 * rng.standard_normal(n))
    elif kind == "chirp":
        x = 0.5 * signal.chirp(t, f0=50, t1=t[-1], f1=0.49 * fin, method="linear")
    elif kind == "clicks":
        x = np.zeros(n)
        x[[0, 1, 37, 500, n // 2, n - 1]] = [0.9, -0.9, 0.5, -0.7, 0.8, 0.6]
    else:
        raise ValueError(kind)
    return x.astype("<f4")


cases = []
pairs = [
    (48000, 24000, "tones-noise"), (24000, 48000, "chirp"), (44100, 24000, "tones-noise"),
    (24000, 44100, "clicks"), (8000, 48000, "tones-noise"), (48000, 16000, "chirp"),
    (22050, 8000, "clicks"), (11025, 16000, "chirp"), (16000, 24000, "tones-noise"),
]
for fin, fout, kind in pairs:
    numtaps, beta, cutoff, taps = design(fin, fout)
    g = math.gcd(fin, fout)
    x = make_signal(kind, fin, 1500)
    y = signal.resample_poly(x.astype(np.float64), fout // g, fin // g, window=taps)
    name = f"resample-{fin}-{fout}-{kind}"
    x.tofile(name + ".in.f32")
    y.astype("<f4").tofile(name + ".out.f32")
    cases.append({"name": name, "inputRate": fin, "outputRate": fout, "signal": kind,
                  "tapCount": numtaps, "kaiserBeta": beta, "cutoff": cutoff,
                  "inputCount": int(x.size), "outputCount": int(y.size)})

with open("resampler.json", "w") as f:
    json.dump({"cases": cases}, f, indent=1)
    f.write("\n")

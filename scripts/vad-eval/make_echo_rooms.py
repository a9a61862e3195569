#!/usr/bin/env python3
"""make_echo_rooms.py - echo clips only, in room noises of one's choosing, with the kit's own generator.

    $VENV/bin/python scripts/vad-eval/make_echo_rooms.py OUT SEED NOISE[,NOISE...] [CLIPS] [--kit ../shared/eval]

The kit's echo clips put a steady room noise under the reply (dev: pink and hum50; make_xval.py: brown and hum60). A
held-out split may put another there. This makes CLIPS (40) echo clips, 60 % with a barge-in, with make_xval.py's
voices and sentences and the given room noises (any of the generator's: white, pink, brown, hum50, hum60, babble,
music-organ, music-bell, knock, clap), written to OUT/echo/{16k,24k}/ and OUT/echo/manifest.json. Score them with
`score.py OUT echo RATE decisions.json` (its echo line). Seeds used in docs/listening.md: see its
twenty-second-session section.
"""
import argparse
import json
import os
import sys
import tempfile
from multiprocessing import get_context


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("seed", type=int)
    ap.add_argument("noises")
    ap.add_argument("clips", type=int, nargs="?", default=40)
    ap.add_argument("--kit", default=os.path.join(os.path.dirname(__file__), "../../../shared/eval"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.kit))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import numpy as np
    import make_dev_corpus as kit
    import make_xval as xval

    cfg = dict(kit.SPLITS["dev"], seed=a.seed, langs={"en": ["en-us", "en-gb"]},
               variants=["m2", "m4", "m5", "f2", "f4"], noises=[], echo_noises=a.noises.split(","),
               sentences={"en": xval.SENTENCES}, assistant_sentences=xval.ASSISTANT)
    outdir = os.path.join(a.out, "echo")
    for rate in ("16k", "24k"):
        os.makedirs(os.path.join(outdir, rate), exist_ok=True)
    rng = np.random.default_rng([a.seed, 0])
    with tempfile.TemporaryDirectory() as td:
        pools = kit.build_pool(cfg, rng, td, n_near=140, n_babble=60)
    barges = int(round(a.clips * cfg["echo_barge_frac"]))
    specs = [dict(idx=1000 + c, kind="echo", barge=c < barges,
                  name=f"echo_{c:02d}_{'barge' if c < barges else 'only'}") for c in range(a.clips)]
    kit.G.update(cfg=cfg, outdir=outdir, seed=a.seed, pools=pools)
    with get_context("fork").Pool(os.cpu_count() or 2) as pool:
        entries = [e for es in pool.map(kit.make_clip, specs, chunksize=2) for e in es]
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(dict(split="echo", seed=a.seed, frame_ms=10, files=entries), f, indent=1, ensure_ascii=False)
    print(f"{outdir}: {len(entries)} files ({a.clips} echo clips x 2 rates), room noise {a.noises}")


if __name__ == "__main__":
    main()

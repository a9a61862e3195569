#!/usr/bin/env python3
"""make_xval.py - held-out-like splits made with the kit's own generator.

    $VENV/bin/python scripts/vad-eval/make_xval.py OUT SEED [--kit ../shared/eval]

The kit ships its dev split only; the work is judged on a held-out split "with other voices, sentences and noise
types". This makes such splits with `make_dev_corpus.make_split`: other espeak voice variants, English sentences
that are not in dev, and the noise types the kit's generator has beyond dev's (brown, clap, music-bell, hum60),
with babble and white kept. Writes OUT/xval/{16k,24k}/ and OUT/xval/manifest.json. Seeds used in docs/listening.md:
7007 (second split), 9009 (third), 5005 (fourth), 3141 (fifth).
"""
import argparse
import os
import sys

SENTENCES = [
    "Switch the hallway lamp off in ten minutes.",
    "What did I put on the calendar for Thursday?",
    "Turn up the heating in the bedroom, please.",
    "How long do I boil an egg for it to be soft?",
    "Call my sister on speaker.",
    "Is the post office open on Saturday afternoon?",
    "Skip this track, I don't like it.",
    "Remind me to water the plants every Monday.",
    "What's seven times eighteen?",
    "Lock the back door and close the blinds.",
    "Read me the recipe for banana bread again.",
    "No, the other one, the blue lamp by the window.",
    "How cold will it get tonight?",
    "Put milk and coffee filters on the list.",
    "Start a ten second countdown.",
    "When does the next bus to the station leave?",
    "Play the radio station I listened to yesterday.",
    "Thanks, that's all for now.",
    "Who wrote the novel about the white whale?",
    "Dim the kitchen lights to half.",
    "Set an alarm for quarter past six tomorrow.",
    "How do you spell necessary?",
    "Mute the television for a minute.",
    "Tell me something interesting about octopuses.",
]
ASSISTANT = [
    "It will be cloudy tonight with a low of four degrees, so you may want a jacket tomorrow morning.",
    "I have put milk and coffee filters on your shopping list. Anything else before you go?",
    "The next bus to the station leaves in twelve minutes from the stop on the corner.",
    "Seven times eighteen is one hundred and twenty six.",
    "Here is the recipe for banana bread. Mash three ripe bananas and mix them with melted butter.",
    "Octopuses have three hearts and blue blood, and each arm can taste what it touches.",
    "Your alarm is set for quarter past six tomorrow morning. Sleep well.",
    "The post office is open until one on Saturdays, and closed in the afternoon.",
    "Necessary is spelled with one c and two s's: n, e, c, e, s, s, a, r, y.",
    "The novel about the white whale is Moby Dick, written by Herman Melville in eighteen fifty one.",
    "Dimming the kitchen lights to half. Say brighter if you want more light.",
    "I've set a reminder to water the plants every Monday at nine in the morning.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("seed", type=int)
    ap.add_argument("--kit", default=os.path.join(os.path.dirname(__file__), "../../../shared/eval"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.kit))
    import make_dev_corpus as kit

    dev = kit.SPLITS["dev"]
    kit.SPLITS["xval"] = dict(
        dev,
        seed=a.seed,
        langs={"en": ["en-us", "en-gb"]},
        variants=["m2", "m4", "m5", "f2", "f4"],
        noises=["brown", "clap", "music-bell", "hum60", "babble", "white"],
        echo_noises=["brown", "hum60"],
        sentences={"en": SENTENCES},
        assistant_sentences=ASSISTANT,
    )
    kit.make_split("xval", a.out, a.seed)


if __name__ == "__main__":
    main()

"""The simulated card's microphone for the harness scripts (bench.sh, soak.py): a thread that feeds the capture
PCM's FIFO with room noise (about -60 dBFS) or looped speech, switched by setting `mode`."""

import array
import fcntl
import os
import random
import threading


class Microphone(threading.Thread):
    """Feeds `fifo` (S16_LE mono at `rate`): room noise, or `speech_path`'s raw audio looped while `mode` is
    "speech". The writer blocks when the pipe is full, so it follows the daemon's real-time reads, and a switch
    reaches the daemon within what the pipe holds (~340 ms at 24 kHz). Reopens the FIFO when the daemon reopens its
    device.

    The pipe must hold the daemon's longest capture read: ALSA's `file` plugin reads its infile once per read and
    fills what the pipe did not have with its slave's silence. A 200 ms batch at 24 kHz is 9,600 bytes; with an
    8 KiB pipe every batch ended in 30 ms of digital silence, which dragged the VAD's noise floor under the room
    noise, so the room counted as speech and a turn could stay open until its time limit."""

    F_SETPIPE_SZ = 1031
    PIPE_BYTES = 16384

    def __init__(self, fifo, speech_path, rate):
        super().__init__(daemon=True)
        rng = random.Random(9)
        self.fifo = fifo
        self.rate = rate
        noise = array.array("h", (int(rng.gauss(0, 33)) for _ in range(rate)))
        self.noise = noise.tobytes()
        # The room's noise goes on under the user's voice, as at a real microphone: espeak's pauses are digital
        # silence, which would drag the daemon's noise floor 10 dB under the room, and its words would start
        # from nothing, a 40 dB jump in 10 ms that the VAD takes for a knock.
        speech = array.array("h")
        with open(speech_path, "rb") as f:
            speech.frombytes(f.read())
        self.speech = array.array(
            "h", (max(-32768, min(32767, v + noise[i % len(noise)])) for i, v in enumerate(speech))).tobytes()
        self.mode = "noise"
        self.stopped = False
        # Where each source loops from next, in bytes: the speech resumes where it was left, mid-sentence.
        self.positions = {"noise": 0, "speech": 0}

    def position_seconds(self, mode):
        """Where in its source `mode` is now, in seconds (what the daemon hears next, less what the pipe holds)."""
        source = self.speech if mode == "speech" else self.noise
        return round(self.positions[mode] % len(source) / 2 / self.rate, 3)

    def run(self):
        block = self.rate // 50 * 2
        while not self.stopped:
            try:
                fd = os.open(self.fifo, os.O_WRONLY)
            except OSError:
                return
            try:
                fcntl.fcntl(fd, self.F_SETPIPE_SZ, self.PIPE_BYTES)
            except OSError:
                pass
            try:
                while not self.stopped:
                    source = self.speech if self.mode == "speech" else self.noise
                    start = self.positions[self.mode] % len(source)
                    chunk = source[start:start + block]
                    self.positions[self.mode] = start + len(chunk)
                    os.write(fd, chunk)
            except (BrokenPipeError, OSError):
                pass
            finally:
                os.close(fd)

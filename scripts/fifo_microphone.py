"""The simulated card's microphone for the harness scripts (bench.sh, soak.py): a thread that feeds the capture
PCM's FIFO with room noise (about -60 dBFS) or looped speech, switched by setting `mode`."""

import array
import fcntl
import os
import random
import threading


class Microphone(threading.Thread):
    """Feeds `fifo` (S16_LE mono at `rate`): room noise, or `speech_path`'s raw audio looped while `mode` is
    "speech". The pipe is kept small so a switch reaches the daemon within ~170 ms; the writer blocks when it is
    full, so it follows the daemon's real-time reads. Reopens the FIFO when the daemon reopens its device."""

    F_SETPIPE_SZ = 1031

    def __init__(self, fifo, speech_path, rate):
        super().__init__(daemon=True)
        rng = random.Random(9)
        self.fifo = fifo
        self.rate = rate
        self.noise = array.array("h", (int(rng.gauss(0, 33)) for _ in range(rate))).tobytes()
        with open(speech_path, "rb") as speech:
            self.speech = speech.read()
        self.mode = "noise"
        self.stopped = False

    def run(self):
        block = self.rate // 50 * 2
        positions = {"noise": 0, "speech": 0}
        while not self.stopped:
            try:
                fd = os.open(self.fifo, os.O_WRONLY)
            except OSError:
                return
            try:
                fcntl.fcntl(fd, self.F_SETPIPE_SZ, 8192)
            except OSError:
                pass
            try:
                while not self.stopped:
                    source = self.speech if self.mode == "speech" else self.noise
                    start = positions[self.mode] % len(source)
                    chunk = source[start:start + block]
                    positions[self.mode] = start + len(chunk)
                    os.write(fd, chunk)
            except (BrokenPipeError, OSError):
                pass
            finally:
                os.close(fd)

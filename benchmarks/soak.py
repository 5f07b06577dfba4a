"""Soak: hours of microphone input, fast-forwarded through the real hands-free loop; memory, threads, open files.

    python run.py benchmark soak [--minutes 60] [--voice system]

A fake microphone (the only fake) plays a long recording made of the project's own material: wake phrases followed
by questions (spoken by several voices), follow-up questions without the wake phrase, long stretches of silence,
pink and brown noise, and other people talking without the wake phrase. Everything else is real: the endpointer,
the wake detector, the recognizer, the dialogue, and the voice synthesising every answer (into memory: a player
with no device, since the answers would otherwise take real time to play). Every ``--every`` minutes of input it
records the resident memory, the threads and the open files, and it prints a table; the goal is no crash, memory
growth under 10 MB after the first checkpoint (warm-up), and no growth in threads or files.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import IO, Any

from voice.audio import RATE_HZ, Audio, silence

CHUNK_S = 0.03
"""The microphone's chunk, as voice.microphone delivers it."""
WAKE = "hey jarvis"
QUESTIONS = ("how long will my back hurt", "can I take ibuprofen for the pain", "is it normal to have back pain "
             "after an epidural", "what exercises are good for my back", "could the epidural have damaged my spine",
             "my legs feel numb is that normal", "what can I ask", "should I see a physical therapist",
             "what is the weather like tomorrow", "how do I get the baby to sleep")
CHATTER = ("we should call your mother later and tell her how the night went",
           "the baby finally fell asleep around three so I got a couple of hours",
           "can you pass me the blanket from the chair over there",
           "I think the kettle has boiled, do you want a cup of tea")
VOICES = ("joe", "flite-slt", "festival-kal", "espeak-ng")


class DevicelessPlayer:
    """A Player without a speaker: synthesises every utterance with the real voice, at machine speed."""

    def __init__(self, voice: Any) -> None:
        self.voice = voice
        self.device = None
        self._stop = threading.Event()
        self.sentences = 0

    def speak(self, utterances: Sequence[Any], on_start: Any = None) -> int:
        self._stop.clear()
        done = 0
        for index, utterance in enumerate(utterances):
            if self._stop.is_set():
                break
            if on_start is not None:
                on_start(index)
            self.voice.say(utterance.text)
            done += 1
        self.sentences += done
        return done

    def stop(self) -> None:
        self._stop.set()


def material(seed: int = 7) -> Iterator[tuple[str, Audio]]:
    """An endless, varied stream of (kind, audio) pieces at 16 kHz."""
    from benchmarks.speech import _audio, coloured_noise, synthesize, voice_available

    voices = [v for v in VOICES if voice_available(v)] or ["espeak-ng"]
    rng = random.Random(seed)
    cache: dict[tuple[str, str], Audio] = {}

    for voice in voices:  # all of it now, so the recording's own memory does not grow while it plays
        for text in (WAKE, *QUESTIONS, *CHATTER):
            cache[voice, text] = synthesize(voice, text)

    def said(voice: str, text: str) -> Audio:
        return cache[voice, text]

    while True:
        kind = rng.choice(("question", "question", "follow-up", "silence", "noise", "chatter"))
        voice = rng.choice(voices)
        if kind == "question":
            yield kind, said(voice, WAKE) + silence(rng.uniform(0.2, 0.6)) + said(voice, rng.choice(QUESTIONS))
            yield "after", silence(rng.uniform(1.0, 8.0))  # some within the follow-up window, some after it
        elif kind == "follow-up":
            yield kind, said(voice, rng.choice(QUESTIONS))
        elif kind == "silence":
            yield kind, silence(rng.uniform(5.0, 60.0))
        elif kind == "noise":
            seconds = rng.uniform(3.0, 20.0)
            noise = coloured_noise(int(seconds * RATE_HZ), rng.choice((1.0, 2.0)), rng.randrange(1 << 30)) * 0.05
            yield kind, _audio(noise)
        else:
            yield kind, said(voice, rng.choice(CHATTER))


def _resources() -> tuple[float, int, int]:
    """(resident MB, threads, open files) of this process."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return (resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, len(os.listdir("/proc/self/task")),
            len(os.listdir("/proc/self/fd")))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py benchmark soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="minutes of microphone input (default 60)")
    parser.add_argument("--every", type=float, default=10.0, help="minutes between checkpoints (default 10)")
    parser.add_argument("--voice", default="system", help="the voice that says the answers (system or piper)")
    return parser


def main(out: IO[str], argv: Sequence[str] = ()) -> int:
    from content.loader import load_library
    from voice.live import Listener, LiveSettings, Session
    from voice.stt import load_transcriber
    from voice.tts import load_voice
    from voice.vad import Endpointer, load_detector
    from voice.wake import load_wake_detector

    args = build_parser().parse_args(list(argv))
    library = load_library()
    transcriber = load_transcriber(None, library, wake_phrase=WAKE)
    voice = load_voice(args.voice)
    player = DevicelessPlayer(voice)
    session = Session(library, transcriber, player, wake_phrase=WAKE)
    kinds: dict[str, int] = {}
    listener = Listener(session, Endpointer(load_detector()), load_wake_detector(WAKE), LiveSettings(),
                        sound=lambda name: None, show=lambda kind, text: kinds.__setitem__(kind, kinds.get(kind, 0) + 1))
    step = round(CHUNK_S * RATE_HZ) * 2
    fed_s, next_mark, rows = 0.0, 0.0, []
    started = time.perf_counter()
    try:
        for _, audio in material():
            for offset in range(0, len(audio.pcm), step):
                listener.step(Audio(audio.pcm[offset:offset + step]))
                fed_s += CHUNK_S
                if fed_s >= next_mark:
                    listener.idle()
                    gc.collect()
                    rows.append((f"{fed_s / 60:.0f}", *_resources(), listener.answers))
                    next_mark += args.every * 60
            if fed_s >= args.minutes * 60:
                break
        listener.idle()
        listener.close()
        gc.collect()
        rows.append((f"{fed_s / 60:.0f}", *_resources(), listener.answers))
    finally:
        transcriber.close()
        voice.close()
    elapsed = time.perf_counter() - started
    print(f"{fed_s / 60:.0f} min of input in {elapsed / 60:.1f} min; {listener.answers} answers "
          f"({player.sentences} sentences synthesised); heard {kinds.get('heard', 0)}, errors {kinds.get('error', 0)}",
          file=out)
    print("\nminute | resident MB | threads | open files | answers", file=out)
    print("-------|-------------|---------|------------|--------", file=out)
    for minute, rss, threads, files, answers in rows:
        print(f"{minute:>6} | {rss:11.1f} | {threads:7d} | {files:10d} | {answers:7d}", file=out)
    warm = rows[1] if len(rows) > 2 else rows[0]
    growth = rows[-1][1] - warm[1]
    print(f"\nafter warm-up ({warm[0]} min): memory {growth:+.1f} MB, threads {rows[-1][2] - warm[2]:+d}, "
          f"open files {rows[-1][3] - warm[3]:+d}", file=out)
    return 0 if growth < 10 and rows[-1][2] <= warm[2] and rows[-1][3] <= warm[3] else 1

"""Wake-phrase benchmark: phrases missed, and false wakes in long speech without the phrase.

    python run.py benchmark wake [--phrase "hey jarvis"] [--engines micro,open,keyphrase@1e-20] [--minutes 30]

Positives: the wake phrase alone and followed by a question ("hey jarvis, how long will my back hurt"), said by every
speech-benchmark voice (Piper's joe, flite, festival, espeak-ng), in quiet and with pink noise or three other voices
10 dB below (``benchmarks.speech``'s conditions), each fed to a freshly reset detector in 30 ms chunks. Negatives:
the whole article read aloud and the project's test questions, by the same voices in turn, sentence after sentence
with short pauses, as one stream of at least ``--minutes`` minutes; every wake in it is false. Per engine it prints:
missed per condition, false wakes (and per hour), CPU time per second of the long stream, and load time.
Synthesised audio is cached (``benchmarks.speech``); the first run takes several minutes to synthesise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from typing import IO

import yaml

from benchmarks.speech import (CONDITIONS, DEFAULT_VOICES, QUESTIONS, in_condition, synthesize, table,
                               voice_available)
from voice.audio import RATE_HZ, Audio, silence

CHUNK_S = 0.03
CONDITION_NAMES = ("quiet", "pink-10", "voices-10")
FOLLOW_UPS = ("", "how long will my back hurt", "can I take ibuprofen", "what can I ask")


def positives(phrase: str, voices: Sequence[str], condition: str) -> Iterator[Audio]:
    for index, voice in enumerate(voices):
        for number, follow in enumerate(FOLLOW_UPS):
            text = f"{phrase}, {follow}" if follow else phrase
            yield in_condition(synthesize(voice, text), CONDITIONS[condition], seed=100 * index + number)


def negative_sentences() -> list[str]:
    from content.loader import load_library
    from content.speech import article_script

    library = load_library()
    said = [u.text for article in library.articles for u in article_script(article)]
    with open(QUESTIONS, encoding="utf-8") as file:
        said += [item["q"] for item in yaml.safe_load(file)]
    return said


def negatives(voices: Sequence[str], minutes: float) -> Iterator[Audio]:
    """Speech without the wake phrase: every sentence by every voice in turn until ``minutes`` are said."""
    total = 0.0
    sentences = negative_sentences()
    for round_ in range(len(voices)):
        for index, text in enumerate(sentences):
            voice = voices[(index + round_) % len(voices)]
            audio = synthesize(voice, text) + silence(0.3)
            total += audio.seconds
            yield audio
            if total >= minutes * 60:
                return


def feed(detector, audio: Audio) -> int:  # type: ignore[no-untyped-def]
    """How many times the detector woke on the audio (it is reset after each wake)."""
    step = int(CHUNK_S * RATE_HZ) * 2
    wakes = 0
    for start in range(0, len(audio.pcm), step):
        if detector.process(Audio(audio.pcm[start:start + step])):
            wakes += 1
            detector.reset()
    return wakes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py benchmark wake", description=__doc__.split("\n\n")[0])
    parser.add_argument("--phrase", default="hey jarvis")
    parser.add_argument("--engines", default="micro,open,keyphrase",
                        help="comma-separated: micro, open, open@THRESHOLD, keyphrase or keyphrase@THRESHOLD")
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES))
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of speech without the phrase")
    parser.add_argument("--conditions", default=",".join(CONDITION_NAMES))
    return parser


def load(spec: str, phrase: str):  # type: ignore[no-untyped-def]
    from voice.wake import MODELS, KeyphraseDetector, OpenWakeDetector, load_wake_detector

    if spec.startswith("keyphrase@"):
        return KeyphraseDetector(phrase, float(spec.split("@", 1)[1]))
    if spec.startswith("open@"):
        return OpenWakeDetector(MODELS[phrase], phrase, float(spec.split("@", 1)[1]))
    return load_wake_detector(phrase, spec)


def main(out: IO[str], argv: Sequence[str] = ()) -> int:
    args = build_parser().parse_args(list(argv))
    voices = [v for v in args.voices.split(",") if voice_available(v)]
    conditions = args.conditions.split(",")
    print(f"wake phrase '{args.phrase}': {len(FOLLOW_UPS)} phrasings x {len(voices)} voices ({', '.join(voices)}) "
          f"per condition; false wakes over {args.minutes:.0f} min of the article and the test questions; "
          f"chunks of {CHUNK_S * 1000:.0f} ms", file=out, flush=True)
    clips = {c: list(positives(args.phrase, voices, c)) for c in conditions}
    speech = list(negatives(voices, args.minutes))
    speech_s = sum(a.seconds for a in speech)
    rows = []
    for spec in args.engines.split(","):
        started = time.perf_counter()
        detector = load(spec, args.phrase)
        load_s = time.perf_counter() - started
        row: list[str] = [spec]
        for condition in conditions:
            missed = 0
            for clip in clips[condition]:
                detector.reset()
                missed += feed(detector, clip) == 0
            row.append(f"{100 * missed / len(clips[condition]):.1f}% ({missed}/{len(clips[condition])})")
        detector.reset()
        begun = time.process_time()
        false = sum(feed(detector, audio) for audio in speech)
        cpu = time.process_time() - begun  # on the long stream only: a reset costs some engines a refill
        row += [f"{false} in {speech_s / 60:.0f} min", f"{false / (speech_s / 3600):.1f}", f"{cpu / speech_s:.3f}",
                f"{load_s:.2f} s"]
        rows.append(row)
        print(" | ".join(row), file=sys.stderr, flush=True)
    table(("engine", *(f"missed, {c}" for c in conditions), "false wakes", "per hour", "CPU s/s", "load"), rows, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdout, sys.argv[1:]))

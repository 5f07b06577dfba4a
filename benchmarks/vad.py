"""End-of-speech benchmark: which voice-activity detector, and how much trailing silence ends a question.

    python run.py benchmark vad [--limit N] [--voices joe,flite-slt,...] [--silences 0.5,0.6,0.75]

Each question is said in two halves by one of the benchmark speech voices, with a 400 ms pause between them (a tired
parent stopping to think mid-sentence), in quiet and with pink noise or three other voices 10 dB below the speech
(``benchmarks.speech``'s conditions), and fed to ``voice.vad.Endpointer`` in 30 ms chunks. Per detector, condition and
trailing-silence setting it prints: questions found, questions cut off (the utterance ended before the speech did),
the end delay (from the end of the speech to the end decision; median and 95th percentile), false starts per minute
in pink noise alone, and CPU time per second of audio.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Sequence
from typing import IO, Any

import yaml

from benchmarks.speech import (CONDITIONS, DEFAULT_VOICES, QUESTIONS, _audio, _samples, coloured_noise, in_condition,
                               select, speech_level, synthesize, table, voice_available)
from voice.audio import RATE_HZ, Audio, silence
from voice.vad import DETECTORS, EndpointSettings, Endpointer, Ended, Started, TooLong, load_detector

PAUSE_S = 0.4
CHUNK_S = 0.03
TAIL_S = 1.5
VAD_CONDITIONS = ("quiet", "pink-10", "voices-10")


def trimmed(audio: Audio) -> Any:
    """The samples without leading and trailing near-silence (40 dB below the loudest 10 ms)."""
    import numpy as np

    signal = _samples(audio)
    frame = RATE_HZ // 100
    energy = np.mean(signal[: len(signal) // frame * frame].reshape(-1, frame) ** 2, axis=1)
    active = np.nonzero(energy > energy.max() * 1e-4)[0]
    return signal[active[0] * frame:(active[-1] + 1) * frame]


def paused_question(voice: str, text: str, pause_s: float = PAUSE_S) -> tuple[Audio, float]:
    """The question said in two halves with a pause between; and where its speech ends, in seconds."""
    import numpy as np

    words = text.split()
    half = max(1, len(words) // 2)
    first, second = (trimmed(synthesize(voice, " ".join(part))) for part in (words[:half], words[half:]))
    speech = np.concatenate([first, np.zeros(int(pause_s * RATE_HZ), np.float32), second]) if words[half:] else first
    return _audio(speech), len(speech) / RATE_HZ


def percentile(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(percent / 100 * len(ordered)) - 1))]


def run_endpointer(endpointer: Endpointer, audio: Audio) -> list[object]:
    endpointer.reset()
    step = int(CHUNK_S * RATE_HZ) * 2
    events: list[object] = []
    for start in range(0, len(audio.pcm), step):
        events += endpointer.process(Audio(audio.pcm[start:start + step]))
    return events


def noise_alone(seconds: float, level: float) -> Audio:
    return _audio(coloured_noise(int(seconds * RATE_HZ), 1.0, seed=3) * level * 10 ** (-10 / 20))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py benchmark vad", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=24, help="questions (an even spread; default 24)")
    parser.add_argument("--voices", default="joe,flite-slt,festival-kal,espeak-ng")
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--silences", default="0.75", help="trailing-silence settings to try, seconds")
    parser.add_argument("--conditions", default=",".join(VAD_CONDITIONS))
    parser.add_argument("--gates", default="none", help="level gates to try, dB below the speaker (none: off)")
    return parser


def main(out: IO[str], argv: Sequence[str] = ()) -> int:
    from benchmarks.speech import PAD_SECONDS

    args = build_parser().parse_args(list(argv))
    voices = [v for v in args.voices.split(",") if v in DEFAULT_VOICES and voice_available(v)]
    with open(QUESTIONS, encoding="utf-8") as file:
        items = select(yaml.safe_load(file), args.limit)
    samples = []  # (condition, audio, speech end in the audio)
    levels = []
    for condition in args.conditions.split(","):
        for index, item in enumerate(items):
            voice = voices[index % len(voices)]
            speech, end_s = paused_question(voice, item["q"])
            levels.append(speech_level(_samples(speech)))
            speech = speech + silence(TAIL_S)  # the room goes on after the question: time to decide it is over
            samples.append((condition, in_condition(speech, CONDITIONS[condition], seed=index), PAD_SECONDS + end_s))
    noise = noise_alone(60.0, statistics.median(levels))
    print(f"{len(items)} questions x {len(args.conditions.split(','))} conditions, voices {', '.join(voices)}, "
          f"a {PAUSE_S * 1000:.0f} ms pause mid-sentence; chunks of {CHUNK_S * 1000:.0f} ms", file=out, flush=True)
    rows = []
    for name in args.detectors.split(","):
        for silence_s, gate in ((float(s), g) for s in args.silences.split(",") for g in args.gates.split(",")):
            gate_db = None if gate == "none" else float(gate)
            endpointer = Endpointer(load_detector(name), EndpointSettings(silence_s=silence_s, gate_db=gate_db))
            for condition in args.conditions.split(","):
                found = cut = 0
                delays = []
                cpu = seconds = 0.0
                for kind, audio, end_s in samples:
                    if kind != condition:
                        continue
                    started = time.process_time()
                    events = run_endpointer(endpointer, audio)
                    cpu += time.process_time() - started
                    seconds += audio.seconds
                    ends = [e for e in events if isinstance(e, (Ended, TooLong))]
                    if not ends:
                        continue
                    found += 1
                    if ends[0].at_s < end_s:  # decided before the speech was over: the question is cut off
                        cut += 1
                    else:
                        delays.append(ends[-1].at_s - end_s)
                false_starts = sum(isinstance(e, Started) for e in run_endpointer(endpointer, noise))
                total = sum(1 for s in samples if s[0] == condition)
                rows.append((name, f"{silence_s:.2f}", gate, condition, f"{100 * found / total:.0f}%",
                             f"{100 * cut / max(1, found):.1f}%",
                             f"{1000 * statistics.median(delays):.0f}" if delays else "-",
                             f"{1000 * percentile(delays, 95):.0f}" if delays else "-",
                             f"{false_starts / (noise.seconds / 60):.1f}", f"{cpu / seconds:.3f}"))
                print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    table(("detector", "silence s", "gate dB", "condition", "found", "cut off", "end delay ms", "p95 ms",
           "false/min in noise",
           "CPU s/s"), rows, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdout, sys.argv[1:]))

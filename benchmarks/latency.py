"""Latency benchmark: from the end of the user's question to the first sound of the answer, through the real stack.

    python run.py benchmark latency [--limit 30] [--voice system|piper] [--wake] [--paused 30]

A private PulseAudio daemon with one null sink, "room": the benchmark plays each spoken question into it with
``paplay``, ``run.py listen --no-wake`` (or with the wake phrase, ``--wake``) records its monitor and speaks into the
same sink, and ``parec`` records that monitor once for the whole run, so the question and the answer are on one
clock. Per question, the end of its speech and the first sound after it are found in that recording; the difference
is the latency. The answer is then interrupted with the wake phrase (barge-in), and the next question follows; the
answer plays at a third of full level (``--volume``), as a speaker across the room is heard, so the wake phrase is
heard over it.

Then questions with a 400 ms pause inserted mid-sentence (``benchmarks.vad.paused_question``): a question counts as
cut off when the answer is already sounding as its speech ends (sound within ``CUT_S`` of the end).
It prints the median and 95th percentile latency, the cut-off share, the time from starting the process to
"listening", and the listen process's resident memory (peak and at the end).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import yaml

from benchmarks.speech import CONDITIONS, DEFAULT_VOICES, QUESTIONS, in_condition, select, synthesize, table
from benchmarks.vad import paused_question, percentile
from voice.audio import RATE_HZ, Audio

ROOT = Path(__file__).resolve().parent.parent
LOUD = 500
"""A 10 ms frame with a sample above this (about -36 dBFS) is sound; the rooms here are 60 dB quieter."""
BARGE_IN = ("hey jarvis", "joe")
CUT_S = 0.3
"""Sound this soon after a question's end is an answer that started before it: the question was cut off."""


def loud_frames(pcm: bytes) -> Any:
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype=np.int16)
    frame = RATE_HZ // 100
    return np.abs(samples[: len(samples) // frame * frame].reshape(-1, frame)).max(axis=1) > LOUD


def speech_span(audio: Audio) -> tuple[float, float]:
    """First and last sound in a clip, in seconds."""
    import numpy as np

    loud = np.nonzero(loud_frames(audio.pcm))[0]
    return loud[0] / 100, (loud[-1] + 1) / 100


class Room:
    """A private PulseAudio daemon with the null sink "room", and a recording of its monitor."""

    def __init__(self, folder: Path) -> None:
        runtime = folder / "runtime"
        runtime.mkdir(mode=0o700)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(folder), "PULSE_SINK": "room",
                    "PULSE_SOURCE": "room.monitor", "XDG_DATA_HOME": str(folder / "data")}
        subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--disallow-exit",
                        "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=room"],
                       env=self.env, check=True, capture_output=True)
        for _ in range(100):
            if subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        self.capture = folder / "room.raw"
        self.recorder = subprocess.Popen(["parec", "-d", "room.monitor", "--rate=16000", "--channels=1",
                                          "--format=s16le", "--raw", "--latency-msec=10", str(self.capture)],
                                         env=self.env)
        while not subprocess.run(["pactl", "list", "short", "source-outputs"], env=self.env, capture_output=True,
                                 text=True).stdout.strip():
            time.sleep(0.05)
        self.started = time.monotonic()

    def position_s(self) -> float:
        """Roughly where the recording is now (the clock only places clips; sounds are found in the recording)."""
        return time.monotonic() - self.started

    def play(self, path: Path) -> None:
        subprocess.run(["paplay", "-d", "room", str(path)], env=self.env, check=True, timeout=60)

    def recording(self) -> bytes:
        return self.capture.read_bytes()

    def close(self) -> None:
        self.recorder.terminate()
        self.recorder.wait()
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True)


class Assistant:
    def __init__(self, room: Room, options: Sequence[str]) -> None:
        self.out = Path(room.env["HOME"]) / "listen.out"
        self.err = Path(room.env["HOME"]) / "listen.err"
        started = time.monotonic()
        self.process = subprocess.Popen([sys.executable, "run.py", "listen", "--input-device", "pulse",
                                         "--output-device", "pulse", *options], env=room.env, cwd=ROOT,
                                        stdout=self.out.open("w"), stderr=self.err.open("w"))
        self.wait(lambda lines: any(line.startswith("listening:") for line in lines))
        self.startup_s = time.monotonic() - started

    def lines(self) -> list[str]:
        return self.out.read_text().splitlines()

    def wait(self, done, timeout_s: float = 60.0) -> list[str]:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            lines = self.lines()
            if done(lines):
                return lines
            if self.process.poll() is not None:
                raise RuntimeError(f"run.py listen ended: {self.err.read_text()[-500:]}")
            time.sleep(0.02)
        raise RuntimeError(f"run.py listen did not answer in time: {self.lines()[-3:]}")

    def count(self, start: str, exact: bool = False) -> int:
        return sum(line == start if exact else line.startswith(start) for line in self.lines())

    def memory_mb(self) -> tuple[float, float]:
        """(resident now, peak resident) in MB."""
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    def close(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def ask(room: Room, assistant: Assistant, clip: Path, barge_in: Path) -> tuple[float, str]:
    """Play one question; (where it was played in the recording, roughly; what the assistant heard)."""
    heard, listening = assistant.count("heard:"), assistant.count("listening", exact=True)
    at_s = room.position_s()
    room.play(clip)
    lines = assistant.wait(lambda lines: sum(line.startswith("saying:") for line in lines) > heard, 30)
    text = [line for line in lines if line.startswith("heard:")][-1][len("heard: "):]
    time.sleep(0.8)  # let the answer be heard, then interrupt it as a parent would
    room.play(barge_in)
    assistant.wait(lambda lines: sum(line == "listening" for line in lines) > listening, 90)
    time.sleep(0.4)  # the listening sound
    return at_s, text


def find_clip(recording: Any, clip: Any, near_s: float, window_s: float = 5.0) -> int | None:
    """Where (in samples) the clip was played in the recording, by cross-correlation within ``window_s`` of
    ``near_s``; the wall clock only narrows the search (parec's recording starts later than it connects)."""
    import numpy as np

    start = max(0, int((near_s - window_s) * RATE_HZ))
    stop = min(len(recording), int((near_s + window_s) * RATE_HZ) + len(clip))
    part = recording[start:stop]
    if len(part) < len(clip):
        return None
    size = 1 << int(np.ceil(np.log2(len(part) + len(clip))))
    score = np.fft.irfft(np.fft.rfft(part, size) * np.conj(np.fft.rfft(clip, size)), size)[: len(part) - len(clip) + 1]
    return start + int(np.argmax(score))


def latency_of(recording: bytes, at_s: float, clip: Audio) -> float | None:
    """From the end of the clip's speech to the next sound in the recording."""
    import numpy as np

    samples = np.frombuffer(recording[: len(recording) // 2 * 2], dtype=np.int16).astype(np.float32)
    played = find_clip(samples, np.frombuffer(clip.pcm, dtype=np.int16).astype(np.float32), at_s)
    if played is None:
        return None
    _, last = speech_span(clip)
    end = played // (RATE_HZ // 100) + int(round(last * 100))  # in 10 ms frames
    loud = loud_frames(recording)
    after = np.nonzero(loud[end + 3:])[0]  # 30 ms on: past the question's last frame
    if not len(after):
        return None
    return (after[0] + 3) / 100


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py benchmark latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=30, help="questions for the latency (default 30)")
    parser.add_argument("--paused", type=int, default=30, help="questions with a 400 ms pause (default 30)")
    parser.add_argument("--voice", default="system", help="the assistant's voice (default: system)")
    parser.add_argument("--volume", type=float, default=0.33, help="the assistant's --volume (default 0.33)")
    parser.add_argument("--wake", action="store_true", help='each question starts with "hey jarvis"')
    parser.add_argument("--keep", type=Path, help="copy the recording and the assistant's output to this folder")
    parser.add_argument("--voices", default="joe,flite-slt,festival-kal,festival-slt",
                        help="the voices that ask (benchmarks.speech's)")
    return parser


def main(out: IO[str], argv: Sequence[str] = ()) -> int:
    args = build_parser().parse_args(list(argv))
    if shutil.which("pulseaudio") is None or shutil.which("parec") is None:
        print("PulseAudio is not installed (sudo apt-get install pulseaudio pulseaudio-utils)", file=out)
        return 1
    voices = [v for v in args.voices.split(",") if v in DEFAULT_VOICES]
    with open(QUESTIONS, encoding="utf-8") as file:
        items = yaml.safe_load(file)  # in and out of scope: "not covered" is an answer to be timed too
    plain = select(items, args.limit)
    longer = [i for i in items if i not in plain and len(i["q"].split()) >= 4]
    paused = select(longer, args.paused) if args.paused else []
    prefix = "hey jarvis, " if args.wake else ""
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        clips: list[tuple[str, Path, Audio]] = []  # (plain or paused, file, audio)
        for index, item in enumerate(plain):
            audio = in_condition(synthesize(voices[index % len(voices)], prefix + item["q"]), CONDITIONS["quiet"],
                                 seed=index)
            clips.append(("plain", folder / f"plain{index}.wav", audio))
        for index, item in enumerate(paused):
            speech, _ = paused_question(voices[index % len(voices)], prefix + item["q"])
            clips.append(("paused", folder / f"paused{index}.wav", in_condition(speech, CONDITIONS["quiet"], index)))
        for _, path, audio in clips:
            path.write_bytes(audio.to_wav())
        barge_in = folder / "barge-in.wav"
        barge_in.write_bytes(in_condition(synthesize(BARGE_IN[1], BARGE_IN[0]), CONDITIONS["quiet"], 1).to_wav())
        room = Room(folder)
        # The answer at a third of full level, as a speaker across the room from the parent is at the microphone:
        # the wake phrase that interrupts it must be heard over it (barge-in), or each answer plays to its end.
        options = ["--voice", args.voice, "--volume", str(args.volume)] + ([] if args.wake else ["--no-wake"])
        results: list[tuple[str, float, Audio, str]] = []  # (kind, where played, audio, what was heard)
        try:
            assistant = Assistant(room, options)
            for kind, path, audio in clips:
                at_s, heard = ask(room, assistant, path, barge_in)
                results.append((kind, at_s, audio, heard))
            memory = assistant.memory_mb()
            status = assistant.close()
            recording = room.recording()
        finally:
            room.close()
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                for name in ("room.raw", "listen.out", "listen.err"):
                    if (folder / name).exists():
                        shutil.copy(folder / name, args.keep / name)
                (args.keep / "played.txt").write_text("".join(f"{kind} {at_s:.2f} {heard}\n"
                                                              for kind, at_s, _, heard in results))
    latencies = [latency_of(recording, at_s, audio) for kind, at_s, audio, _ in results if kind == "plain"]
    found = [x for x in latencies if x is not None]
    # cut off: the answer was already sounding when the question's speech ended (no silence after it)
    cut = [heard for kind, at_s, audio, heard in results
           if kind == "paused" and (latency_of(recording, at_s, audio) or 0.0) < CUT_S]
    print(f"{len(plain)} questions by {', '.join(voices)}; voice {args.voice}; "
          f"{'wake phrase' if args.wake else '--no-wake'}; exit status {status}", file=out)
    rows = [("end of speech -> first sound of the answer, median", f"{1000 * statistics.median(found):.0f} ms"),
            ("95th percentile", f"{1000 * percentile(found, 95):.0f} ms"),
            ("min / max", f"{1000 * min(found):.0f} / {1000 * max(found):.0f} ms"),
            ("questions measured", f"{len(found)}/{len(latencies)}"),
            ("cut off with a 400 ms pause", f"{100 * len(cut) / max(1, len(paused)):.1f}% ({len(cut)}/{len(paused)})"),
            ("start to listening", f"{assistant.startup_s:.2f} s"),
            ("resident memory, at the end / peak", f"{memory[0]:.0f} / {memory[1]:.0f} MB")]
    table(("measure", "value"), rows, out)
    for heard in cut:
        print(f"cut off: {heard}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdout, sys.argv[1:]))

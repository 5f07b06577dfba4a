"""Rendering speech to files: an answer, or the whole article with an index of where each section starts."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from content.speech import Utterance
from content.store import write_atomically
from voice.audio import Audio, silence
from voice.tts import Voice


class RenderError(Exception):
    """The file cannot be written; the message says why and what to do."""


@dataclass(frozen=True)
class Mark:
    """Where a section starts in a rendering."""

    id: str
    title: str
    start: float
    """Seconds from the start of the audio."""


def render(utterances: Iterable[Utterance], voice: Voice) -> tuple[Audio, list[Mark]]:
    """Speak every utterance with its pause after it; mark where each section's first utterance starts."""
    pieces: list[Audio] = []
    marks: list[Mark] = []
    seconds = 0.0
    rate_hz = None
    for utterance in utterances:
        audio = voice.say(utterance.text)
        rate_hz = rate_hz or audio.rate_hz
        if utterance.section is not None and (not marks or marks[-1].id != utterance.section):
            marks.append(Mark(utterance.section, utterance.title or utterance.text, round(seconds, 3)))
        gap = silence(utterance.pause_s, audio.rate_hz)
        pieces += [audio, gap]
        seconds += audio.seconds + gap.seconds
    joined = Audio(b"".join(p.pcm for p in pieces), rate_hz or 22050)
    return joined, marks


def check_target(path: Path) -> None:
    """RenderError now if ``path`` cannot be a file we write, before any time is spent synthesising."""
    if path.is_dir():
        raise RenderError(f"{path} is a folder; give a file name such as {path / 'answer.wav'}")
    if not path.parent.is_dir():
        raise RenderError(f"cannot write {path}: the folder {path.parent} does not exist; create it or choose another")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise RenderError(f"cannot write {path} (permission denied); choose another place with --out")


def _write(path: Path, data: bytes | str) -> None:
    check_target(path)
    try:
        write_atomically(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        raise RenderError(f"cannot write {path} ({reason}); choose another place with --out") from None


def write_wav(path: Path, audio: Audio) -> None:
    """The audio as a WAV file, written atomically: a full disk leaves no half-written file under ``path``."""
    _write(path, audio.to_wav())


def write_index(path: Path, marks: list[Mark]) -> None:
    """The section index beside an article rendering: [{"id", "title", "start"}, ...]."""
    data = [{"id": m.id, "title": m.title, "start": m.start} for m in marks]
    _write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

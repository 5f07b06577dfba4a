"""Spoken questions end to end: committed WAVs through the real recognizer to the dialogue, and `ask --json --wav`."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from benchmarks.make_audio import FIXTURES, NOISY, file_name
from content.dialogue import Dialogue
from content.loader import Library
from voice.stt import Transcriber, load_transcriber
from voice.wav import read_wav

AUDIO = Path(__file__).resolve().parent / "data" / "audio"
CASES = [(file_name(text, voice), text, expected) for text, voice, expected in FIXTURES]
CASES += [(file_name(text, voice, condition), text, expected) for text, voice, condition, expected in NOISY]


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="module")
def transcriber(library: Library) -> Iterator[Transcriber]:
    recognizer = load_transcriber(None, library)
    yield recognizer
    recognizer.close()


def check(reply, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    if expected is None:
        assert reply.kind == "not-covered", reply
    elif expected.startswith("command:"):
        assert (reply.kind, reply.command) == ("command", expected.split(":", 1)[1]), reply
    else:
        assert (reply.kind, reply.section) == ("answer", expected), reply


def test_the_fixtures_are_all_there() -> None:
    assert sorted(p.name for p in AUDIO.glob("*.wav")) == sorted(name for name, _, _ in CASES)


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_spoken_question_reaches_the_right_section(name: str, text: str, expected: str | None,
                                                      transcriber: Transcriber, library: Library) -> None:
    check(Dialogue(library).reply(text), expected)  # the typed question itself is answered so
    transcript = transcriber.transcribe(read_wav(AUDIO / name))
    check(Dialogue(library).reply(transcript.text), expected)


def stereo_float_44k(source: Path, target: Path) -> None:
    """The same question as a phone might record it: 44.1 kHz stereo 32-bit float, quieter, with a second of silence."""
    import soxr

    mono = np.frombuffer(read_wav(source).pcm, dtype="<i2").astype(np.float32) / 32768 * 0.3
    mono = np.concatenate([np.zeros(16000, np.float32), mono, np.zeros(16000, np.float32)])
    resampled = soxr.resample(mono, 16000, 44100).astype("<f4")
    data = np.stack([resampled, resampled], axis=1).tobytes()
    fmt = struct.pack("<HHIIHH", 3, 2, 44100, 44100 * 8, 8, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
    target.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def test_ask_json_wav_answers_every_file_in_order_and_reports_bad_ones(cli: Callable, tmp_path: Path) -> None:
    phone = tmp_path / "phone.wav"
    stereo_float_44k(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav", phone)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00")
    eight_bit = tmp_path / "eight.wav"
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)
    eight_bit.write_bytes(b"RIFF" + struct.pack("<I", 36 + 800) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                          + b"data" + struct.pack("<I", 800) + bytes(800))
    files = [AUDIO / "how-long-will-my-back-hurt.joe.wav", broken, phone, tmp_path / "missing.wav", eight_bit,
             AUDIO / "what-is-the-weather-like-tomorrow.joe.wav"]
    result = cli("ask", "--json", "--wav", *map(str, files))
    assert result.status == 1
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in replies] == [str(f) for f in files]
    assert (replies[0]["section"], replies[0]["transcript"]) == ("duration", "how long will my back hurt")
    assert replies[2]["section"] == "painkillers" and "ibuprofen" in replies[2]["transcript"]
    assert replies[5]["kind"] == "not-covered" and "error" not in replies[5]
    for bad in (replies[1], replies[3], replies[4]):
        assert bad["kind"] == "not-covered" and bad["transcript"] == "" and bad["error"]
        assert {"article", "section", "confidence", "title", "answer"} <= bad.keys()
    errors = result.stderr.splitlines()
    assert len(errors) == 3 and all(line.startswith("run.py: ") for line in errors)
    assert "truncated" in errors[0] and "no such file" in errors[1] and "8-bit" in errors[2]


def test_plain_ask_wav_prints_the_answer(cli: Callable) -> None:
    result = cli("ask", "--wav", str(AUDIO / "how-long-will-my-back-hurt.festival-slt.wav"))
    assert result.status == 0 and result.stderr == ""
    assert result.stdout.startswith("How long does backache after an epidural last?")


def test_ask_wav_with_a_typed_question_too_is_a_usage_error(cli: Callable) -> None:
    result = cli("ask", "how long", "--wav", str(AUDIO / "what-can-i-ask.joe.wav"))
    assert result.status == 2 and "either a question or --wav" in result.stderr


def test_a_recognizer_that_cannot_load_still_answers_each_file_with_the_reason(cli: Callable, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path))  # no Vosk model here
    files = [str(AUDIO / "what-can-i-ask.joe.wav"), str(tmp_path / "missing.wav")]
    result = cli("ask", "--json", "--engine", "vosk", "--wav", *files)
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.status == 1 and [r["file"] for r in replies] == files
    assert all(r["kind"] == "not-covered" and "models download" in r["error"] for r in replies)
    assert len(result.stderr.splitlines()) == 1 and "models download" in result.stderr

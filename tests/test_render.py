"""Rendering answers and the whole article to files, through the CLI."""

import json
import wave
from pathlib import Path

import pytest

from voice.audio import Audio


def read_wav(path: Path) -> Audio:
    with wave.open(str(path)) as wav:
        return Audio(wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels())


@pytest.mark.parametrize(("voice", "at_least"), [("system", 3), ("piper", 5)])
def test_ask_out_writes_the_spoken_answer(cli, tmp_path: Path, transcribe, voice: str, at_least: int) -> None:
    out = tmp_path / "answer.wav"
    result = cli("ask", "how long will my back hurt?", "--out", str(out), "--voice", voice)
    assert result.status == 0, result.stderr
    audio = read_wav(out)
    assert 10 < audio.seconds < 60
    heard = set(transcribe(audio).split())
    expected = {"long", "backache", "epidural", "last", "temporary", "injection", "site", "few", "days", "weeks",
                "nerve", "sticks", "around"}
    assert len(heard & expected) >= at_least, heard


def test_read_out_writes_the_article_and_its_index(cli, tmp_path: Path, library, transcribe) -> None:
    out = tmp_path / "article.wav"
    result = cli("read", "--out", str(out))
    assert result.status == 0, result.stderr
    audio = read_wav(out)
    assert 5 * 60 < audio.seconds < 12 * 60
    index = json.loads(out.with_suffix(".json").read_text())
    assert [m["id"] for m in index] == [s.id for s in library.articles[0].sections]
    starts = [m["start"] for m in index]
    assert starts[0] == 0 and starts == sorted(starts) and starts[-1] < audio.seconds
    assert index[9]["title"] == "How long does backache after an epidural last?"
    start = int(index[6]["start"] * audio.rate_hz) * 2
    end = int(index[7]["start"] * audio.rate_hz) * 2
    heard = set(transcribe(Audio(audio.pcm[start:end], audio.rate_hz)).split())
    assert {"acetaminophen", "ibuprofen"} & heard, heard


def test_unwritable_out(cli, tmp_path: Path) -> None:
    missing = cli("ask", "can I do yoga", "--out", str(tmp_path / "no" / "such" / "folder.wav"))
    assert missing.status == 1 and "does not exist" in missing.stderr and missing.stderr.count("\n") == 1
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        denied = cli("ask", "can I do yoga", "--out", str(locked / "a.wav"))
    finally:
        locked.chmod(0o700)
    if denied.status == 0:  # root ignores the folder's permissions
        assert (locked / "a.wav").exists()
    else:
        assert "cannot write" in denied.stderr and not list(locked.iterdir())


def test_full_disk_leaves_nothing_half_written(cli, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "answer.wav"
    out.write_bytes(b"the user's earlier file")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("content.store.os.fsync", full_disk)
    result = cli("ask", "can I do yoga", "--out", str(out))
    assert result.status == 1 and "No space left on device" in result.stderr
    assert out.read_bytes() == b"the user's earlier file"
    assert [p.name for p in tmp_path.iterdir()] == ["answer.wav"]


def test_bad_voice_and_rate(cli, tmp_path: Path) -> None:
    bad = cli("ask", "x", "--voice", "robot", "--out", str(tmp_path / "a.wav"))
    assert bad.status == 2 and "unknown voice 'robot'" in bad.stderr
    rate = cli("read", "--out", str(tmp_path / "a.wav"), "--rate", "9")
    assert rate.status == 2 and "--rate 9 is out of range" in rate.stderr
    suffix = cli("read", "--out", str(tmp_path / "a.mp3"))
    assert suffix.status == 2 and "should end in .wav" in suffix.stderr

"""Rendering answers and the whole article to files, through the CLI."""

import json
import re
import wave
from pathlib import Path

import pytest
import yaml

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
    assert [m["title"] for m in index] == [s.heading for s in library.articles[0].sections]
    assert index[9]["title"] == "How long does backache after an epidural last?"
    start = int(index[6]["start"] * audio.rate_hz) * 2
    end = int(index[7]["start"] * audio.rate_hz) * 2
    heard = set(transcribe(Audio(audio.pcm[start:end], audio.rate_hz)).split())
    assert {"acetaminophen", "ibuprofen"} & heard, heard


SHORT = {"painkillers": {"acetaminophen", "ibuprofen", "medication", "medicines", "doctor", "cortisone", "pain"},
         "exercise": {"exercises", "core", "yoga", "pelvic", "abdomen", "strengthening", "impact"},
         "duration": {"temporary", "injection", "soreness", "days", "weeks", "nerve", "sticks"}}
"""A short article of three of the article's sections, and words of each that must be heard."""


@pytest.fixture(scope="module")
def short_article(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    from tests.conftest import ARTICLE

    data = yaml.safe_load(ARTICLE.read_text())
    data.pop("warnings", None)
    data["sections"] = [{k: v for k, v in s.items() if k != "parent"} for s in data["sections"] if s["id"] in SHORT]
    folder = tmp_path_factory.mktemp("short")
    (folder / "short.yaml").write_text(yaml.safe_dump(data))
    return folder


@pytest.mark.parametrize(("voice", "at_least"), [("system", 0), ("piper", 4)])
def test_read_out_a_short_article_with_each_voice(cli, tmp_path: Path, short_article: Path, library, transcribe,
                                                   voice: str, at_least: int) -> None:
    out = tmp_path / "short.wav"
    result = cli("read", "--out", str(out), "--voice", voice, articles_dir=short_article)
    assert result.status == 0, result.stderr
    audio = read_wav(out)
    index = json.loads(out.with_suffix(".json").read_text())
    assert [m["id"] for m in index] == list(SHORT)
    assert index[0]["title"] == "Pain killers and medicines"
    ends = [m["start"] for m in index[1:]] + [audio.seconds]
    article = library.articles[0]
    vocabulary = {s.id: words(" ".join((s.heading, *s.paragraphs))) for s in article.sections if s.id in SHORT}
    for mark, end in zip(index, ends):
        assert 8 < end - mark["start"] < 45
        piece = Audio(audio.pcm[int(mark["start"] * audio.rate_hz) * 2:int(end * audio.rate_hz) * 2], audio.rate_hz)
        heard = words(transcribe(piece))
        # what each stretch says is its own section (PocketSphinx follows espeak-ng's voice only roughly) ...
        overlaps = {section: len(heard & said) for section, said in vocabulary.items()}
        assert max(overlaps, key=overlaps.get) == mark["id"], (mark["id"], overlaps, heard)
        # ... and, in the natural voice, its key words are heard
        assert len(heard & SHORT[mark["id"]]) >= at_least, (mark["id"], heard)


def words(text: str) -> set[str]:
    """The longer words of a text: the ones that tell one section from another."""
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 3}


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
    volume = cli("ask", "x", "--out", str(tmp_path / "a.wav"), "--volume", "3")
    assert volume.status == 2 and "--volume 3 is out of range" in volume.stderr
    aloud = cli("read", "--voice", "robot")  # a usage error before any speaker or voice is looked for
    assert aloud.status == 2 and "choose one of: system, piper" in aloud.stderr
    assert not list(tmp_path.iterdir())

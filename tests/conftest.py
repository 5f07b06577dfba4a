"""Shared fixtures. The only fake here is the Environment's streams, so the CLI runs in-process."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from content.loader import Library, load_library
from run import Environment, main

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "back-pain-after-epidural.txt"
ARTICLE = ROOT / "content" / "articles" / "back-pain-after-epidural.yaml"


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's settings or bookmark, or leaves files in their home."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def library() -> Library:
    library = load_library()
    assert not library.errors
    return library


class Result:
    def __init__(self, status: int, stdout: str, stderr: str) -> None:
        self.status, self.stdout, self.stderr = status, stdout, stderr


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Result]:
    """Run ``run.py`` in-process: cli("ask", "--json", "q", stdin=b"...", articles_dir=path)."""

    def run(*argv: str, stdin: bytes = b"", articles_dir: Path | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        env = Environment(stdin=io.BytesIO(stdin), stdout=out, stderr=err)
        if articles_dir is not None:
            env.articles_dir = articles_dir
        status = main(list(argv), env)
        return Result(status, out.getvalue(), err.getvalue())

    return run


@pytest.fixture(scope="session")
def transcribe(library, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Transcribe Audio with PocketSphinx and a trigram model of the article's sentences (a test-only helper)."""
    import re
    import subprocess
    import sys

    import numpy as np
    import soxr
    from pocketsphinx import Decoder

    from content.speech import sentences

    folder = tmp_path_factory.mktemp("lm")
    lines = []
    for article in library.articles:
        for section in article.sections:
            for text in (section.heading, *section.paragraphs, *section.questions):
                lines += [" ".join(re.sub(r"[^a-z' ]", " ", s.lower()).split()) for s in sentences(text)]
    (folder / "corpus.txt").write_text("\n".join(lines))
    subprocess.run([sys.executable, "-m", "pocketsphinx.lm", "-s", str(folder / "corpus.txt"), "-a", "-o",
                    str(folder / "domain.arpa")], check=True, capture_output=True)
    decoder = Decoder(lm=str(folder / "domain.arpa"))

    def run(audio) -> str:  # type: ignore[no-untyped-def]
        samples = np.frombuffer(audio.pcm, dtype=np.int16)
        if audio.channels > 1:
            samples = samples.reshape(-1, audio.channels).mean(axis=1)
        pcm = soxr.resample(samples.astype(np.float32), audio.rate_hz, 16000).clip(-32768, 32767).astype(np.int16)
        decoder.start_utt()
        decoder.process_raw(pcm.tobytes(), full_utt=True)
        decoder.end_utt()
        return decoder.hyp().hypstr if decoder.hyp() else ""

    return run

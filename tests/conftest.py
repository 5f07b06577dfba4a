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

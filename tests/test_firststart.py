"""The first start says once that this is general information from an article, not medical advice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from voice.firststart import DISCLAIMER, disclaimer_due, remember_disclaimer, state_path


def test_chat_says_it_once_then_answers(cli: Callable) -> None:
    first = cli("chat", stdin=b"how long will my back hurt\nbye\n")
    assert first.status == 0 and first.stderr == ""
    lines = first.stdout.splitlines()
    assert lines[0] == DISCLAIMER and "not medical advice" in DISCLAIMER
    assert any(line.startswith("How long does backache") for line in lines)
    again = cli("chat", stdin=b"bye\n")
    assert DISCLAIMER not in again.stdout


def test_a_corrupt_record_means_it_is_said_again(tmp_path: Path) -> None:
    path = tmp_path / "first-start.json"
    for text in ("{not json", "[1, 2]", ""):
        path.write_text(text)
        assert disclaimer_due(path)
    assert remember_disclaimer(path) and not disclaimer_due(path)


def test_an_unwritable_data_folder_still_chats(cli: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))  # a file where the folder should be: nothing can be saved
    result = cli("chat", stdin=b"bye\n")
    assert result.status == 0 and DISCLAIMER in result.stdout
    assert disclaimer_due(state_path())

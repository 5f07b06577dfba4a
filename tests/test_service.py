"""The systemd user service: written where systemd looks, runs hands-free mode from this checkout, local sockets only."""

from __future__ import annotations

import configparser
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT
from voice.service import NAME, unit, unit_path


def parse(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_the_unit_runs_listen_from_this_checkout_and_restarts_on_failure() -> None:
    text = parse(unit(python="/venv/bin/python", root=Path("/home/p/guide")))
    assert text["Service"]["ExecStart"] == "/venv/bin/python /home/p/guide/run.py listen"
    assert text["Service"]["Restart"] == "on-failure"
    assert text["Service"]["RestrictAddressFamilies"] == "AF_UNIX"
    assert text["Install"]["WantedBy"] == "default.target"
    assert text["Unit"]["StartLimitIntervalSec"] == "0"


def test_install_writes_it_says_what_to_run_and_remove_deletes_it(cli: Callable, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no systemctl: the commands are printed instead
    path = unit_path()
    result = cli("service", "install")
    assert result.status == 0, result.stderr
    assert path.read_text() == unit()
    assert f"wrote {path}" in result.stdout
    assert f"systemctl --user enable --now {NAME}" in result.stdout and "loginctl enable-linger" in result.stdout
    assert cli("service", "install").status == 0 and path.read_text() == unit()  # again: the same file
    result = cli("service", "remove")
    assert result.status == 0 and not path.exists() and f"removed {path}" in result.stdout
    assert "no service installed" in cli("service", "remove").stdout


def test_an_unwritable_folder_is_one_line(cli: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))  # a file where the folder should be
    result = cli("service", "install")
    assert result.status == 1 and result.stderr.count("\n") == 1 and "cannot write" in result.stderr
    assert str(ROOT) not in result.stdout

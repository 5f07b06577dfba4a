"""The settings file: documented on first run, layered under the command line, bad values named by file and line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from run import _parse, build_parser
from voice.config import SETTINGS, config_path, ensure_file, load, option_defaults, template


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_path_follows_xdg() -> None:
    assert config_path({"XDG_CONFIG_HOME": "/x"}) == Path("/x/epidural-voice-guide/config.yaml")
    assert config_path({"HOME": "/home/p"}) == Path("/home/p/.config/epidural-voice-guide/config.yaml")


def test_the_first_run_writes_a_documented_file_that_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.yaml"
    assert ensure_file(path)
    text = path.read_text()
    for setting in SETTINGS:
        assert f"# {setting.name}: " in text and f"# {setting.help}" in text
    values, problems = load(path)
    assert not problems and all(v.source == "default" for v in values.values())
    assert not ensure_file(path)  # an existing file is never rewritten


def test_every_line_of_the_template_uncommented_is_valid_and_the_default(tmp_path: Path) -> None:
    lines = [line[2:] for line in template().splitlines()
             if line.startswith("# ") and ":" in line and line[2:].split(":")[0] in {s.name for s in SETTINGS}]
    values, problems = load(write(tmp_path, "\n".join(lines) + "\n"))
    assert not problems, problems
    assert {name: v.value for name, v in values.items()} == {s.name: s.default if s.name != "rate" else 1.0
                                                            for s in SETTINGS}


def test_values_are_read_with_where_they_came_from(tmp_path: Path) -> None:
    values, problems = load(write(tmp_path, "voice: piper\n\nrate: 0.8\nwake: false\noutput_device: 3\n"))
    assert not problems
    assert (values["voice"].value, values["voice"].source) == ("piper", "config.yaml:1")
    assert (values["rate"].value, values["rate"].source) == (0.8, "config.yaml:3")
    assert values["volume"].source == "default"
    assert option_defaults(values) == {"voice": "piper", "rate": 0.8, "no_wake": True, "output_device": 3}


@pytest.mark.parametrize(("text", "expected"), [
    ("rate: 7\n", "config.yaml:1: rate: '7' is not allowed; give a number from 0.5 to 2, or null"),
    ("voice: robot\n", "config.yaml:1: voice: 'robot' is not allowed; give one of: system, piper"),
    ("\nwake: sometimes\n", "config.yaml:2: wake: 'sometimes' is not allowed; give true or false"),
    ("volume: loud\n", "config.yaml:1: volume: 'loud' is not allowed; give a number from 0 to 1"),
    ("voise: piper\n", "config.yaml:1: unknown setting 'voise'; did you mean 'voice'?"),
    ("voice: [piper\n", "config.yaml:2: not valid YAML"),
    ("- voice\n", "config.yaml:1: the file should hold lines of 'name: value'"),
    ("input_device: -1\n", "config.yaml:1: input_device: '-1' is not allowed; give null"),
])
def test_a_bad_value_is_one_line_with_file_line_and_what_is_allowed(tmp_path: Path, text: str,
                                                                     expected: str) -> None:
    values, problems = load(write(tmp_path, text))
    assert len(problems) == 1
    message = str(problems[0])
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "config.yaml")[:-len("config.yaml")] + expected.split(":", 1)[0])
    assert expected in message, message
    assert all(v.source == "default" for v in values.values())


def test_one_bad_value_leaves_the_others_in_force(tmp_path: Path) -> None:
    values, problems = load(write(tmp_path, "voice: piper\nrate: fast\nvolume: 0.5\n"))
    assert len(problems) == 1 and "config.yaml:2" in str(problems[0])
    assert (values["voice"].value, values["rate"].value, values["volume"].value) == ("piper", None, 0.5)


def test_unreadable_bytes_are_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"voice: \xff\xfe\n")
    values, problems = load(path)
    assert len(problems) == 1 and "cannot be read" in str(problems[0])
    assert values["voice"].value == "system"


def test_the_command_line_wins_over_the_file_and_the_file_over_the_defaults(tmp_path: Path) -> None:
    values, _ = load(write(tmp_path, "voice: piper\nvolume: 0.5\n"))
    defaults = option_defaults(values)
    args = _parse(["ask", "how long"], defaults)
    assert (args.voice, args.volume) == ("piper", 0.5)
    args = _parse(["ask", "how long", "--voice", "system"], defaults)
    assert (args.voice, args.volume) == ("system", 0.5)
    assert _parse(["ask", "how long"], {}).voice == "system"


def test_every_setting_is_an_option_of_some_command() -> None:
    parser = build_parser()
    dests = {action.dest for group in parser._actions if isinstance(group, argparse._SubParsersAction)
             for command in group.choices.values() for action in command._actions}
    assert {s.dest for s in SETTINGS} <= dests


def test_run_config_shows_the_settings_and_their_sources(cli: Callable, tmp_path: Path) -> None:
    path = write(tmp_path, "voice: piper\nrate: 9\n")
    result = cli("--config", str(path), "config")
    assert result.status == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"settings file: {path}"
    assert any(line.split()[:3] == ["voice", "piper", "config.yaml:1"] for line in lines)
    assert any(line.split()[:3] == ["rate", "null", "default"] for line in lines)
    assert result.stderr.count("\n") == 1 and "config.yaml:2: rate" in result.stderr


def test_a_broken_file_does_not_stop_a_question_being_answered(cli: Callable, tmp_path: Path) -> None:
    path = write(tmp_path, "voice: [piper\n")
    result = cli("--config", str(path), "ask", "how long will my back hurt")
    assert result.status == 0 and result.stdout.startswith("How long does backache")
    assert result.stderr.count("\n") == 1 and "not valid YAML" in result.stderr
    assert path.read_text() == "voice: [piper\n"  # the user's file is never rewritten


def test_the_default_file_is_made_on_first_run(cli: Callable) -> None:
    path = config_path()
    assert not path.exists()
    assert cli("sections").status == 0
    assert yaml.safe_load(path.read_text()) is None  # all comments: every default applies

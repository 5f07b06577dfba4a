"""`run.py doctor` through the real engines and the real audio stack: what is wrong, and the command that fixes it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, ROOT
from tests.test_playback import no_sound_server, pulse  # noqa: F401  (pulse is a fixture)


def doctor(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "run.py", *argv, "doctor"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def findings(output: str) -> dict[str, str]:
    """{name: status} of the doctor's report (the last finding of a name wins)."""
    return {m.group(2): m.group(1) for m in re.finditer(r"^(ok|note|FAIL)\s+([^:]+):", output, re.MULTILINE)}


def test_without_devices_and_with_a_broken_article_it_says_what_to_do(tmp_path: Path) -> None:
    env = {**no_sound_server(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    content = tmp_path / "articles"
    content.mkdir()
    shutil.copy(ARTICLE, content)
    (content / "broken.yaml").write_text("id: broken\ntitle: [oops\n")
    result = doctor(env, "--content", str(content))
    assert result.returncode == 1 and result.stderr == ""
    found = findings(result.stdout)
    assert found["speaker"] == found["microphone"] == "FAIL", result.stdout
    assert found["voice system"] == found["recognizer"] == "ok", result.stdout
    assert re.search(r"^FAIL\s+content: .*broken\.yaml:3", result.stdout, re.MULTILINE), result.stdout
    assert "fix: plug in a speaker" in result.stdout and "python run.py devices" in result.stdout
    assert result.stdout.rstrip().endswith("problem(s) found")


@pytest.mark.skipif(shutil.which("pulseaudio") is None, reason="PulseAudio is not installed")
def test_with_a_speaker_and_a_microphone_all_is_well(pulse: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    env = {**pulse, "PULSE_SOURCE": "speaker.monitor", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = doctor(env)
    assert result.returncode == 0, result.stdout + result.stderr
    found = findings(result.stdout)
    assert found["speaker"] == found["microphone"] == found["content"] == "ok", result.stdout
    assert "FAIL" not in result.stdout and result.stdout.rstrip().endswith("all good")


def test_a_bad_setting_is_a_problem_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("voice: piper\nvolume: 11\n")
    result = doctor({**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}, "--config", str(config))
    assert result.returncode == 1 and result.stderr == ""
    assert re.search(r"^FAIL\s+settings: .*config\.yaml:2: volume", result.stdout, re.MULTILINE), result.stdout

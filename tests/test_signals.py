"""SIGTERM (systemd stopping the service) and Ctrl-C at any moment: a clean exit, nothing half-written."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_playback import pulse, wait_for  # noqa: F401  (pulse is a fixture)

needs_pulse = pytest.mark.skipif(shutil.which("pulseaudio") is None, reason="PulseAudio is not installed")


@needs_pulse
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_reading_aloud_stops_cleanly_and_keeps_its_place(pulse: dict[str, str], tmp_path: Path,  # noqa: F811
                                                         signal_number: int) -> None:
    bookmark = tmp_path / "data" / "epidural-voice-guide" / "bookmark.json"
    reader = subprocess.Popen([sys.executable, "run.py", "read", "--output-device", "pulse"], env=pulse, cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def reading_sentence(n: int) -> bool:
        try:
            return json.loads(bookmark.read_text())["sentence"] >= n
        except (OSError, ValueError, KeyError):
            return False

    assert wait_for(lambda: reading_sentence(2), 60)
    reader.send_signal(signal_number)
    out, err = reader.communicate(timeout=10)
    assert reader.returncode == 130, err
    assert "Traceback" not in err
    saved = json.loads(bookmark.read_text())  # whole, and where it was
    assert saved["section"] == "overview" and saved["sentence"] >= 2
    assert not list(bookmark.parent.glob("*.part"))


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_rendering_stopped_midway_leaves_no_file(tmp_path: Path, signal_number: int) -> None:
    out = tmp_path / "article.wav"
    renderer = subprocess.Popen([sys.executable, "run.py", "read", "--voice", "piper", "--out", str(out)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        renderer.wait(timeout=4)  # well into the rendering (Piper needs about a minute for the article)
    except subprocess.TimeoutExpired:
        pass
    assert renderer.returncode is None, "the rendering ended before it could be interrupted"
    renderer.send_signal(signal_number)
    _, err = renderer.communicate(timeout=10)
    assert renderer.returncode == 130 and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []

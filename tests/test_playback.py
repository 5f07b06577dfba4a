"""Speaking through the real audio stack: PortAudio → PulseAudio null sink → its monitor, transcribed back.

Each test starts its own PulseAudio daemon (PRODUCT.md's recipe) and runs the program in a child process, so
PortAudio sees the daemon's devices. Skipped where PulseAudio is not installed (./assistant test installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from voice.audio import Audio

pytestmark = pytest.mark.skipif(shutil.which("pulseaudio") is None or shutil.which("parec") is None,
                                reason="PulseAudio is not installed")


def wait_for(predicate, timeout_s: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[dict[str, str]]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "XDG_DATA_HOME": str(tmp_path / "data"),
           "PULSE_SINK": "speaker", "HOME": str(tmp_path)}
    subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--disallow-exit",
                    "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=speaker"],
                   env=env, check=True, capture_output=True)
    assert wait_for(lambda: subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0, 10)
    yield env
    subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)


def record(env: dict[str, str], path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["parec", "-d", "speaker.monitor", "--rate=16000", "--channels=1", "--format=s16le",
                             "--file-format=wav", str(path)], env=env)


def read_wav(path: Path) -> Audio:
    with wave.open(str(path)) as wav:
        return Audio(wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels())


def test_player_speaks_through_the_speaker(pulse: dict[str, str], tmp_path: Path, transcribe) -> None:
    capture = tmp_path / "heard.wav"
    recorder = record(pulse, capture)
    script = (
        "from content.speech import answer_script\n"
        "from voice.playback import Player\n"
        "from voice.tts import load_voice\n"
        "with load_voice('piper') as voice:\n"
        "    done = Player(voice, 'pulse').speak(answer_script("
        "'Core exercises are a good idea for strengthening your pelvic area and abdomen. Yoga could help too.'))\n"
        "print(done)\n")
    result = subprocess.run([sys.executable, "-c", script], env=pulse, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    recorder.terminate()
    recorder.wait()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2"
    heard = set(transcribe(read_wav(capture)).split())
    assert {"core", "exercises", "strengthening", "yoga"} <= heard, heard


def test_read_aloud_with_keys(pulse: dict[str, str], tmp_path: Path, transcribe) -> None:
    capture = tmp_path / "heard.wav"
    bookmark = tmp_path / "data" / "epidural-voice-guide" / "bookmark.json"
    recorder = record(pulse, capture)
    reader = subprocess.Popen([sys.executable, "run.py", "read", "--voice", "piper", "--output-device", "pulse"],
                              env=pulse, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    def at(section: str, sentence: int = 0) -> bool:
        try:
            data = json.loads(bookmark.read_text())
        except (OSError, ValueError):
            return False
        return data["section"] == section and data["sentence"] >= sentence

    assert wait_for(lambda: at("overview", 3), 60)
    reader.stdin.write("next\n")  # type: ignore[union-attr]
    reader.stdin.flush()  # type: ignore[union-attr]
    assert wait_for(lambda: at("can-epidural-cause-back-pain", 3), 60)
    out, err = reader.communicate("q\n", timeout=30)
    recorder.terminate()
    recorder.wait()
    assert reader.returncode == 0, err
    assert "keys: space pause/resume" in out
    saved = json.loads(bookmark.read_text())
    assert saved["section"] == "can-epidural-cause-back-pain"
    heard = transcribe(read_wav(capture))
    assert "can you get back pain from an epidural" in heard, heard

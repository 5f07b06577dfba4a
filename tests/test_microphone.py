"""The microphone through the real audio stack: a WAV played into a null sink "mic", recorded from its monitor.

Each test starts its own PulseAudio daemon with two null sinks, "mic" (what the user says goes in here; the program
records ``mic.monitor``) and "speaker" (what the program says; tests record ``speaker.monitor``), and runs the
program in a child process so PortAudio sees that daemon. ``pulse_pair`` is shared with tests/test_live.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_playback import read_wav, wait_for

AUDIO = ROOT / "tests" / "data" / "audio"
needs_pulse = pytest.mark.skipif(shutil.which("pulseaudio") is None or shutil.which("parec") is None,
                                 reason="PulseAudio is not installed")


@pytest.fixture
def pulse_pair(tmp_path: Path) -> Iterator[dict[str, str]]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "XDG_DATA_HOME": str(tmp_path / "data"),
           "HOME": str(tmp_path), "PULSE_SINK": "speaker", "PULSE_SOURCE": "mic.monitor"}
    subprocess.run(["pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "-n", "--disallow-exit",
                    "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=mic",
                    "--load=module-null-sink sink_name=speaker"], env=env, check=True, capture_output=True)
    assert wait_for(lambda: subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0, 10)
    first_start = tmp_path / "data" / "epidural-voice-guide" / "first-start.json"
    first_start.parent.mkdir(parents=True)
    first_start.write_text('{"disclaimer_given": true}\n')  # the spoken disclaimer is tested on its own
    yield env
    subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)


RECORD = """
import sys
from voice.audio import Audio
from voice.microphone import Microphone, MicrophoneError
seconds = float(sys.argv[1])
try:
    with Microphone(sys.argv[2] if len(sys.argv) > 2 else None) as mic:
        heard = Audio(b"")
        print("open", mic.rate_hz, mic.channels, flush=True)
        while heard.seconds < seconds:
            chunk = mic.read(0.5)
            if chunk is not None:
                if not heard.pcm:
                    print("recording", flush=True)
                heard = heard + chunk
except MicrophoneError as error:
    print("error:", error, flush=True)
    sys.exit(1)
sys.stdout.buffer.write(heard.to_wav())
"""


@needs_pulse
def test_records_what_is_played_into_the_microphone(pulse_pair: dict[str, str], transcribe) -> None:
    child = subprocess.Popen([sys.executable, "-c", RECORD, "4", "pulse"], env=pulse_pair, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    assert child.stdout.readline().split()[0] == b"open"
    assert child.stdout.readline() == b"recording\n"
    subprocess.run(["paplay", "-d", "mic", str(AUDIO / "how-long-will-my-back-hurt.joe.wav")], env=pulse_pair,
                   check=True, timeout=30)
    wav, _ = child.communicate(timeout=30)
    assert child.returncode == 0
    path = Path(pulse_pair["HOME"]) / "heard.wav"
    path.write_bytes(wav)
    audio = read_wav(path)
    assert (audio.rate_hz, audio.channels) == (16000, 1)
    assert "how long will my back hurt" in transcribe(audio)


@needs_pulse
def test_a_vanishing_microphone_is_an_error_not_a_hang(pulse_pair: dict[str, str]) -> None:
    child = subprocess.Popen([sys.executable, "-c", RECORD, "600", "pulse"], env=pulse_pair, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().startswith("open")
    assert child.stdout.readline() == "recording\n"
    subprocess.run(["pulseaudio", "--kill"], env=pulse_pair, capture_output=True)
    out, _ = child.communicate(timeout=30)  # a guard against a hang, not a timing
    assert child.returncode == 1
    assert out.startswith("error: the microphone stopped sending sound; check that it is plugged in"), out


def test_no_microphone_is_one_clear_error(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULSE")}
    env.update(XDG_RUNTIME_DIR=str(runtime), HOME=str(tmp_path), PULSE_SERVER="unix:" + str(runtime / "no-server"))
    named = subprocess.run([sys.executable, "-c", RECORD, "1", "no-such-microphone"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert named.returncode == 1
    assert named.stdout == ("error: no microphone's name contains 'no-such-microphone'; "
                            "see: python run.py devices\n")
    default = subprocess.run([sys.executable, "-c", RECORD, "1"], env=env, cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    if default.returncode == 0:
        pytest.skip("this machine has a microphone")
    assert default.stdout == ("error: no microphone found; plug one in, or choose one with --input-device "
                              "(see: python run.py devices)\n")

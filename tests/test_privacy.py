"""Privacy: nothing leaves the machine. Every socket a whole run opens, in any thread or child process and from any
library (C ones included), is seen with strace; none may be a network socket (AF_INET or AF_INET6). Local sockets
(AF_UNIX: the PulseAudio server, the system voice's pipes) are allowed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

AUDIO = ROOT / "tests" / "data" / "audio"
pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")


def sockets(argv: list[str], tmp_path: Path, stdin: str = "") -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``run.py ARGV`` under strace; its result and every socket() call it and its children made."""
    trace = tmp_path / "trace.txt"
    result = subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket", "-o", str(trace), sys.executable,
                             "run.py", *argv], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=300)
    calls = [line for line in trace.read_text().splitlines() if "socket(" in line]
    return result, calls


def network(calls: list[str]) -> list[str]:
    return [call for call in calls if re.search(r"socket\(AF_INET6?\b", call)]


def test_the_check_itself_sees_a_network_socket(tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket", "-o", str(trace), sys.executable, "-c",
                    "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()"], check=True)
    assert network(trace.read_text().splitlines())


def test_answering_spoken_questions_opens_no_network_socket(tmp_path: Path) -> None:
    files = [str(AUDIO / "how-long-will-my-back-hurt.joe.wav"), str(AUDIO / "what-can-i-ask.joe.wav")]
    result, calls = sockets(["ask", "--json", "--wav", *files], tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert network(calls) == [], calls


def test_speaking_with_both_voices_opens_no_network_socket(tmp_path: Path) -> None:
    for voice in ("system", "piper"):
        out = tmp_path / f"{voice}.wav"
        result, calls = sockets(["ask", "can I take ibuprofen", "--voice", voice, "--out", str(out)], tmp_path)
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 10000
        assert network(calls) == [], calls

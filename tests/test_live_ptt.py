"""Push-to-talk, and reading under voice control (wake phrase and key), end to end through the real audio stack.

A private PulseAudio daemon with null sinks "mic" and "speaker" (``pulse_pair``); the program runs as a child that
records ``mic.monitor`` and speaks into "speaker"; its keys come from a pseudo-terminal with a held space bar's
auto-repeat (``Keyboard``), or as scripted lines on standard input (``down``, ``up``); the tests play spoken WAVs
(tests/data/audio, tests/data/live) into "mic" with ``paplay``, record ``speaker.monitor`` with ``parec`` and
transcribe what the assistant said. The waits are for lines on the child's output or for the bookmark; nothing is
timed (only the simulated key repeats are paced, as a keyboard's are).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import ROOT
from tests.test_microphone import needs_pulse, pulse_pair  # noqa: F401 (a fixture)
from tests.test_playback import read_wav, record, wait_for

AUDIO = ROOT / "tests" / "data" / "audio"
LIVE = ROOT / "tests" / "data" / "live"


class Program:
    """``run.py ARGS`` as a child process: keys in through a pipe, its output in a file."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.out = Path(env["HOME"]) / "program.out"
        self.err = Path(env["HOME"]) / "program.err"
        self.process = subprocess.Popen([sys.executable, "run.py", *args], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=self.out.open("w"), stderr=self.err.open("w"), text=True)

    def lines(self) -> list[str]:
        return self.out.read_text().splitlines()

    def wait_line(self, start: str, count: int = 1, timeout_s: float = 60) -> None:
        """Until ``count`` lines start with ``start``."""
        assert wait_for(lambda: sum(line.startswith(start) for line in self.lines()) >= count
                        or self.process.poll() is not None, timeout_s), (start, self.lines())
        assert self.process.poll() is None, self.err.read_text()

    def key(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def play(self, name: str, folder: Path = AUDIO) -> None:
        """Say it into the microphone."""
        subprocess.run(["paplay", "-d", "mic", str(folder / name)], env=self.env, check=True, timeout=30)

    def say(self, name: str) -> None:
        """Hold the key, say it into the microphone, let go."""
        listening = sum(line.startswith("● listening") for line in self.lines())
        self.key("down")
        self.wait_line("● listening", listening + 1)
        self.play(name)
        self.key("up")

    def quit(self) -> int:
        self.key("q")
        return self.process.wait(timeout=30)


class Keyboard:
    """A terminal (a pty) on the program's standard input, and a space bar held down: one character at once, then,
    after the auto-repeat delay, one every repeat interval until it is let go (X11's defaults: 660 ms, 25 a second)."""

    def __init__(self, delay_s: float = 0.66, interval_s: float = 0.04) -> None:
        import pty

        self.master, self.slave = pty.openpty()
        self.delay_s, self.interval_s = delay_s, interval_s
        self._up = threading.Event()
        self._repeater: threading.Thread | None = None

    def hold_space(self) -> None:
        os.write(self.master, b" ")
        self._up.clear()
        self._repeater = threading.Thread(target=self._repeat)
        self._repeater.start()

    def _repeat(self) -> None:
        if self._up.wait(self.delay_s):
            return
        while not self._up.wait(self.interval_s):
            os.write(self.master, b" ")

    def let_go(self) -> None:
        self._up.set()
        if self._repeater is not None:
            self._repeater.join()

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        self.let_go()
        os.close(self.master)


@needs_pulse
def test_holding_space_in_a_terminal(pulse_pair: dict[str, str], tmp_path: Path,  # noqa: F811
                                     transcribe) -> None:
    """The terminal path: cbreak mode, the held key read from its auto-repeat, released when the repeats stop."""
    keyboard = Keyboard()
    capture = tmp_path / "speaker.wav"
    recorder = record(pulse_pair, capture)
    out, err = tmp_path / "ptt.out", tmp_path / "ptt.err"
    process = subprocess.Popen([sys.executable, "run.py", "ptt", "--input-device", "pulse", "--output-device", "pulse",
                                "--voice", "piper"], env=pulse_pair, cwd=ROOT, stdin=keyboard.slave,
                               stdout=out.open("w"), stderr=err.open("w"))
    os.close(keyboard.slave)

    def wait_line(start: str, count: int = 1) -> None:
        assert wait_for(lambda: sum(line.startswith(start) for line in out.read_text().splitlines()) >= count
                        or process.poll() is not None, 60), (start, out.read_text(), err.read_text())
        assert process.poll() is None, err.read_text()

    try:
        wait_line("Push to talk:")
        keyboard.hold_space()
        wait_line("● listening")
        subprocess.run(["paplay", "-d", "mic", str(AUDIO / "how-long-will-my-back-hurt.joe.wav")], env=pulse_pair,
                       check=True, timeout=30)
        keyboard.let_go()
        wait_line('heard: "how long will my back hurt"')
        wait_line("saying: ", 2)
        keyboard.type("q")
        status = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        keyboard.close()
        recorder.terminate()
        recorder.wait()
    assert status == 0, err.read_text()
    assert "saying: How long does backache after an epidural last?" in out.read_text().splitlines()
    heard = set(transcribe(read_wav(capture)).split())
    assert {"backache", "last"} <= heard, heard  # the duration section's heading, said by the assistant


@needs_pulse
def test_read_navigated_by_voice_and_a_question_answered(pulse_pair: dict[str, str], tmp_path: Path,  # noqa: F811
                                                         transcribe) -> None:
    bookmark = tmp_path / "data" / "epidural-voice-guide" / "bookmark.json"

    def at(section: str, sentence: int = 0) -> bool:
        try:
            data = json.loads(bookmark.read_text())
        except (OSError, ValueError):
            return False
        return data["section"] == section and data["sentence"] >= sentence

    capture = tmp_path / "speaker.wav"
    recorder = record(pulse_pair, capture)
    program = Program(pulse_pair, "read", "--listen", "--wake-phrase", "hey jarvis", "--input-device", "pulse",
                      "--output-device", "pulse", "--voice", "piper", "--rate", "1.3")
    try:
        program.wait_line("Back Pain After Epidural")  # the first heading is being read
        # the wake phrase, then the command, as a hands-free parent would
        program.play("hey-jarvis.festival-slt.wav", LIVE)
        program.wait_line("● listening… (ask now)")
        program.play("next.joe.wav", LIVE)
        program.wait_line("note: command: next")
        program.wait_line("Next: Can you get back pain from an epidural?")
        assert wait_for(lambda: at("can-epidural-cause-back-pain", 3), 60)  # read on to its third sentence
        interrupted = json.loads(bookmark.read_text())["sentence"]
        # a question in the middle of the reading: answered, then the reading goes on where it was
        program.say("what-is-the-weather-like-tomorrow.joe.wav")
        program.wait_line("saying: Sorry, the article doesn't cover that.")
        answered = bookmark.stat().st_mtime_ns  # nothing saves the bookmark while the answer is said...
        assert wait_for(lambda: bookmark.stat().st_mtime_ns != answered, 60)  # ...until the reading resumes
        resumed = json.loads(bookmark.read_text())
        status = program.quit()
    finally:
        if program.process.poll() is None:
            program.process.kill()
        recorder.terminate()
        recorder.wait()
    assert status == 0, program.err.read_text()
    # at the start of the sentence the question interrupted (it may have moved on to the next one just before)
    assert resumed["section"] == "can-epidural-cause-back-pain"
    assert interrupted <= resumed["sentence"] <= interrupted + 1
    heard = transcribe(read_wav(capture))
    assert "back pain from an epidural" in heard, heard  # the heading read after "next"

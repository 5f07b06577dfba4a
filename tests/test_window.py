"""The push-to-talk window under Xvfb: the button and the space key press and release, the labels follow the states.

Skipped where Xvfb or Tk is missing (./assistant test installs xvfb). Without a display, `ptt --window` says so in one
line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

needs_xvfb = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as numbers:
        number = numbers.readline().strip()  # Xvfb writes the display's number once it accepts clients
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def window(display: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    tkinter = pytest.importorskip("tkinter")
    monkeypatch.setenv("DISPLAY", display)
    from voice.window import TalkWindow, open_root

    root = open_root()
    events: list[str] = []
    talk = TalkWindow(root, lambda: events.append("press"), lambda: events.append("release"),
                      lambda: events.append("quit"))
    talk.apply("state", "idle")
    root.update()
    yield talk, events
    try:
        root.destroy()
    except tkinter.TclError:
        pass


def settle(window, ms: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Let Tk handle what is queued, and its timers up to ``ms`` from now."""
    done = []
    window.root.after(ms, lambda: done.append(True))
    while not done:
        window.root.update()
        window.root.after(5)  # block 5 ms in Tk, so timers come due without spinning


@needs_xvfb
def test_the_button_presses_and_releases(window) -> None:  # type: ignore[no-untyped-def]
    talk, events = window
    talk.button.event_generate("<ButtonPress-1>", x=10, y=10)
    settle(talk)
    assert events == ["press"] and talk.down
    assert str(talk.button.cget("relief")) == "sunken"
    talk.button.event_generate("<ButtonRelease-1>", x=10, y=10)
    settle(talk)
    assert events == ["press", "release"] and not talk.down


@needs_xvfb
def test_the_space_key_with_auto_repeat(window) -> None:  # type: ignore[no-untyped-def]
    from voice.window import RELEASE_DEBOUNCE_MS

    talk, events = window
    talk.root.focus_force()
    settle(talk)
    talk.root.event_generate("<KeyPress-space>", when="tail")
    # X's auto-repeat: release and press together, several times; the key stays down
    for _ in range(5):
        talk.root.event_generate("<KeyRelease-space>", when="tail")
        talk.root.event_generate("<KeyPress-space>", when="tail")
        settle(talk, 20)
    assert events == ["press"]
    talk.root.event_generate("<KeyRelease-space>", when="tail")
    settle(talk, RELEASE_DEBOUNCE_MS + 50)
    assert events == ["press", "release"]


@needs_xvfb
def test_the_labels_follow_what_is_shown(window) -> None:  # type: ignore[no-untyped-def]
    from voice.window import COLOURS, POLL_MS

    talk, _ = window
    assert talk.button.cget("text") == "Hold to talk"
    shown = [("state", "listening"), ("state", "answering"), ("heard", "can i take ibuprofen"),
             ("saying", "Pain killers and medicines.")]
    thread = threading.Thread(target=lambda: [talk.show(*change) for change in shown])  # as the audio thread does
    thread.start()
    thread.join()
    settle(talk, POLL_MS * 2)
    assert talk.button.cget("text") == COLOURS["answering"][1]
    assert talk.button.cget("background") == COLOURS["answering"][0]
    assert talk.heard.cget("text") == "You asked: “can i take ibuprofen”"
    assert talk.saying.cget("text") == "Pain killers and medicines."
    talk.show("state", "idle")
    settle(talk, POLL_MS * 2)
    assert talk.button.cget("text") == "Hold to talk"


@needs_xvfb
def test_nothing_is_pressed_while_loading(window) -> None:  # type: ignore[no-untyped-def]
    talk, events = window
    talk.apply("state", "loading")
    talk.button.event_generate("<ButtonPress-1>", x=10, y=10)
    settle(talk)
    assert events == []


@needs_xvfb
def test_the_window_drives_push_to_talk(window, library) -> None:  # type: ignore[no-untyped-def]
    """The window's button wired to the real listening loop and recognizer (a WAV file stands in for the mic)."""
    from tests.test_ptt import AUDIO, Answers, WavMicrophone
    from voice.audio import silence
    from voice.ptt import PushToTalk
    from voice.stt import load_transcriber
    from voice.wav import read_wav
    from voice.window import POLL_MS

    talk, _ = window
    mic = WavMicrophone(read_wav(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav") + silence(0.3))
    answers = Answers()
    transcriber = load_transcriber("pocketsphinx", library)
    loop = PushToTalk(lambda: mic, transcriber, answers, lambda name: None, talk.show)
    talk._press, talk._release = loop.press, loop.release
    worker = threading.Thread(target=loop.run)
    worker.start()
    try:
        talk.button.event_generate("<ButtonPress-1>", x=10, y=10)
        settle(talk)
        loop.settle()
        settle(talk, POLL_MS * 2)
        assert talk.state == "listening"
        while not mic.done:
            settle(talk, 10)
        talk.button.event_generate("<ButtonRelease-1>", x=10, y=10)
        settle(talk)
        loop.settle()
        settle(talk, POLL_MS * 2)
    finally:
        loop.stop()
        worker.join()
        transcriber.close()
    assert answers.heard == ["can i take ibuprofen for the pain"]
    assert talk.heard.cget("text") == "You asked: “can i take ibuprofen for the pain”"
    assert talk.state == "idle"


def test_no_display_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "run.py", "ptt", "--window"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr == ("run.py: there is no desktop display to open the window on (DISPLAY is not set); use "
                             "push-to-talk in the terminal instead: python run.py ptt\n")

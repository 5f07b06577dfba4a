"""Push-to-talk: the key-hold detector (pure, no clock), scripted key lines, and the listening loop.

The loop test feeds a WAV file through a stand-in for the microphone (the device is the only thing replaced) into
the real PocketSphinx recognizer; the real audio stack is in tests/test_live_ptt.py.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from voice.audio import Audio, silence
from voice.ptt import (HOLD_WAIT_S, MAX_GAP_S, MIN_GAP_S, HoldDetector, PushToTalk, State, key_events,
                       terminal_show)
from voice.wav import read_wav

AUDIO = Path(__file__).resolve().parent / "data" / "audio"


def feed(detector: HoldDetector, keys: list[float], until: float, step: float = 0.01) -> list[tuple[float, str]]:
    """Key presses at the given times, ticks every ``step``: the events with the time they came out."""
    events: list[tuple[float, str]] = []
    pending = sorted(keys)
    now = 0.0
    while now <= until:
        while pending and pending[0] <= now:
            at = pending.pop(0)
            events += [(at, e) for e in detector.key(now)]
        events += [(now, e) for e in detector.tick(now)]
        now = round(now + step, 6)
    return events


def held(start: float, delay: float, interval: float, release: float) -> list[float]:
    """The characters a terminal sends while a key is held from start to release (auto-repeat)."""
    times, t = [start], start + delay
    while t < release:
        times.append(round(t, 6))
        t += interval
    return times


@pytest.mark.parametrize("delay, interval", [(0.25, 0.033), (0.5, 0.03), (0.66, 0.04), (0.25, 0.092)])
def test_a_held_key_is_released_soon_after_its_repeats_end(delay: float, interval: float) -> None:
    keys = held(0.0, delay, interval, release=3.0)
    events = feed(HoldDetector(), keys, until=5.0)
    assert [e for _, e in events] == ["press", "release"]
    assert events[0][0] == 0.0
    released_after = events[1][0] - keys[-1]
    assert max(MIN_GAP_S, 3 * interval) - 0.02 <= released_after <= max(MIN_GAP_S, 3 * interval) + 0.03


def test_a_tap_toggles() -> None:
    events = feed(HoldDetector(), [0.0, 2.0], until=3.0)
    assert events == [(0.0, "press"), (2.0, "release")]


def test_no_release_before_the_keyboard_starts_repeating() -> None:
    # X11's default delay (660 ms) is the longest usual one: the hold is still on until then
    events = feed(HoldDetector(), held(0.0, 0.66, 0.04, release=0.7), until=0.69)
    assert events == [(0.0, "press")]


def test_repeats_bunched_by_a_connection_do_not_release() -> None:
    # SSH delivers repeats in bursts: three at once every 100 ms
    keys = [0.0] + [round(0.5 + 0.1 * i, 3) for i in range(20) for _ in range(3)]
    events = feed(HoldDetector(), keys, until=4.0)
    assert [e for _, e in events] == ["press", "release"]
    assert events[1][0] >= keys[-1] + MIN_GAP_S


def test_a_release_right_after_the_first_repeat_waits_the_longest_gap() -> None:
    events = feed(HoldDetector(), [0.0, 0.5], until=2.0)
    assert events == [(0.0, "press"), (pytest.approx(0.5 + MAX_GAP_S + 0.01, abs=0.011), "release")]


def test_deadline() -> None:
    detector = HoldDetector()
    assert detector.deadline() is None
    detector.key(1.0)
    assert detector.deadline() == pytest.approx(1.0 + HOLD_WAIT_S)


def test_scripted_lines() -> None:
    stream = io.BytesIO(b"down\nnonsense\nup\n\nspace\nSPACE\nq\n")
    assert list(key_events(stream, False, threading.Event())) == ["press", "release", "toggle", "toggle", "quit"]


def test_scripted_lines_from_a_pipe() -> None:
    import os

    read, write = os.pipe()
    os.write(write, b"down\nup")
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        assert list(key_events(stream, False, threading.Event())) == ["press", "release"]


def test_terminal_show() -> None:
    out = io.StringIO()
    show = terminal_show(out)
    show("state", "listening")
    show("heard", "how long will it hurt")
    show("heard", "")
    show("saying", "Usually, it's temporary.")
    show("state", "answering")
    assert out.getvalue().splitlines() == ["● listening… (let go of space when done)",
                                           'heard: "how long will it hurt"', "heard: (nothing)",
                                           "saying: Usually, it's temporary."]


class WavMicrophone:
    """Stands in for voice.microphone.Microphone: after drain() (the press), a WAV file in 30 ms chunks as fast as
    they are read; before and after it, nothing (a read times out)."""

    def __init__(self, audio: Audio) -> None:
        self.audio = audio
        self.offset = 0
        self.drained = 0

    def __enter__(self) -> WavMicrophone:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def read(self, timeout_s: float) -> Audio | None:
        step = 480 * 2
        chunk = self.audio.pcm[self.offset:self.offset + step] if self.drained else b""
        if not chunk:
            threading.Event().wait(timeout_s)
            return None
        self.offset += step
        return Audio(chunk)

    def drain(self) -> None:
        self.drained += 1

    @property
    def done(self) -> bool:
        return self.offset >= len(self.audio.pcm)


class Answers:
    def __init__(self) -> None:
        self.heard: list[str] = []
        self.interrupted = 0

    def interrupt(self) -> None:
        self.interrupted += 1

    def respond(self, text: str) -> None:
        self.heard.append(text)

    def busy(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_the_loop_hears_a_question_between_press_and_release(library) -> None:  # type: ignore[no-untyped-def]
    from voice.stt import load_transcriber

    question = read_wav(AUDIO / "how-long-will-my-back-hurt.joe.wav")
    mic = WavMicrophone(silence(0.5) + question + silence(0.5))
    answers, sounds, shown = Answers(), [], []
    transcriber = load_transcriber("pocketsphinx", library)
    talk = PushToTalk(lambda: mic, transcriber, answers, sounds.append, lambda kind, text: shown.append((kind, text)))
    worker = threading.Thread(target=talk.run)
    worker.start()
    try:
        talk.press()
        talk.settle()
        assert talk.state is State.LISTENING
        while not mic.done:
            threading.Event().wait(0.01)
        talk.release()
        talk.settle()
    finally:
        talk.stop()
        worker.join()
        transcriber.close()
    assert answers.heard == ["how long will my back hurt"]
    assert sounds == ["listening"]  # the done sound is the responder's
    assert mic.drained == 1
    assert ("heard", "how long will my back hurt") in shown
    assert [t for k, t in shown if k == "state"] == ["listening", "answering", "idle"]
    assert answers.interrupted >= 1  # a press silences any answer first (barge-in)


def test_a_slip_of_the_finger_is_ignored(library) -> None:  # type: ignore[no-untyped-def]
    from voice.stt import load_transcriber

    mic = WavMicrophone(silence(5))
    answers = Answers()
    transcriber = load_transcriber("pocketsphinx", library)
    talk = PushToTalk(lambda: mic, transcriber, answers, lambda name: None, lambda kind, text: None)
    worker = threading.Thread(target=talk.run)
    worker.start()
    try:
        talk.press()
        talk.release()  # at once: less than MIN_LISTEN_S heard
        talk.settle()
    finally:
        talk.stop()
        worker.join()
        transcriber.close()
    assert answers.heard == []
    assert talk.state is State.IDLE


def test_a_lost_microphone_is_said_once_and_found_again(library, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import voice.ptt
    from voice.microphone import MicrophoneError
    from voice.stt import load_transcriber

    monkeypatch.setattr(voice.ptt, "RETRY_S", 0.01)
    opened = []
    mic = WavMicrophone(silence(1))

    def microphone() -> WavMicrophone:
        opened.append(True)
        if len(opened) <= 3:  # unplugged for three tries
            raise MicrophoneError("no microphone found; plug one in")
        return mic

    shown: list[tuple[str, str]] = []
    transcriber = load_transcriber("pocketsphinx", library)
    talk = PushToTalk(microphone, transcriber, Answers(), lambda name: None,  # type: ignore[arg-type]
                      lambda kind, text: shown.append((kind, text)))
    worker = threading.Thread(target=talk.run)
    worker.start()
    try:
        talk.press()
        talk.settle()
    finally:
        talk.stop()
        worker.join()
        transcriber.close()
    assert shown[:2] == [("error", "no microphone found; plug one in"), ("error", "the microphone is back")]
    assert talk.state is State.LISTENING  # the press waited for the microphone
    assert talk.error is None


def test_no_sound_devices_is_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.test_playback import no_sound_server

    env = no_sound_server(tmp_path)
    result = subprocess.run([sys.executable, "run.py", "ptt"], env=env, cwd=ROOT, input="q\n", capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("run.py: no audio "), result.stderr

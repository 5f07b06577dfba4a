"""Hands-free, end to end through the real audio stack, and the loop's steps over WAV files.

End to end: a private PulseAudio daemon with null sinks "mic" and "speaker" (``pulse_pair``); ``run.py listen`` runs
as a child recording ``mic.monitor`` and speaking into "speaker"; the tests play spoken WAVs (tests/data/live, made by
``python -m benchmarks.make_audio``) into "mic" with ``paplay``, record ``speaker.monitor`` with ``parec``, and
transcribe what the assistant said. The waits are for lines on the child's output or for sound in the recording;
nothing is timed (timing is ``benchmark latency``'s).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.test_microphone import needs_pulse, pulse_pair  # noqa: F401 (a fixture)
from tests.test_playback import read_wav, record, wait_for
from voice.audio import Audio, silence
from voice.wav import read_wav as read_16k

LIVE = ROOT / "tests" / "data" / "live"
AUDIO = ROOT / "tests" / "data" / "audio"


class Assistant:
    """``run.py listen`` as a child process, its output in a file."""

    def __init__(self, env: dict[str, str], *options: str) -> None:
        self.env = env
        self.out = Path(env["HOME"]) / "listen.out"
        self.err = Path(env["HOME"]) / "listen.err"
        self.process = subprocess.Popen([sys.executable, "run.py", "listen", "--input-device", "pulse",
                                         "--output-device", "pulse", *options], env=env, cwd=ROOT,
                                        stdout=self.out.open("w"), stderr=self.err.open("w"))

    def lines(self) -> list[str]:
        return self.out.read_text().splitlines()

    def wait_line(self, start: str, count: int = 1, timeout_s: float = 60, exact: bool = False) -> None:
        """Until ``count`` lines start with (or, ``exact``, are) ``start``."""
        assert wait_for(lambda: sum(line == start if exact else line.startswith(start)
                                    for line in self.lines()) >= count
                        or self.process.poll() is not None, timeout_s), (start, self.lines())
        assert self.process.poll() is None, self.err.read_text()

    def play(self, path: Path) -> None:
        subprocess.run(["paplay", "-d", "mic", str(path)], env=self.env, check=True, timeout=30)

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


def spoken_seconds(path: Path) -> float:
    """Seconds of sound (not silence) recorded so far; parec writes the WAV header's sizes only at the end."""
    import numpy as np

    data = path.read_bytes() if path.exists() else b""
    start = data.find(b"data") + 8
    if start < 8:
        return 0.0
    samples = np.frombuffer(data[start:start + (len(data) - start) // 2 * 2], dtype=np.int16)
    frame = 160  # 10 ms at 16 kHz (record() records 16 kHz mono)
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    return float(np.sum(np.abs(frames).max(axis=1) > 300)) / 100


@needs_pulse
def test_wake_question_barge_in_and_follow_up(pulse_pair: dict[str, str], tmp_path: Path, transcribe) -> None:
    assistant = Assistant(pulse_pair, "--wake-phrase", "hey jarvis", "--voice", "piper")
    capture = tmp_path / "speaker.wav"
    recorder = record(pulse_pair, capture)
    try:
        assistant.wait_line("listening:")
        assistant.play(LIVE / "hey-jarvis-how-long-will-my-back-hurt.joe.wav")
        assistant.wait_line("saying: How long does backache")
        assert wait_for(lambda: spoken_seconds(capture) > 4.0, 60)  # well into the answer's 20 s
        # barge-in: the wake phrase stops the answer; the question after it is answered instead
        assistant.play(LIVE / "hey-jarvis.festival-slt.wav")
        assistant.play(LIVE / "can-i-take-ibuprofen-for-the-pain.joe.wav")
        assistant.wait_line("saying: Pain killers and medicines")
        # "listening" after the wake, after the barge-in, and after this answer: a follow-up needs no wake phrase
        assistant.wait_line("listening", count=3, exact=True)
        assistant.play(AUDIO / "what-can-i-ask.joe.wav")
        assistant.wait_line("saying: You can ask me things like")
        assert wait_for(lambda: spoken_seconds(capture) > 22.0, 60)
        status = assistant.interrupt()  # Ctrl-C while speaking
    finally:
        assistant.process.kill()
        recorder.terminate()
        recorder.wait()
    assert status == 130, assistant.err.read_text()
    heard = [line for line in assistant.lines() if line.startswith("heard:")]
    assert len(heard) == 3, assistant.lines()
    assert "how long" in heard[0] and "jarvis" not in heard[0]
    assert "ibuprofen" in heard[1]
    assert "what can i ask" in heard[2]
    said = transcribe(read_wav(capture))
    assert "backache after an epidural" in said, said
    assert "clear up eventually on its own" not in said, said  # the barge-in cut the first answer short
    assert "acetaminophen and ibuprofen" in said, said
    assert "can you get back pain" in said, said  # the first topic of "what can I ask"


@needs_pulse
def test_no_wake_answers_every_question_and_never_itself(pulse_pair: dict[str, str], tmp_path: Path,
                                                         transcribe) -> None:
    # the speaker is heard by the microphone, as in a room: the assistant must not answer its own voice
    subprocess.run(["pactl", "load-module", "module-loopback", "source=speaker.monitor", "sink=mic",
                    "latency_msec=20"], env=pulse_pair, check=True, capture_output=True)
    assistant = Assistant(pulse_pair, "--no-wake")
    capture = tmp_path / "speaker.wav"
    recorder = record(pulse_pair, capture)
    try:
        assistant.wait_line("listening:")
        assistant.play(LIVE / "can-i-take-ibuprofen-for-the-pain.joe.wav")
        assistant.wait_line("saying: Pain killers and medicines")
        assistant.wait_line("listening", exact=True)  # the answer is over
        # its own last words have echoed; a question now is still heard
        assistant.play(AUDIO / "what-can-i-ask.joe.wav")
        assistant.wait_line("saying:", count=2)
        status = assistant.interrupt()
    finally:
        assistant.process.kill()
        recorder.terminate()
        recorder.wait()
    assert status == 130, assistant.err.read_text()
    heard = [line for line in assistant.lines() if line.startswith("heard:")]
    assert len(heard) == 2, assistant.lines()
    # under load the recognizer has once added a word ("what can i ask for"): the question's words are what count
    assert "ibuprofen" in heard[0] and heard[1].startswith("heard: what can i ask")
    said = transcribe(read_wav(capture))
    assert "ibuprofen" in said or "acetaminophen" in said, said  # espeak-ng's voice: its drug names survive


@needs_pulse
def test_the_first_start_says_once_that_this_is_not_medical_advice(pulse_pair: dict[str, str], tmp_path: Path,
                                                                    transcribe) -> None:
    from voice.firststart import DISCLAIMER

    record_file = tmp_path / "data" / "epidural-voice-guide" / "first-start.json"
    record_file.unlink()  # pulse_pair marks it given; this is the very first start
    capture = tmp_path / "speaker.wav"
    recorder = record(pulse_pair, capture)
    assistant = Assistant(pulse_pair, "--no-wake", "--voice", "piper")
    try:
        assistant.wait_line("listening:")
        status = assistant.interrupt()
    finally:
        assistant.process.kill()
        recorder.terminate()
        recorder.wait()
    assert status == 130, assistant.err.read_text()
    assert assistant.lines()[0] == DISCLAIMER
    said = transcribe(read_wav(capture))
    assert {"article", "advice", "doctor"} <= set(said.split()), said  # the test recognizer knows no "medical"
    assert '"disclaimer_given": true' in record_file.read_text()
    again = Assistant(pulse_pair, "--no-wake")
    try:
        again.wait_line("listening:")
        again.interrupt()
    finally:
        again.process.kill()
    assert DISCLAIMER not in again.lines()


# ---- the loop's steps, over WAV files, with real detectors and recognizer; only the speaker is a fake ----

class FakePlayer:
    """Records what it was asked to say; speak() returns at once (or waits for stop() when ``hold``)."""

    def __init__(self, hold: bool = False) -> None:
        import threading

        self.said: list[str] = []
        self.hold = hold
        self._stop = threading.Event()

    def speak(self, utterances: Any, on_start: Any = None) -> int:
        self._stop.clear()
        self.said.append(" ".join(u.text for u in utterances))
        if self.hold:
            self._stop.wait(30)
        return len(utterances)

    def stop(self) -> None:
        self._stop.set()


@pytest.fixture(scope="module")
def live_parts(library):  # type: ignore[no-untyped-def]
    from voice.stt import load_transcriber

    transcriber = load_transcriber("pocketsphinx", library)
    yield transcriber
    transcriber.close()


def make_listener(library, transcriber, wake: bool = True, hold: bool = False):  # type: ignore[no-untyped-def]
    from voice.live import Listener, LiveSettings, Session
    from voice.vad import Endpointer, load_detector
    from voice.wake import load_wake_detector

    player = FakePlayer(hold)
    events: list[tuple[str, str]] = []
    listener = Listener(Session(library, transcriber, player, wake_phrase="hey jarvis"), Endpointer(load_detector()),
                        load_wake_detector("hey jarvis"), LiveSettings(wake=wake),
                        lambda name: events.append(("sound", name)), lambda kind, text: events.append((kind, text)))
    return listener, player, events


def feed(listener, audio: Audio) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, len(audio.pcm), 960):
        listener.step(Audio(audio.pcm[start:start + 960]))


def settle(listener) -> None:  # type: ignore[no-untyped-def]
    from voice.live import State

    if listener.state is State.SPEAKING:
        listener._speaker.join(30)
    listener.idle()


def test_wake_phrase_and_question_in_one_breath(library, live_parts) -> None:  # type: ignore[no-untyped-def]
    from voice.live import State

    listener, player, events = make_listener(library, live_parts)
    feed(listener, read_16k(LIVE / "hey-jarvis-how-long-will-my-back-hurt.joe.wav") + silence(1.0))
    settle(listener)
    assert ("sound", "listening") in events
    heard = [text for kind, text in events if kind == "heard"]
    assert len(heard) == 1 and heard[0].startswith("how long"), events
    assert player.said and player.said[0].startswith("How long does backache")
    assert listener.state is State.LISTENING  # the follow-up window
    feed(listener, silence(5.5))
    assert listener.state is State.WAITING
    assert events[-2:] == [("sound", "done"), ("state", "waiting")]


def test_speech_without_the_wake_phrase_is_ignored(library, live_parts) -> None:  # type: ignore[no-untyped-def]
    listener, player, events = make_listener(library, live_parts)
    feed(listener, read_16k(AUDIO / "how-long-will-my-back-hurt.joe.wav") + silence(1.0))
    assert player.said == [] and events == []


def test_no_wake_answers_and_follow_up(library, live_parts) -> None:  # type: ignore[no-untyped-def]
    listener, player, events = make_listener(library, live_parts, wake=False)
    feed(listener, read_16k(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav") + silence(1.0))
    settle(listener)
    feed(listener, silence(0.5) + read_16k(AUDIO / "what-can-i-ask.joe.wav") + silence(1.0))
    settle(listener)
    assert [text for kind, text in events if kind == "heard"] == ["can i take ibuprofen for the pain",
                                                                   "what can i ask"]
    assert player.said[1].startswith("You can ask me things like")


def test_the_wake_phrase_interrupts_an_answer(library, live_parts) -> None:  # type: ignore[no-untyped-def]
    from voice.live import State

    listener, player, events = make_listener(library, live_parts, hold=True)
    feed(listener, read_16k(LIVE / "hey-jarvis-how-long-will-my-back-hurt.joe.wav") + silence(1.0))
    assert listener.state is State.SPEAKING
    # its own voice, a question without the wake phrase, goes unheard while it speaks
    feed(listener, read_16k(AUDIO / "what-can-i-ask.joe.wav"))
    assert listener.state is State.SPEAKING
    feed(listener, read_16k(LIVE / "hey-jarvis.festival-slt.wav"))
    assert listener.state is State.LISTENING
    feed(listener, read_16k(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav") + silence(1.0))
    assert [text for kind, text in events if kind == "heard"][-1] == "can i take ibuprofen for the pain"
    listener.close()
    assert len(player.said) == 2


class ScriptedMicrophone:
    """A microphone that plays a recording in 30 ms chunks, then sets ``stop``; or fails to open."""

    def __init__(self, audio: Audio | None, stop: Any) -> None:
        self.audio, self.stop, self.offset = audio, stop, 0

    def __enter__(self) -> ScriptedMicrophone:
        from voice.microphone import MicrophoneError

        if self.audio is None:
            raise MicrophoneError("the microphone stopped sending sound; check that it is plugged in")
        return self

    def read(self, timeout_s: float) -> Audio | None:
        assert self.audio is not None
        if self.offset >= len(self.audio.pcm):
            self.stop.set()
            return None
        chunk = Audio(self.audio.pcm[self.offset:self.offset + 960])
        self.offset += 960
        return chunk

    def close(self) -> None:
        pass


def test_a_lost_microphone_is_said_once_and_used_again_when_back(library, live_parts) -> None:  # type: ignore
    import threading

    from voice import live

    listener, player, events = make_listener(library, live_parts, wake=False)
    stop = threading.Event()
    question = read_16k(AUDIO / "can-i-take-ibuprofen-for-the-pain.joe.wav") + silence(1.0)
    opened = iter([None, None, question])
    retry, live.RETRY_S = live.RETRY_S, 0.0
    try:
        live.run(listener, lambda: ScriptedMicrophone(next(opened), stop), stop,
                 lambda kind, text: events.append((kind, text)))
    finally:
        live.RETRY_S = retry
    errors = [text for kind, text in events if kind == "error"]
    assert errors == ["the microphone stopped sending sound; check that it is plugged in", "the microphone is back"]
    assert [text for kind, text in events if kind == "heard"] == ["can i take ibuprofen for the pain"]


def test_plain_run_without_a_microphone_says_so_and_chats(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore
    from voice.microphone import has_microphone

    monkeypatch.setenv("PULSE_SERVER", "unix:" + str(tmp_path / "no-server"))  # no PulseAudio to reach
    if has_microphone():
        pytest.skip("this machine has a microphone")
    result = cli(stdin=b"can I take ibuprofen\n")
    assert result.stderr == ("run.py: no microphone found, so here is the typed chat instead (plug one in for "
                             "hands-free)\n")
    assert "acetaminophen and ibuprofen" in result.stdout

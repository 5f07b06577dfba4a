"""Reading under voice control: what is heard becomes a reader event, a question is answered and the reading resumes.

The logic runs over the real reader, dialogue and reading session; only the speaker is replaced (``HeldPlayer``), so
these are pure and need no device. The real audio stack is in tests/test_live_ptt.py.
"""

from __future__ import annotations

import io
import threading
from types import SimpleNamespace

import pytest

from content.dialogue import Dialogue
from tests.test_playback import wait_for
from voice.control import ReadingSession
from voice.read_live import VoiceReading, reader_event
from voice.reader import Reader
from voice.tts import VoiceSettings


@pytest.mark.parametrize(("said", "event"), [
    ("next", "next"), ("next one", "next"), ("skip", "next"), ("um next please", "next"),
    ("go back", "previous"), ("back", "previous"), ("previous", "previous"),
    ("repeat", "repeat"), ("say that again", "repeat"),
    ("pause", "pause"), ("wait", "pause"), ("hold on", "pause"), ("stop", "pause"), ("stop reading", "pause"),
    ("resume", "resume"), ("continue", "resume"), ("carry on", "resume"), ("where were we", "resume"),
    ("more", "resume"), ("read", "resume"),
    ("slower", "slower"), ("slow down", "slower"), ("faster", "faster"), ("speed up", "faster"),
    ("where am i", "where"), ("where are we", "where"), ("which section is this", "where"),
    ("start over", "start-over"), ("read it from the beginning", "start-over"),
])
def test_reading_commands(said: str, event: str) -> None:
    assert reader_event(said) == event


@pytest.mark.parametrize("said", ["how long will my back hurt", "can i take ibuprofen", "what can i ask", "", "  "])
def test_questions_and_nothing_are_not_commands(said: str) -> None:
    assert reader_event(said) is None


class HeldPlayer:
    """Stands in for voice.playback.Player: speak() starts its first utterance and holds it until stop(), or until
    finish() lets it play to its end."""

    def __init__(self) -> None:
        self.voice = SimpleNamespace(settings=VoiceSettings())
        self.calls: list[list] = []  # type: ignore[type-arg]
        self._stop = threading.Event()
        self._finish = threading.Semaphore(0)

    def stop(self) -> None:
        self._stop.set()

    def finish(self) -> None:
        self._finish.release()

    def speak(self, utterances, on_start=None) -> int:  # type: ignore[no-untyped-def]
        self._stop.clear()
        self.calls.append(list(utterances))
        if on_start is not None:
            on_start(0)
        while not self._stop.is_set():
            if self._finish.acquire(timeout=0.01):
                for index in range(1, len(utterances)):
                    if on_start is not None:
                        on_start(index)
                return len(utterances)
        return 0


@pytest.fixture
def reading(library, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the bookmark
    player = HeldPlayer()
    reader = Reader(library.articles[0])
    session = ReadingSession(reader, player, io.StringIO(), lambda message: None)  # type: ignore[arg-type]
    sounds: list[str] = []
    shown: list[tuple[str, str]] = []
    voice = VoiceReading(session, Dialogue(library), sounds.append, lambda kind, text: shown.append((kind, text)))
    session.handle("start")
    assert wait_for(lambda: len(player.calls) == 1, 5)
    yield SimpleNamespace(voice=voice, player=player, reader=reader, session=session, sounds=sounds, shown=shown)
    voice.close()


def calls(state, count: int) -> bool:  # type: ignore[no-untyped-def]
    return wait_for(lambda: len(state.player.calls) == count, 5)


def test_next_by_voice(reading) -> None:  # type: ignore[no-untyped-def]
    reading.voice.interrupt()  # the press, or the wake phrase: the reading stops at once
    assert not reading.session.thread.is_alive()
    reading.voice.respond("next")
    assert calls(reading, 2)
    assert reading.reader.section_index == 1
    assert reading.player.calls[-1][0].heading
    assert reading.sounds == ["done"]
    assert ("command", "next") in reading.shown


def test_a_question_is_answered_then_the_interrupted_sentence_is_read_again(reading) -> None:  # type: ignore
    with reading.session.lock:
        reading.reader.sentence = 2  # two sentences of the introduction were heard
    interrupted = reading.reader.scripts[0][2]
    reading.voice.interrupt()
    reading.voice.respond("how long will my back hurt")
    assert calls(reading, 2)
    answer = reading.player.calls[-1]
    assert answer[0].section == "duration" and reading.voice.busy()
    reading.player.finish()  # the answer is said to its end
    assert calls(reading, 3)
    assert reading.player.calls[-1][0] == interrupted
    assert reading.reader.playing and (reading.reader.section_index, reading.reader.sentence) == (0, 2)
    assert ("saying", answer[0].text) in reading.shown


def test_nothing_heard_resumes(reading) -> None:  # type: ignore[no-untyped-def]
    reading.voice.interrupt()
    reading.voice.respond("")
    assert calls(reading, 2)
    assert reading.player.calls[-1] == reading.player.calls[0]


def test_pause_then_where_am_i(reading) -> None:  # type: ignore[no-untyped-def]
    reading.voice.interrupt()
    reading.voice.respond("pause")
    assert not reading.reader.playing
    reading.voice.interrupt()
    reading.voice.respond("where am i")
    assert calls(reading, 2)
    assert reading.player.calls[-1][0].text.startswith("You are in section 1 of")
    assert not reading.reader.playing


def test_an_answer_cut_short_by_a_press_does_not_resume(reading) -> None:  # type: ignore[no-untyped-def]
    reading.voice.interrupt()
    reading.voice.respond("can i take ibuprofen")
    assert calls(reading, 2)
    reading.voice.interrupt()  # barge-in during the answer
    assert not reading.voice.busy()
    threading.Event().wait(0.1)
    assert len(reading.player.calls) == 2  # nothing new started: the next utterance decides


def test_the_wake_phrase_is_not_part_of_the_command(library, tmp_path, monkeypatch) -> None:  # type: ignore
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    player = HeldPlayer()
    reader = Reader(library.articles[0])
    session = ReadingSession(reader, player, io.StringIO(), lambda message: None)  # type: ignore[arg-type]
    voice = VoiceReading(session, Dialogue(library), lambda name: None, lambda kind, text: None, "hey jarvis")
    try:
        session.handle("start")
        voice.interrupt()
        voice.respond("hey jarvis next")
        assert wait_for(lambda: len(player.calls) == 2, 5)
        assert reader.section_index == 1
    finally:
        voice.close()

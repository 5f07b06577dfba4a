"""`run.py read` in a terminal: the reader driven by single key presses, spoken through the speakers.

Keys are read in cbreak mode when standard input is a terminal, or as lines otherwise (so it can be scripted).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from content.article import Article
from voice.playback import PlaybackError, Player
from voice.reader import Reader, Save, SetSpeed, Speak, StopAudio, data_dir, load_bookmark, save_bookmark
from voice.tts import Voice, VoiceError, VoiceSettings

KEYS = {" ": "pause-resume", "n": "next", "p": "previous", "b": "previous", "r": "repeat", "-": "slower",
        "+": "faster", "=": "faster", "w": "where", "0": "start-over", "q": "stop"}
WORDS = {"next": "next", "previous": "previous", "back": "previous", "repeat": "repeat", "pause": "pause",
         "resume": "resume", "continue": "resume", "slower": "slower", "faster": "faster", "where": "where",
         "start over": "start-over", "stop": "stop", "quit": "stop"}
HELP = "keys: space pause/resume · n next · p previous · r repeat · - slower · + faster · w where am I · 0 start over · q quit"


def bookmark_path() -> Path:
    return data_dir() / "bookmark.json"


@contextlib.contextmanager
def _cbreak(stream: IO[bytes]) -> Iterator[bool]:
    """Single key presses without Enter, restored on exit; False where standard input is not a terminal."""
    try:
        fd = stream.fileno()
        interactive = os.isatty(fd)
    except (AttributeError, OSError, ValueError):
        interactive = False
    if not interactive:
        yield False
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _events(stream: IO[bytes], interactive: bool, stopping: threading.Event) -> Iterator[str]:
    """Reader events from key presses (or lines of words when scripted); ends at end of input."""
    if interactive:
        fd = stream.fileno()
        while not stopping.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            key = os.read(fd, 1).decode("utf-8", "replace")
            if not key:
                return
            if key.lower() in KEYS:
                yield KEYS[key.lower()]
        return
    for raw in iter(stream.readline, b""):
        word = raw.decode("utf-8", "replace").strip().lower()
        if word in WORDS:
            yield WORDS[word]
        elif word in KEYS:
            yield KEYS[word]


class _Session:
    """Carries out the reader's actions on a player; playback runs in its own thread."""

    def __init__(self, reader: Reader, player: Player, out: IO[str], notice: Callable[[str], None]) -> None:
        self.reader, self.player, self.out, self.notice = reader, player, out, notice
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.error: Exception | None = None
        self.finished = threading.Event()

    def apply(self, actions: list) -> None:  # type: ignore[type-arg]
        for action in actions:
            if isinstance(action, StopAudio):
                self.player.stop()
                if self.thread is not None and self.thread is not threading.current_thread():
                    self.thread.join()
            elif isinstance(action, SetSpeed):
                self.player.voice.settings = VoiceSettings(action.speed, self.player.voice.settings.volume)
            elif isinstance(action, Save):
                save_bookmark(bookmark_path(), action.bookmark, self.notice)
            elif isinstance(action, Speak):
                self.thread = threading.Thread(target=self._play, args=(action,), name="playback")
                self.thread.start()

    def _play(self, action: Speak) -> None:
        utterances = action.utterances

        def started(index: int) -> None:
            if index > 0 and utterances[index - 1].section is not None:
                self._event("sentence-done")
            if utterances[index].heading:
                print(f"\n{utterances[index].text}", file=self.out, flush=True)

        try:
            done = self.player.speak(utterances, started)
        except (PlaybackError, VoiceError) as error:
            self.error = error
            self.finished.set()
            return
        if done == len(utterances) and utterances and utterances[-1].section is not None:
            self._event("sentence-done")
        if not self.reader.playing and self.reader.finished:
            self.finished.set()

    def _event(self, event: str) -> None:
        with self.lock:
            actions = self.reader.handle(event)
        self.apply([a for a in actions if not isinstance(a, StopAudio)])

    def handle(self, event: str) -> None:
        if event == "pause-resume":
            event = "pause" if self.reader.playing else "resume"
        with self.lock:
            actions = self.reader.handle(event)
        self.apply(actions)


def read_aloud(article: Article, voice: Voice, output_device: str | None, keys: IO[bytes], out: IO[str],
               notice: Callable[[str], None]) -> int:
    """Read the article aloud from the bookmark until the end or "q"; returns the exit status."""
    try:
        player = Player(voice, output_device)
    except PlaybackError as error:
        voice.close()
        notice(str(error))
        return 1
    reader = Reader.resume_from(article, load_bookmark(bookmark_path(), notice))
    session = _Session(reader, player, out, notice)
    print(f"Reading: {article.title}\n{HELP}", file=out, flush=True)
    stopping = threading.Event()
    try:
        session.handle("start")
        with _cbreak(keys) as interactive:
            for event in _events(keys, interactive, stopping):
                session.handle(event)
                if event == "stop" or session.error is not None:
                    break
            else:
                # scripted input ended: let the reading finish (or fail)
                while session.thread is not None and session.thread.is_alive():
                    session.thread.join(0.1)
    except KeyboardInterrupt:
        session.handle("stop")
        raise
    finally:
        stopping.set()
        player.stop()
        if session.thread is not None:
            session.thread.join()
        voice.close()
    if session.error is not None:
        notice(str(session.error))
        return 1
    return 0


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
from voice.playback import POLL_S, PlaybackError, Player, output_device
from voice.reader import (Action, Reader, Save, SetSpeed, Speak, StopAudio, data_dir, load_bookmark,
                          save_bookmark)
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
def cbreak(stream: IO[bytes]) -> Iterator[bool]:
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


class ReadingSession:
    """Carries out the reader's actions on a player; playback runs in its own thread.

    Two threads feed the reader: the keys (this thread) and the playback (a sentence heard to its end). Each key
    press starts a new generation; playback events from an older one are dropped, so a key pressed as a section
    ends cannot race the next section's start.
    """

    def __init__(self, reader: Reader, player: Player, out: IO[str], notice: Callable[[str], None]) -> None:
        self.reader, self.player, self.out, self.notice = reader, player, out, notice
        self.lock = threading.Lock()
        self.generation = 0
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self.error: Exception | None = None

    @property
    def thread(self) -> threading.Thread | None:
        """The playback thread started last (always already started)."""
        with self._thread_lock:
            return self._thread

    def _stop_audio(self) -> None:
        thread = self.thread
        while thread is not None and thread is not threading.current_thread() and thread.is_alive():
            self.player.stop()  # again each time: a speak() that was just starting clears the first stop
            thread.join(POLL_S)

    def stop(self) -> None:
        """Silence, and wait for every playback thread to end (one may have started the next as it ended)."""
        with self.lock:
            self.generation += 1  # playback events from now on are dropped: nothing new starts
        self._stop_audio()

    def _apply(self, actions: list[Action], generation: int) -> None:
        for action in actions:
            if isinstance(action, StopAudio):
                self._stop_audio()
            elif isinstance(action, SetSpeed):
                self.player.voice.settings = VoiceSettings(action.speed, self.player.voice.settings.volume)
            elif isinstance(action, Save):
                save_bookmark(bookmark_path(), action.bookmark, self.notice)
            elif isinstance(action, Speak):
                thread = threading.Thread(target=self._play, args=(action, generation), name="playback")
                with self._thread_lock:  # started before anyone can see it, and seen in the order started
                    self._thread = thread
                    thread.start()

    def _play(self, action: Speak, generation: int) -> None:
        utterances = action.utterances

        def started(index: int) -> None:
            if index > 0 and utterances[index - 1].section is not None:
                self._event("sentence-done", generation)
            if utterances[index].heading:
                self._show(f"\n{utterances[index].text}")
            elif utterances[index].section is None:  # the reader's own words: where you are, the end
                self._show(f"({utterances[index].text})")

        try:
            done = self.player.speak(utterances, started)
        except (PlaybackError, VoiceError) as error:
            self.error = error
            return
        if done == len(utterances) and utterances and utterances[-1].section is not None:
            self._event("sentence-done", generation)

    def _show(self, line: str) -> None:
        """What is being read, on screen; a closed screen (a pipe to `head`) does not stop the reading."""
        try:
            print(line, file=self.out, flush=True)
        except (OSError, ValueError):
            pass

    def _event(self, event: str, generation: int) -> None:
        """An event from playback: applied only if no key was pressed since that playback began."""
        with self.lock:
            if generation != self.generation:
                return
            actions = self.reader.handle(event)
            # no StopAudio here: this is the playing thread; Save and Speak do not block
            self._apply([a for a in actions if not isinstance(a, StopAudio)], generation)

    def handle(self, event: str) -> None:
        """An event from a key or a typed word."""
        with self.lock:
            if event == "pause-resume":
                event = "pause" if self.reader.playing else "resume"
            self.generation += 1
            generation = self.generation
            actions = self.reader.handle(event)
        self._apply(actions, generation)


def read_aloud(article: Article, load_voice: Callable[[], Voice], device: str | None, keys: IO[bytes], out: IO[str],
               notice: Callable[[str], None], speed: float | None = None) -> int:
    """Read the article aloud from the bookmark until the end or "q"; returns the exit status.

    The speaker is checked before the voice is loaded, so a machine without one hears about it at once. ``speed``
    (from --rate) overrides the speed saved with the bookmark.
    """
    try:
        index = output_device(device)
        voice = load_voice()
    except (PlaybackError, VoiceError) as error:
        notice(str(error))
        return 1
    player = Player(voice, index)
    reader = Reader.resume_from(article, load_bookmark(bookmark_path(), notice))
    if speed is not None:
        reader.speed = speed
    voice.settings = VoiceSettings(reader.speed, voice.settings.volume)
    session = ReadingSession(reader, player, out, notice)
    print(f"Reading: {article.title}\n{HELP}", file=out, flush=True)
    if reader.sentence:  # resuming within a section: its heading is not said again
        section = article.sections[reader.section_index]
        print(f"\nWhere you left off: {section.heading}", file=out, flush=True)
    stopping = threading.Event()
    try:
        session.handle("start")
        with cbreak(keys) as interactive:
            for event in _events(keys, interactive, stopping):
                session.handle(event)
                if event == "stop" or session.error is not None:
                    break
            else:
                # scripted input ended: let the reading finish (or fail)
                while (thread := session.thread) is not None and thread.is_alive():
                    thread.join(0.1)
    except KeyboardInterrupt:
        session.handle("stop")
        raise
    finally:
        stopping.set()
        session.stop()
        voice.close()
    if session.error is not None:
        notice(str(session.error))
        return 1
    return 0


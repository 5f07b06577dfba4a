"""Read-the-whole-article mode as a pure state machine, and its bookmark.

Fed with events (a command heard or typed, a sentence finished playing), the reader answers with actions
(speak these utterances, stop the audio, save the bookmark). No clock, no device: the live loop and the terminal
control drive it, and the tests drive it by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Union

from content.article import Article
from content.speech import Utterance, section_script
from content.store import write_atomically

APP_NAME = "epidural-voice-guide"
SPEED_STEP = 0.15
MIN_SPEED, MAX_SPEED = 0.5, 2.0
"""The range of run.py's --rate."""
END_OF_ARTICLE = "That was the end of the article."
EVENTS = ("start", "next", "previous", "repeat", "pause", "resume", "stop", "slower", "faster", "where", "start-over")


@dataclass(frozen=True)
class Bookmark:
    """Where the listener left off, and how fast they like it."""

    article: str
    section: str
    sentence: int = 0
    speed: float = 1.0


@dataclass(frozen=True)
class Speak:
    """Play these utterances (after stopping whatever plays)."""

    utterances: tuple[Utterance, ...]
    first_sentence: int = 0
    """Index, in the current section, of the first utterance given (its heading is 0)."""


@dataclass(frozen=True)
class StopAudio:
    """Silence now."""


@dataclass(frozen=True)
class SetSpeed:
    speed: float


@dataclass(frozen=True)
class Save:
    bookmark: Bookmark


Action = Union[Speak, StopAudio, SetSpeed, Save]


@dataclass
class Reader:
    """Reads an article section by section; state: where it is, whether it plays, how fast."""

    article: Article
    section_index: int = 0
    sentence: int = 0
    """Index of the utterance being read within the current section's script (0 is its heading)."""
    playing: bool = False
    speed: float = 1.0
    finished: bool = False
    scripts: list[list[Utterance]] = field(init=False)

    def __post_init__(self) -> None:
        self.scripts = [section_script(s, first=i == 0) for i, s in enumerate(self.article.sections)]

    @classmethod
    def resume_from(cls, article: Article, bookmark: Bookmark | None) -> Reader:
        """A reader at the bookmark if it belongs to this article and still points at a section, else at the start."""
        reader = cls(article)
        if bookmark is None or bookmark.article != article.id:
            return reader
        ids = [s.id for s in article.sections]
        if bookmark.section in ids:
            reader.section_index = ids.index(bookmark.section)
            reader.sentence = min(max(0, bookmark.sentence), len(reader.scripts[reader.section_index]) - 1)
        reader.speed = min(MAX_SPEED, max(MIN_SPEED, bookmark.speed))
        return reader

    @property
    def section_id(self) -> str:
        return self.article.sections[self.section_index].id

    def bookmark(self) -> Bookmark:
        return Bookmark(self.article.id, self.section_id, self.sentence, round(self.speed, 2))

    def _speak_from(self, sentence: int, prefix: tuple[Utterance, ...] = ()) -> list[Action]:
        self.sentence = sentence
        self.playing = True
        self.finished = False
        rest = tuple(self.scripts[self.section_index][sentence:])
        return [StopAudio(), Speak(prefix + rest, sentence), Save(self.bookmark())]

    def _say(self, text: str) -> Utterance:
        return Utterance(text, 0.3, None)

    def handle(self, event: str) -> list[Action]:
        """The actions for one event (see EVENTS, plus "sentence-done")."""
        if event in ("start", "resume"):
            if self.finished:
                self.section_index, self.finished = 0, False
                return self._speak_from(0)
            return self._speak_from(self.sentence)
        if event == "start-over":
            self.section_index = 0
            return self._speak_from(0)
        if event == "next":
            if self.section_index + 1 >= len(self.scripts):
                self.playing, self.finished = False, True
                return [StopAudio(), Speak((self._say(END_OF_ARTICLE),)), Save(self.bookmark())]
            self.section_index += 1
            return self._speak_from(0)
        if event == "previous":
            # Early in a section, "back" means the section before; later, the start of this one.
            if self.sentence <= 1 and self.section_index > 0:
                self.section_index -= 1
            return self._speak_from(0)
        if event == "repeat":
            return self._speak_from(max(0, self.sentence))
        if event in ("pause", "stop"):
            self.playing = False
            return [StopAudio(), Save(self.bookmark())]
        if event in ("slower", "faster"):
            step = SPEED_STEP if event == "faster" else -SPEED_STEP
            self.speed = round(min(MAX_SPEED, max(MIN_SPEED, self.speed + step)), 2)
            actions: list[Action] = [SetSpeed(self.speed), Save(self.bookmark())]
            if self.playing:  # restart the interrupted sentence at the new pace
                actions += self._speak_from(self.sentence)[:2]
            return actions
        if event == "where":
            section = self.article.sections[self.section_index]
            where = self._say(f"You are in section {self.section_index + 1} of {len(self.scripts)}: "
                              f"{section.heading.rstrip('.?! ')}.")
            if self.playing:
                return self._speak_from(self.sentence, prefix=(where,))
            return [StopAudio(), Speak((where,))]
        if event == "sentence-done":
            return self._advance()
        raise ValueError(f"unknown reader event {event!r}")

    def _advance(self) -> list[Action]:
        """One utterance finished playing: move the bookmark; at a section's end, go on to the next."""
        if not self.playing:
            return []
        self.sentence += 1
        if self.sentence < len(self.scripts[self.section_index]):
            return [Save(self.bookmark())] if self.sentence % 3 == 0 else []
        if self.section_index + 1 >= len(self.scripts):
            # the whole article heard: the next start begins again from the top
            self.playing, self.finished, self.sentence = False, True, 0
            self.section_index = 0
            return [Speak((self._say(END_OF_ARTICLE),)), Save(self.bookmark())]
        self.section_index += 1
        return self._speak_from(0)[1:]


def data_dir(environ: dict[str, str] | None = None) -> Path:
    """The user's data directory for this program (XDG_DATA_HOME, else ~/.local/share)."""
    environ = dict(os.environ) if environ is None else environ
    base = environ.get("XDG_DATA_HOME") or str(Path(environ.get("HOME", str(Path.home()))) / ".local" / "share")
    return Path(base) / APP_NAME


def load_bookmark(path: Path, notice: Callable[[str], None] | None = None) -> Bookmark | None:
    """The saved bookmark; a missing one is None, a corrupt one is ignored with a notice (and left for inspection)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        bookmark = Bookmark(article=str(data["article"]), section=str(data["section"]),
                            sentence=int(data.get("sentence", 0)), speed=float(data.get("speed", 1.0)))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        if notice is not None:
            notice(f"ignored the unreadable bookmark {path}; starting from the beginning")
        return None
    return bookmark


def save_bookmark(path: Path, bookmark: Bookmark, notice: Callable[[str], None] | None = None) -> bool:
    """Write atomically; on a full or read-only disk the old bookmark stays intact and a notice is given."""
    try:
        write_atomically(path, json.dumps(asdict(bookmark), indent=2) + "\n", make_parents=True)
    except OSError as error:
        if notice is not None:
            notice(f"could not save the bookmark ({error.strerror or error}); the previous one is kept")
        return False
    return True


"""`run.py read --listen`: the article read aloud, controlled by voice.

The reader (voice.reader) and its playback (voice.control.ReadingSession) as in `read`; the listening is
push-to-talk's (voice.ptt.PushToTalk): hold or tap space, or say the wake phrase (with --wake-phrase; the wake
detector of voice.wake and the endpointer of voice.vad), and the reading stops at once while you speak. Then:

- a reading command — next, previous / go back, repeat, pause, resume / continue, stop, slower, faster, where am I,
  start over — is the matcher's ``command()`` (content.matching) turned into a reader event;
- anything else is a question: the dialogue answers it aloud, then the reading resumes at the start of the sentence
  it interrupted;
- nothing heard (a cough, a press by mistake): the reading resumes.

Keys (a terminal): space talks; the letter keys of `read` still work (n, p, r, -, +, w, 0), Enter pauses and
resumes, q quits. Scripted input (not a terminal): lines ``down`` / ``up`` / ``space``, and the words of `read`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from content.article import Article
from content.matching import command

if TYPE_CHECKING:
    from content.dialogue import Dialogue, Reply
    from content.loader import Library
    from voice.control import ReadingSession
    from voice.reader import Reader
    from voice.tts import Voice

SPEAKING_KEYS = {"n": "next", "p": "previous", "b": "previous", "r": "repeat", "-": "slower", "+": "faster",
                 "=": "faster", "w": "where", "0": "start-over", "\n": "pause-resume", "\r": "pause-resume",
                 "q": "stop", "Q": "stop"}
"""read's keys, but space is push-to-talk here: Enter pauses and resumes."""
READER_COMMANDS = {"next": "next", "previous": "previous", "repeat": "repeat", "pause": "pause", "resume": "resume",
                   "stop": "pause", "slower": "slower", "faster": "faster", "more": "resume"}
"""The matcher's command names that act on the reading; "stop" by voice stops the reading (q quits)."""
_WHERE = re.compile(r"\bwhere (am i|are we|is this)\b|\bwhich (section|part)\b")
_FROM_THE_TOP = re.compile(r"\b(start|begin|beginning|top|over)\b")


def reader_event(text: str) -> str | None:
    """The reader event a transcript asks for, or None when it is not a reading command (a question, or nothing)."""
    if not text.strip():
        return None
    if _WHERE.search(text.lower()):  # before the matcher, whose fuzzy match takes "where are we" for "where were we"
        return "where"
    name = command(text)
    if name == "read":  # "start over", "read it from the beginning", or "read" while reading: go on
        return "start-over" if _FROM_THE_TOP.search(text.lower()) else "resume"
    if name in READER_COMMANDS:
        return READER_COMMANDS[name]
    return None


class VoiceReading:
    """The Responder (voice.ptt) for reading: commands drive the reader, questions are answered, then it resumes."""

    def __init__(self, session: ReadingSession, dialogue: Dialogue, sound: Callable[[str], None],
                 show: Callable[[str, str], None], wake_phrase: str | None = None) -> None:
        self.session, self.dialogue, self.sound, self.show = session, dialogue, sound, show
        self.player = session.player
        self._answer: threading.Thread | None = None
        self._cancelled = threading.Event()
        words = (wake_phrase or "").lower().split()
        self._wake = re.compile(r"^\s*(" + r"\s+".join(map(re.escape, words)) + r")\b[\s,.]*") if words else None

    @property
    def reader(self) -> Reader:
        return self.session.reader

    def busy(self) -> bool:
        answer = self._answer
        return answer is not None and answer.is_alive()

    def interrupt(self) -> None:
        """Silence the reading (its place is kept: the reader still counts as playing) and any answer."""
        self._stop_answer()
        self.session.stop()

    def _stop_answer(self) -> None:
        from voice.playback import POLL_S

        self._cancelled.set()
        answer = self._answer
        while answer is not None and answer.is_alive():
            self.player.stop()
            answer.join(POLL_S)
        self._answer = None

    def key(self, event: str) -> None:
        """A reading key (n, p, Enter...): any answer stops, and the reader gets the event."""
        self._stop_answer()
        self.session.handle(event)

    def respond(self, text: str) -> None:
        if self._wake is not None:
            text = self._wake.sub("", text.lower())
        event = reader_event(text)
        self.sound("done")
        if event is not None:
            self.show("command", event)
            self.session.handle(event)
            return
        if not text.strip():
            self._resume()
            return
        reply = self.dialogue.reply(text)
        self._cancelled.clear()
        self._answer = threading.Thread(target=self._say, args=(reply,), name="answer")
        self._answer.start()

    def _resume(self) -> None:
        if self.reader.playing:
            self.session.handle("resume")

    def _say(self, reply: Reply) -> None:
        from content.speech import answer_script
        from voice.playback import PlaybackError
        from voice.tts import VoiceError

        script = answer_script(reply.answer, reply.section)
        try:
            self.player.speak(script, lambda index: self.show("saying", script[index].text))
        except (PlaybackError, VoiceError) as error:
            self.show("error", str(error))
        if not self._cancelled.is_set():
            self._resume()  # the reading goes on at the start of the sentence the question interrupted

    def close(self) -> None:
        self._stop_answer()
        self.session.stop()


@dataclass(frozen=True)
class ReadSetup:
    """What reading under voice control needs, from run.py's options."""

    wake_phrase: str | None = None
    """None: push-to-talk only."""
    input_device: str | None = None
    output_device: str | None = None
    engine: str | None = None
    sound_volume: float = 1.0


def _show(out: IO[str]) -> Callable[[str, str], None]:
    from voice.ptt import terminal_show

    base = terminal_show(out)

    def show(kind: str, text: str) -> None:
        if kind == "state" and text == "idle":
            return  # the reading goes on: nothing to say
        if kind == "command":
            kind, text = "note", f"command: {text}"
        base(kind, text)

    return show


def read_by_voice(article: Article, setup: ReadSetup, library: Library, load_voice: Callable[[], Voice],
                  keys: IO[bytes], out: IO[str], notice: Callable[[str], None], speed: float | None = None) -> int:
    """Read the article aloud from the bookmark, under voice control, until q or the end of scripted input."""
    from content.dialogue import Dialogue
    from voice.control import HELP, WORDS, ReadingSession, bookmark_path, cbreak
    from voice.microphone import Microphone, MicrophoneError, input_device
    from voice.playback import PlaybackError, Player, output_device
    from voice.ptt import LINES, PushToTalk, key_events, sound_player
    from voice.reader import Reader, load_bookmark
    from voice.stt import RecognizerError, load_transcriber
    from voice.tts import VoiceError, VoiceSettings

    wake = endpointer = transcriber = voice = None
    try:
        speaker = output_device(setup.output_device)
        input_device(setup.input_device)
        transcriber = load_transcriber(setup.engine, library, wake_phrase=setup.wake_phrase)
        if setup.wake_phrase:
            from voice.vad import Endpointer, VadError, load_detector
            from voice.wake import WakeError, load_wake_detector

            try:
                wake = load_wake_detector(setup.wake_phrase)
                endpointer = Endpointer(load_detector())
            except (WakeError, VadError) as error:
                raise RecognizerError(str(error)) from None
        voice = load_voice()
    except (PlaybackError, MicrophoneError, RecognizerError, VoiceError) as error:
        if transcriber is not None:
            transcriber.close()
        notice(str(error))
        return 1
    player = Player(voice, speaker)  # type: ignore[arg-type]
    reader = Reader.resume_from(article, load_bookmark(bookmark_path(), notice))
    if speed is not None:
        reader.speed = speed
    voice.settings = VoiceSettings(reader.speed, voice.settings.volume)  # type: ignore[attr-defined]
    session = ReadingSession(reader, player, out, notice)
    show = _show(out)
    sound = sound_player(player, setup.sound_volume, show)
    reading = VoiceReading(session, Dialogue(library), sound, show, setup.wake_phrase)
    talk = PushToTalk(lambda: Microphone(setup.input_device), transcriber, reading, sound, show, wake=wake,
                      endpointer=endpointer)
    how = f'say "{setup.wake_phrase}" or ' if setup.wake_phrase else ""
    print(f"Reading: {article.title}\nto talk: {how}hold space, or tap it to start and again to stop: next, go back, "
          f"repeat, pause, continue, slower, faster, where am I, start over, or a question\n"
          f"{HELP.replace('space pause/resume', 'Enter pause/resume')}", file=out, flush=True)
    words = {**WORDS, **LINES, "q": "stop", "quit": "stop"}
    audio = threading.Thread(target=talk.run, name="listening")
    audio.start()
    try:
        session.handle("start")
        with cbreak(keys) as interactive:
            for event in key_events(keys, interactive, talk.ended, SPEAKING_KEYS, words):
                if event == "stop":
                    break
                if event in ("press", "release", "toggle"):
                    getattr(talk, event)()
                else:
                    reading.key(event)
                if session.error is not None:
                    break
            else:
                talk.settle()  # scripted input ended: let the reading finish (or fail)
                while (thread := session.thread) is not None and thread.is_alive() and not talk.ended.is_set():
                    thread.join(0.1)
    finally:
        talk.stop()
        audio.join()
        reading.close()
        transcriber.close()
        voice.close()
    error = session.error or talk.error
    if error is not None:
        notice(str(error))
        return 1
    return 0


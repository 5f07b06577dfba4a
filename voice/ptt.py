"""Push-to-talk: hold the space bar (or a window's button) to talk; on release the question is answered aloud.

A terminal, and so SSH, sends no key-up event: only characters. Holding a key makes the terminal repeat it (after an
initial delay, then at the repeat rate), so "held" is read from the repeats and "released" from their end:

- the first space starts listening at once (``press``);
- a repeat within HOLD_WAIT_S means the key is held; it is released when no repeat arrives within a gap of
  GAP_FACTOR × the repeat interval measured so far (between MIN_GAP_S and MAX_GAP_S);
- no repeat within HOLD_WAIT_S means it was a tap: listening goes on until the next tap (or MAX_LISTEN_S).

HOLD_WAIT_S must exceed the longest usual auto-repeat delay: X11's default is 660 ms at 25 repeats a second
(``xset q``), GNOME's 500 ms at 33 a second, the Linux console's 250 ms; so 0.8 s. Repeat intervals are 30-100 ms,
so a release is seen 0.15-0.3 s after the key comes up. A terminal whose repeats are off (or a user who taps) gets
the toggle. :class:`HoldDetector` is pure (time is passed in) and tested with no clock.

Standard input that is not a terminal (scripts, tests) is read as lines: ``down``, ``up``, ``space`` (a tap),
``q``. The audio side, :class:`PushToTalk`, runs in one thread of its own that reads the microphone, streams what is
heard to the recognizer while the key is down, and hands the transcript to a :class:`Responder` (which answers it in
a thread of its own, so a press can interrupt it: barge-in). Given a wake detector (voice.wake) and an endpointer
(voice.vad), the wake phrase starts listening too, and the endpointer ends it (`read --listen`). Every thread is
joined on the way out.
"""

from __future__ import annotations

import enum
import logging
import os
import queue
import select
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Protocol

from voice.audio import Audio

if TYPE_CHECKING:
    from content.dialogue import Dialogue
    from content.loader import Library
    from content.speech import Utterance
    from voice.microphone import Microphone
    from voice.playback import Player
    from voice.stt import Transcriber
    from voice.tts import Voice
    from voice.vad import Endpointer
    from voice.wake import WakeDetector

HOLD_WAIT_S = 0.8
"""No repeat this long after the first key press: a tap (toggle), not a hold."""
GAP_FACTOR = 3.0
MIN_GAP_S, MAX_GAP_S = 0.15, 0.5
"""A held key is released when no repeat came for GAP_FACTOR × its repeat interval, within these bounds (MAX_GAP_S
until an interval is measured). MIN_GAP_S leaves room for repeats bunched up by an SSH connection."""
BURST_S = 0.005
"""Repeats closer than this arrived in one read (bunched by the connection): not an interval."""
MAX_LISTEN_S = 15.0
"""A question longer than this is answered as heard so far."""
MIN_LISTEN_S = 0.3
"""A press shorter than this is a slip of the finger: nothing is answered."""
WAKE_LISTEN_S = 5.0
"""After the wake phrase, how long to wait for the command or question to begin."""
READ_S = 0.03
"""The longest the audio thread waits for the microphone before looking at its commands again."""
RETRY_S = 2.0
"""How often a lost microphone is looked for again."""
_LOGGER = logging.getLogger(__name__)
HELP = "hold space and speak, let go when done (or tap space to start and again to stop) · q quits"


class State(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    ANSWERING = "answering"


@dataclass
class HoldDetector:
    """Turns a terminal's key characters (with auto-repeat) into press and release events. Pure: time is passed in.

    ``key(now)`` for each space received; ``tick(now)`` regularly (``deadline()`` says when next it matters). Both
    return the events that follow: "press", "release".
    """

    hold_wait_s: float = HOLD_WAIT_S
    state: str = "up"
    """up; pressed (waiting to see a repeat); held (repeats arrive); latched (a tap: listening until the next)."""
    last_s: float = 0.0
    intervals: list[float] = field(default_factory=list)

    @property
    def gap_s(self) -> float:
        """How long without a repeat means released."""
        if not self.intervals:
            return MAX_GAP_S
        return min(MAX_GAP_S, max(MIN_GAP_S, GAP_FACTOR * statistics.median(self.intervals[-8:])))

    def key(self, now: float) -> list[str]:
        previous, self.last_s = self.last_s, now
        if self.state == "up":
            self.state, self.intervals = "pressed", []
            return ["press"]
        if self.state == "pressed":  # the first repeat, after the keyboard's initial delay
            self.state = "held"
            return []
        if self.state == "held":
            if now - previous > BURST_S:
                self.intervals.append(now - previous)
            return []
        self.state = "up"  # latched: this tap ends it
        return ["release"]

    def tick(self, now: float) -> list[str]:
        if self.state == "pressed" and now - self.last_s > self.hold_wait_s:
            self.state = "latched"
        elif self.state == "held" and now - self.last_s > self.gap_s:
            self.state = "up"
            return ["release"]
        return []

    def deadline(self) -> float | None:
        """When tick() may next change something (None: only a key will)."""
        if self.state == "pressed":
            return self.last_s + self.hold_wait_s
        if self.state == "held":
            return self.last_s + self.gap_s
        return None


LINES = {"down": "press", "press": "press", "up": "release", "release": "release", "space": "toggle",
         "q": "quit", "quit": "quit"}
"""Scripted input (standard input that is not a terminal): one word a line."""


QUIT_KEYS = {"q": "quit", "Q": "quit"}


def key_events(stream: IO[bytes], interactive: bool, stopping: threading.Event,
               keys: dict[str, str] = QUIT_KEYS, words: dict[str, str] = LINES,
               clock: Callable[[], float] = time.monotonic) -> Iterator[str]:
    """Events from a terminal's keys (space: press / release by its auto-repeat, see HoldDetector; other keys
    through ``keys``) or, when not interactive, from scripted lines (through ``words``). Ends at the end of input, or
    when ``stopping`` is set (looked at every 0.1 s)."""
    if not interactive:
        yield from _scripted_events(stream, stopping, words)
        return
    fd = stream.fileno()
    detector = HoldDetector()
    while not stopping.is_set():
        deadline = detector.deadline()
        wait = 0.1 if deadline is None else min(0.1, max(0.0, deadline - clock()))
        ready, _, _ = select.select([fd], [], [], wait)
        data = os.read(fd, 64) if ready else b""
        if ready and not data:
            return
        now = clock()
        for char in data.decode("utf-8", "replace"):
            if char == " ":
                yield from detector.key(now)
            elif char in keys:
                yield keys[char]
        yield from detector.tick(clock())


def _scripted_events(stream: IO[bytes], stopping: threading.Event, words: dict[str, str]) -> Iterator[str]:
    try:
        fd: int | None = stream.fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream: every line is already there
        fd = None
    pending = b""
    while not stopping.is_set():
        if fd is None:
            data = stream.read()
        else:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                continue
            data = os.read(fd, 4096)
        lines = (pending + data).split(b"\n")
        pending = lines.pop() if data else b""
        for raw in lines:
            word = raw.decode("utf-8", "replace").strip().lower()
            event = words.get(word, LINES.get(word))
            if event is not None:
                yield event
        if not data:
            return


class Responder(Protocol):
    """What is done with what the user said."""

    def interrupt(self) -> None:
        """The user started talking: silence now, and wait until silent."""

    def respond(self, text: str) -> None:
        """Act on what was heard ("" when nothing was): start answering and return at once."""

    def busy(self) -> bool:
        """Still answering."""

    def close(self) -> None:
        """Stop and free everything (threads joined)."""


Show = Callable[[str, str], None]
"""show(kind, text): kind is "state" (a State's value), "heard", "saying" or "error"."""


class PushToTalk:
    """The audio side: the microphone, the recognizer while the key is down, and barge-in.

    ``press()``, ``release()`` and ``stop()`` may be called from any thread; ``run()`` does the work in the thread
    that calls it (a terminal's key loop and a window's event loop start it in a thread and join it).
    """

    def __init__(self, microphone: Callable[[], Microphone], transcriber: Transcriber, responder: Responder,
                 sound: Callable[[str], None], show: Show, wake: WakeDetector | None = None,
                 endpointer: Endpointer | None = None, listen_s: float = WAKE_LISTEN_S) -> None:
        self.open_microphone = microphone
        self.wake = wake
        """A wake detector (voice.wake) that starts listening too, or None: the key alone."""
        self.endpointer = endpointer
        """Ends what the wake phrase started (voice.vad.Endpointer); needed with ``wake``."""
        self.listen_s = listen_s
        self._auto = False  # this listening was started by the wake phrase: the endpointer ends it
        self._spoke = False  # the endpointer heard speech start since then
        self.transcriber = transcriber
        self.responder = responder
        self.sound = sound
        self.show = show
        self.state = State.IDLE
        self._commands: queue.SimpleQueue[str | threading.Event] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self.heard_s = 0.0
        """Seconds of audio heard in the current press."""
        self.error: Exception | None = None
        """What ended run(), if something did."""
        self._heard: list[Audio] = []
        self._adapted = not hasattr(transcriber, "adapt")

    def press(self) -> None:
        self._commands.put("press")

    def release(self) -> None:
        self._commands.put("release")

    def toggle(self) -> None:
        self._commands.put("toggle")

    def stop(self) -> None:
        self._stopping.set()

    @property
    def ended(self) -> threading.Event:
        """Set once run() has returned (or stop() was called)."""
        return self._stopping

    def settle(self) -> None:
        """Wait until the commands given so far are carried out and any answer is over (or run() ended)."""
        done = threading.Event()
        self._commands.put(done)
        while not self._stopping.is_set() and not done.wait(0.1):
            pass
        while not self._stopping.is_set() and self.state is State.ANSWERING:
            self._stopping.wait(0.05)

    def _set(self, state: State) -> None:
        self.state = state
        self.show("state", state.value)

    def run(self) -> None:
        """Until stop(): open the microphone (again after losing it) and serve presses."""
        from voice.stt import RecognizerError

        try:
            self._run()
        except RecognizerError as error:  # the recognizer failed mid-stream: say so in one line and end
            self.error = error
            self.show("error", str(error))
        except Exception as error:  # a bug: one line on screen (the details in the log), and the program ends
            _LOGGER.exception("push-to-talk stopped")
            self.error = error
            self.show("error", f"push-to-talk stopped on an unexpected error ({type(error).__name__}: {error})")
        finally:
            self._stopping.set()
            self.responder.interrupt()

    def _run(self) -> None:
        from voice.microphone import MicrophoneError

        lost = False
        while not self._stopping.is_set():
            try:
                with self.open_microphone() as mic:
                    if lost:
                        self.show("error", "the microphone is back")
                        lost = False
                    self._serve(mic)
            except MicrophoneError as error:
                if self.state is State.LISTENING:
                    self.transcriber.finish()
                    self._set(State.IDLE)
                if not lost:
                    self.show("error", str(error))
                    lost = True
                self._stopping.wait(RETRY_S)

    def _serve(self, mic: Microphone) -> None:
        while not self._stopping.is_set():
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                command = None
            if isinstance(command, threading.Event):
                command.set()
                command = None
            if self.state is State.ANSWERING and not self.responder.busy():
                self._set(State.IDLE)
            if command == "toggle":
                command = "release" if self.state is State.LISTENING else "press"
            if command == "press" and self.state is not State.LISTENING:
                self._start(mic)
            elif command == "release" and self.state is State.LISTENING:
                self._finish()
            chunk = mic.read(READ_S)
            if chunk is None:
                continue
            if self.state is not State.LISTENING:
                if self.wake is not None and self.wake.process(chunk):
                    self.wake.reset()
                    self._start(mic, auto=True)
                continue
            self.transcriber.accept(chunk)
            self.heard_s += chunk.seconds
            if not self._adapted:
                self._heard.append(chunk)
            if self.heard_s >= MAX_LISTEN_S or (self._auto and self._ended(chunk)):
                self._finish()

    def _ended(self, chunk: Audio) -> bool:
        """After the wake phrase: the question is over, or none began within listen_s."""
        from voice.vad import Ended, Started, TooLong

        assert self.endpointer is not None
        for event in self.endpointer.process(chunk):
            if isinstance(event, Started):
                self._spoke = True
            elif isinstance(event, (Ended, TooLong)):
                return True
        return not self._spoke and self.heard_s >= self.listen_s

    def _start(self, mic: Microphone, auto: bool = False) -> None:
        self.responder.interrupt()  # barge-in: silence the answer before listening
        self.sound("listening")
        mic.drain()  # what the microphone heard until now was the room, the answer and our own chime
        self.transcriber.start()
        self.heard_s = 0.0
        self._auto, self._spoke = auto and self.endpointer is not None, False
        if self.endpointer is not None and self._auto:
            self.endpointer.reset()
        self.state = State.LISTENING
        self.show("state", "listening-hands-free" if self._auto else "listening")

    def _finish(self) -> None:
        text = self.transcriber.finish().text
        if self.heard_s < MIN_LISTEN_S:
            self._heard = []
            self._set(State.IDLE)
            return
        if not self._adapted:
            # PocketSphinx learns the channel (microphone, room, voice) from what it heard before; the first
            # question has nothing before it and lost its first word ("how long..."): decode it once more, with
            # the channel learnt from itself (~0.1 s for a 3 s question). Later questions stream as they are.
            audio = Audio(b"".join(chunk.pcm for chunk in self._heard))
            text = self.transcriber.transcribe(audio).text
            self._heard, self._adapted = [], True
        self._set(State.ANSWERING)
        self.show("heard", text)
        self.responder.respond(text)


class SpokenAnswers:
    """A Responder that answers questions with the Dialogue, aloud: the done sound, then the answer."""

    def __init__(self, dialogue: Dialogue, player: Player, sound: Callable[[str], None], show: Show) -> None:
        self.dialogue, self.player, self.sound, self.show = dialogue, player, sound, show
        self._thread: threading.Thread | None = None

    def busy(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def respond(self, text: str) -> None:
        from content.speech import answer_script

        self.interrupt()
        reply = self.dialogue.reply(text)
        script = answer_script(reply.answer, reply.section)
        self._thread = threading.Thread(target=self._speak, args=(script,), name="answer")
        self._thread.start()

    def _speak(self, script: list[Utterance]) -> None:
        from voice.playback import PlaybackError
        from voice.tts import VoiceError

        try:
            self.sound("done")
            self.player.speak(script, lambda index: self.show("saying", script[index].text))
        except (PlaybackError, VoiceError) as error:
            self.show("error", str(error))

    def interrupt(self) -> None:
        from voice.playback import POLL_S

        thread = self._thread
        while thread is not None and thread.is_alive():
            self.player.stop()  # again each time: a speak() just starting clears the flag
            thread.join(POLL_S)
        self._thread = None

    def close(self) -> None:
        self.interrupt()


def terminal_show(out: IO[str]) -> Show:
    """A Show that prints one line per change, for a terminal or a pipe."""
    marks = {"idle": "· ready: hold space to talk", "listening": "● listening… (let go of space when done)",
             "listening-hands-free": "● listening… (ask now)", "answering": None}

    def show(kind: str, text: str) -> None:
        if kind == "state":
            line = marks.get(text)
        elif kind == "heard":
            line = f'heard: "{text}"' if text else "heard: (nothing)"
        elif kind == "saying":
            line = f"saying: {text}"
        else:
            line = f"note: {text}"
        if line is None:
            return
        try:
            print(line, file=out, flush=True)
        except (OSError, ValueError):  # a closed screen does not stop the assistant
            pass

    return show


@dataclass(frozen=True)
class Setup:
    """What a push-to-talk run needs, from run.py's options."""

    input_device: str | None = None
    output_device: str | None = None
    engine: str | None = None
    sound_volume: float = 1.0


def prepare(setup: Setup, library: Library, load_voice: Callable[[], Voice],
            notice: Callable[[str], None]) -> tuple[Player, Transcriber, Callable[[], Microphone]] | None:
    """Check the devices, load the recognizer and the voice: (player, transcriber, microphone factory), or None
    after a one-line notice saying what to do."""
    from voice.microphone import Microphone, MicrophoneError, input_device
    from voice.playback import PlaybackError, Player, output_device
    from voice.stt import RecognizerError, load_transcriber
    from voice.tts import VoiceError

    try:
        speaker = output_device(setup.output_device)
        input_device(setup.input_device)
        transcriber = load_transcriber(setup.engine, library)
    except (PlaybackError, MicrophoneError, RecognizerError) as error:
        notice(str(error))
        return None
    try:
        voice = load_voice()
    except VoiceError as error:
        transcriber.close()
        notice(str(error))
        return None
    return Player(voice, speaker), transcriber, lambda: Microphone(setup.input_device)


def sound_player(player: Player, volume: float, show: Show) -> Callable[[str], None]:
    """sound(name): the earcon on the player's device; a failure is shown, never raised (it is only a cue)."""
    from voice.playback import PlaybackError
    from voice.sounds import play_sound

    def sound(name: str) -> None:
        if volume <= 0:
            return
        try:
            play_sound(player, name, volume)
        except PlaybackError as error:
            show("error", str(error))

    return sound


def talk_in_terminal(setup: Setup, library: Library, load_voice: Callable[[], Voice], keys: IO[bytes],
                     out: IO[str], notice: Callable[[str], None]) -> int:
    """`run.py ptt`: push-to-talk in the terminal until q or the end of scripted input; returns the exit status."""
    from content.dialogue import Dialogue
    from voice.control import cbreak

    ready = prepare(setup, library, load_voice, notice)
    if ready is None:
        return 1
    player, transcriber, microphone = ready
    show = terminal_show(out)
    sound = sound_player(player, setup.sound_volume, show)
    answers = SpokenAnswers(Dialogue(library), player, sound, show)
    talk = PushToTalk(microphone, transcriber, answers, sound, show)
    print(f"Push to talk: {HELP}", file=out, flush=True)
    audio = threading.Thread(target=talk.run, name="push-to-talk")
    audio.start()
    try:
        with cbreak(keys) as interactive:
            for event in key_events(keys, interactive, talk.ended):
                if event == "quit":
                    break
                getattr(talk, event)()
            else:
                talk.settle()  # scripted input ended: let the last answer finish
    finally:
        talk.stop()
        audio.join()
        answers.close()
        transcriber.close()
        player.voice.close()
    return 1 if talk.error is not None else 0

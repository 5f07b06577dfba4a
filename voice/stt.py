"""Speech to text: one interface, one module per engine (``stt_pocketsphinx``, ``stt_vosk``).

Audio goes in as chunks of 16 kHz mono 16-bit PCM (:class:`voice.audio.Audio`); partial transcripts come out while
it streams, and a final transcript when the utterance ends. Engines are found with ``importlib.util.find_spec``
without importing them (some crash on import on a Pi), and imported only when chosen.
"""

from __future__ import annotations

import abc
import importlib.util
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from voice.audio import Audio

if TYPE_CHECKING:
    from content.loader import Library

ENGINES = ("pocketsphinx", "vosk")
_LOGGER = logging.getLogger(__name__)


class RecognizerError(Exception):
    """A recognizer cannot start or run; the message says what to do (install, download a model...)."""


@dataclass(frozen=True)
class Word:
    """One recognised word."""

    text: str
    confidence: float
    """0-1, as the engine reports it (1.0 where the engine gives none)."""

    start: float = 0.0
    """Seconds from the start of the utterance."""

    end: float = 0.0


@dataclass(frozen=True)
class Transcript:
    """What was heard in one utterance."""

    text: str
    """The words, lowercase, unknown words left out."""

    words: tuple[Word, ...] = field(default_factory=tuple)
    is_final: bool = True


class Transcriber(abc.ABC):
    """A streaming recognizer for one utterance at a time."""

    name: str = "?"

    @abc.abstractmethod
    def start(self) -> None:
        """Begin a new utterance (drops anything from the previous one)."""

    @abc.abstractmethod
    def accept(self, chunk: Audio) -> Transcript | None:
        """Feed a chunk (16 kHz mono); returns a partial transcript when the engine has one."""

    @abc.abstractmethod
    def finish(self) -> Transcript:
        """End the utterance and return the final transcript."""

    def transcribe(self, audio: Audio, chunk_seconds: float = 0.1) -> Transcript:
        """A whole recording, streamed in chunks as a microphone would deliver it."""
        self.start()
        step = max(1, int(audio.rate_hz * chunk_seconds)) * 2 * audio.channels
        for offset in range(0, len(audio.pcm), step):
            self.accept(Audio(audio.pcm[offset:offset + step], audio.rate_hz, audio.channels))
        return self.finish()

    def close(self) -> None:
        """Free the engine's resources."""


def load_transcriber(engine: str | None, library: Library, wake_phrase: str | None = None,
                     noise_suppression: bool = False) -> Transcriber:
    """The recognizer to use, adapted to the library's articles.

    ``engine`` None chooses: Vosk when an English Vosk model is installed under ``models/`` and the ``vosk``
    package is there, else PocketSphinx (which needs no download). The choice is logged once.
    ``noise_suppression`` puts WebRTC noise suppression in front of PocketSphinx (``voice.noise``; it needs
    ``webrtc-noise-gain``). Off by default: it measured better in steady noise and worse with other people
    talking and in quiet (README, "Listening").
    """
    from content.corpus import WAKE_PHRASE

    phrase = WAKE_PHRASE if wake_phrase is None else wake_phrase
    reason = "asked for"
    if engine is None:
        engine, reason = _automatic_engine()
    if engine not in ENGINES:
        raise RecognizerError(f"unknown speech engine '{engine}'; choose one of: {', '.join(ENGINES)}")
    if engine == "vosk":
        from voice.stt_vosk import load_vosk_transcriber

        transcriber = load_vosk_transcriber(library, phrase)
    else:
        if importlib.util.find_spec("pocketsphinx") is None:
            raise RecognizerError("PocketSphinx is not installed; install it with: pip install pocketsphinx")
        from voice.langmodel import LanguageModelError, build_language_model
        from voice.stt_pocketsphinx import PocketSphinxTranscriber

        try:
            model = build_language_model(library, phrase)
        except LanguageModelError as error:
            raise RecognizerError(str(error)) from None
        from voice.noise import NoiseFilter, NoiseFilterError

        try:
            noise_filter = NoiseFilter() if noise_suppression else None
        except NoiseFilterError as error:
            raise RecognizerError(str(error)) from None
        transcriber = PocketSphinxTranscriber(model, noise_filter=noise_filter)
        if noise_filter is not None:
            reason += ", with noise suppression"
    _LOGGER.info("speech recognition: %s (%s)", transcriber.name, reason)
    return transcriber


def _automatic_engine() -> tuple[str, str]:
    """("vosk", why) when an English Vosk model and the vosk package are installed, else ("pocketsphinx", why)."""
    if importlib.util.find_spec("vosk") is not None:
        try:
            from models import installed_vosk_model
        except ImportError:
            installed_vosk_model = None  # type: ignore[assignment]
        model = installed_vosk_model() if installed_vosk_model is not None else None
        if model is not None:
            return "vosk", f"an English Vosk model is installed: {model}"
        return "pocketsphinx", "no English Vosk model installed; add one with: python run.py models download NAME"
    return "pocketsphinx", "the embedded default"

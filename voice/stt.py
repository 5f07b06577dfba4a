"""Speech to text: one interface, one module per engine (``stt_pocketsphinx``, ``stt_vosk``).

Audio goes in as chunks of 16 kHz mono 16-bit PCM (:class:`voice.audio.Audio`); partial transcripts come out while
it streams, and a final transcript when the utterance ends. Engines are found with ``importlib.util.find_spec``
without importing them (some crash on import on a Pi), and imported only when chosen.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from voice.audio import Audio


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

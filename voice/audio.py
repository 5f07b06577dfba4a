"""Audio as one type: raw PCM and its format. A WAV file, a microphone and a voice all produce ``Audio``.

Time is computed from sample counts, never from the wall clock, so tests need no clock.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

RATE_HZ = 16000
"""The rate the recognizers are fed."""
WIDTH_BYTES = 2
"""16-bit signed little-endian samples throughout."""


@dataclass(frozen=True)
class Audio:
    """A stretch of 16-bit PCM audio."""

    pcm: bytes
    """Signed 16-bit little-endian samples, channels interleaved."""

    rate_hz: int = RATE_HZ
    """Samples per second."""

    channels: int = 1
    """1 for mono."""

    @property
    def frames(self) -> int:
        return len(self.pcm) // (WIDTH_BYTES * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate_hz

    def to_wav(self) -> bytes:
        """The audio as the bytes of a WAV file."""
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(self.channels)
            wav.setsampwidth(WIDTH_BYTES)
            wav.setframerate(self.rate_hz)
            wav.writeframes(self.pcm)
        return buffer.getvalue()

    def __add__(self, other: Audio) -> Audio:
        if (other.rate_hz, other.channels) != (self.rate_hz, self.channels):
            raise ValueError("cannot join audio of different formats")
        return Audio(self.pcm + other.pcm, self.rate_hz, self.channels)


def silence(seconds: float, rate_hz: int = RATE_HZ, channels: int = 1) -> Audio:
    """Digital silence of the given length."""
    return Audio(b"\x00\x00" * channels * round(seconds * rate_hz), rate_hz, channels)

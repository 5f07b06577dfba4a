"""Noise suppression in front of the recognizer: WebRTC's noise suppressor (``webrtc-noise-gain`` on PyPI).

Measured on the speech benchmark (README, "Listening"): in front of PocketSphinx it helps with steady noise (a fan,
a hiss: pink noise 10 dB below the speech, 39% → 48% right section) and hurts with other people talking (34% → 27%)
and a little in quiet (83% → 80%), so it is an option (``--noise-suppression``), off by default. Gain control is off
too: PocketSphinx normalises the level itself (cepstral mean normalisation).

Streaming: WebRTC works on 10 ms frames, so a chunk's last partial frame waits for the next chunk; ``flush()`` pads
and returns it at the end of an utterance. The delay this adds is under 10 ms.
"""

from __future__ import annotations

from typing import Any

from voice.audio import RATE_HZ, Audio

FRAME_BYTES = RATE_HZ // 100 * 2
"""10 ms of 16 kHz 16-bit mono."""
SUPPRESSION_LEVEL = 2
"""WebRTC's noise suppression level, 0 (off) to 4 (strongest); 2 measured best, stronger ones cut into speech."""
GAIN_DBFS = 0
"""WebRTC's automatic gain target; 0 turns gain control off."""


class NoiseFilterError(Exception):
    """The noise filter cannot start; the message says what to install."""


class NoiseFilter:
    """WebRTC noise suppression over a stream of 16 kHz mono chunks."""

    def __init__(self, level: int = SUPPRESSION_LEVEL, gain_dbfs: int = GAIN_DBFS) -> None:
        try:
            from webrtc_noise_gain import AudioProcessor
        except ImportError:
            raise NoiseFilterError("noise suppression needs webrtc-noise-gain; install it with: "
                                   "pip install webrtc-noise-gain") from None
        self._new: Any = lambda: AudioProcessor(gain_dbfs, level)
        self._processor = self._new()
        self._pending = b""

    def reset(self) -> None:
        """Start afresh (a new utterance, or audio from somewhere else)."""
        self._processor = self._new()
        self._pending = b""

    def process(self, chunk: Audio) -> Audio:
        """The chunk with noise suppressed; up to 10 ms of it is held back until the next chunk."""
        data = self._pending + chunk.pcm
        whole = len(data) - len(data) % FRAME_BYTES
        self._pending = data[whole:]
        out = b"".join(self._processor.Process10ms(data[i:i + FRAME_BYTES]).audio for i in range(0, whole, FRAME_BYTES))
        return Audio(out, RATE_HZ, 1)

    def flush(self) -> Audio:
        """What is held back, padded to a whole frame and filtered (the padding is cut off again)."""
        if not self._pending:
            return Audio(b"", RATE_HZ, 1)
        size = len(self._pending)
        frame = self._processor.Process10ms(self._pending + bytes(FRAME_BYTES - size)).audio
        self._pending = b""
        return Audio(frame[:size], RATE_HZ, 1)

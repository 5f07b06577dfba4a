"""WAV files in, :class:`voice.audio.Audio` at 16 kHz mono out: whatever format a user's recorder wrote.

Accepted: PCM at 8-96 kHz, mono or stereo (downmixed), 16-, 24- or 32-bit integer or 32/64-bit float, plain or
WAVE_FORMAT_EXTENSIBLE headers, up to ``MAX_SECONDS``. The standard ``wave`` module reads only integer PCM, so the
chunks are parsed here. Resampling uses soxr (small wheels for x86 and ARM, fast enough for a Raspberry Pi).
Anything else raises :class:`WavError` with a one-line message that says what is accepted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from voice.audio import RATE_HZ, Audio

MIN_RATE_HZ = 8000
MAX_RATE_HZ = 96000
MAX_CHANNELS = 2
MAX_SECONDS = 600.0
"""Ten minutes: far longer than any question; a longer file is not what ``ask --wav`` is for."""
ACCEPTED = "16-bit or float PCM WAV, mono or stereo, 8-96 kHz"
"""Said in every format error, so the user knows what to convert to."""

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE


class WavError(Exception):
    """A file that cannot be read as a WAV; ``str()`` is one line naming the file and what is wrong."""


@dataclass(frozen=True)
class WavFormat:
    """What a WAV's ``fmt`` chunk says."""

    encoding: str
    """"int" or "float"."""

    bits: int
    channels: int
    rate_hz: int

    @property
    def frame_bytes(self) -> int:
        return self.bits // 8 * self.channels


def read_wav(path: str | Path) -> Audio:
    """The file as 16 kHz mono audio; WavError if it is missing, unreadable or not an accepted WAV."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WavError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise WavError(f"{path}: is a folder, not a WAV file") from None
    except OSError as error:
        raise WavError(f"{path}: cannot read it ({error.strerror or error})") from None
    return decode_wav(data, str(path))


def decode_wav(data: bytes, name: str = "audio") -> Audio:
    """The bytes of a WAV file as 16 kHz mono audio."""
    fmt, samples = parse_wav(data, name)
    return Audio(to_mono_16k(samples, fmt), RATE_HZ, 1)


def parse_wav(data: bytes, name: str = "audio") -> tuple[WavFormat, bytes]:
    """The format and the raw sample bytes of a WAV file, checked."""
    if not data:
        raise WavError(f"{name}: the file is empty; expected a {ACCEPTED}")
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise WavError(f"{name}: not a WAV file (no RIFF/WAVE header); expected a {ACCEPTED}")
    fmt: WavFormat | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = offset + 8
        if chunk_id == b"fmt ":
            if body + min(size, 16) > len(data) or size < 16:
                raise WavError(f"{name}: the WAV header is truncated; the file is damaged or was cut short")
            fmt = _format(data[body:body + size], name)
        elif chunk_id == b"data":
            if fmt is None:
                raise WavError(f"{name}: the WAV header is damaged (audio data before the format); re-save the file")
            # A recorder that was stopped abruptly leaves a size that runs past the end (or 0xFFFFFFFF): keep
            # what is there, whole frames only.
            end = len(data) if size in (0, 0xFFFFFFFF) or body + size > len(data) else body + size
            samples = data[body:end]
            samples = samples[:len(samples) - len(samples) % fmt.frame_bytes]
            if not samples:
                raise WavError(f"{name}: the WAV holds no audio (zero length)")
            if len(samples) / fmt.frame_bytes / fmt.rate_hz > MAX_SECONDS:
                raise WavError(f"{name}: longer than {MAX_SECONDS / 60:.0f} minutes; cut it to the question")
            return fmt, samples
        offset = body + size + (size & 1)  # chunks are padded to an even length
    if fmt is None:
        raise WavError(f"{name}: the WAV header is truncated (no format chunk); the file is damaged or was cut short")
    raise WavError(f"{name}: the WAV holds no audio (no data chunk)")


def _format(chunk: bytes, name: str) -> WavFormat:
    tag, channels, rate_hz, _byte_rate, _block, bits = struct.unpack_from("<HHIIHH", chunk)
    if tag == _EXTENSIBLE and len(chunk) >= 26:
        tag = struct.unpack_from("<H", chunk, 24)[0]  # the first two bytes of the sub-format GUID
    if tag == _PCM and bits in (16, 24, 32):
        encoding = "int"
    elif tag == _FLOAT and bits in (32, 64):
        encoding = "float"
    elif tag == _PCM and bits == 8:
        raise WavError(f"{name}: 8-bit audio is too coarse to recognise; expected a {ACCEPTED}")
    elif tag in (_PCM, _FLOAT):
        raise WavError(f"{name}: {bits}-bit samples are not supported; expected a {ACCEPTED}")
    else:
        raise WavError(f"{name}: compressed WAV (format {tag:#06x}) is not supported; expected a {ACCEPTED}")
    if channels == 0:
        raise WavError(f"{name}: the WAV header says 0 channels; the file is damaged")
    if channels > MAX_CHANNELS:
        raise WavError(f"{name}: {channels} channels; expected a {ACCEPTED}")
    if not MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ:
        raise WavError(f"{name}: sample rate {rate_hz} Hz; expected a {ACCEPTED}")
    return WavFormat(encoding, bits, channels, rate_hz)


def to_mono_16k(samples: bytes, fmt: WavFormat) -> bytes:
    """Raw samples in ``fmt`` as 16 kHz mono 16-bit PCM."""
    import numpy as np

    if fmt.encoding == "float":
        signal = np.frombuffer(samples, dtype="<f4" if fmt.bits == 32 else "<f8").astype(np.float32)
        signal = np.nan_to_num(signal, nan=0.0, posinf=1.0, neginf=-1.0)
    elif fmt.bits == 24:
        raw = np.frombuffer(samples, dtype=np.uint8).reshape(-1, 3)
        joined = (raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8) | (raw[:, 2].astype(np.int32) << 16))
        signal = ((joined << 8) >> 8).astype(np.float32) / 8388608.0  # sign-extend 24 bits
    else:
        dtype, scale = ("<i2", 32768.0) if fmt.bits == 16 else ("<i4", 2147483648.0)
        signal = np.frombuffer(samples, dtype=dtype).astype(np.float32) / scale
    if fmt.channels > 1:
        signal = signal.reshape(-1, fmt.channels).mean(axis=1)
    if fmt.rate_hz != RATE_HZ:
        import soxr

        signal = soxr.resample(signal, fmt.rate_hz, RATE_HZ, quality="HQ")
    return (np.clip(signal, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes()

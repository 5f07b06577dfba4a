"""voice.wav: every WAV a user may have comes in as 16 kHz mono; every broken one gets a one-line error."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from voice.audio import RATE_HZ
from voice.wav import WavError, decode_wav, read_wav

TONE_HZ = 440.0


def tone(rate_hz: int, seconds: float = 0.5, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    return (amplitude * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)


def riff(fmt: bytes, data: bytes, data_size: int | None = None) -> bytes:
    """A WAV file built by hand, so any header (float, 24-bit, extensible, broken) can be made."""
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(tag: int, channels: int, rate_hz: int, bits: int) -> bytes:
    block = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate_hz, rate_hz * block, block, bits)


def int16_wav(signal: np.ndarray, rate_hz: int, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes((signal * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def dominant_hz(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE_HZ)[spectrum.argmax()])


@pytest.mark.parametrize("rate_hz", [8000, 11025, 16000, 22050, 32000, 44100, 48000])
def test_any_rate_becomes_16k_with_the_pitch_kept(rate_hz: int) -> None:
    audio = decode_wav(int16_wav(tone(rate_hz), rate_hz))
    assert (audio.rate_hz, audio.channels) == (RATE_HZ, 1)
    assert audio.seconds == pytest.approx(0.5, abs=0.01)
    assert dominant_hz(audio.pcm) == pytest.approx(TONE_HZ, abs=3)


def test_stereo_is_mixed_down() -> None:
    left, right = tone(44100), np.zeros(22050, np.float32)
    audio = decode_wav(int16_wav(np.stack([left, right], axis=1).reshape(-1), 44100, channels=2))
    samples = np.frombuffer(audio.pcm, dtype="<i2")
    assert audio.channels == 1
    assert dominant_hz(audio.pcm) == pytest.approx(TONE_HZ, abs=3)
    assert np.abs(samples).max() == pytest.approx(0.25 * 32768, rel=0.05)  # half of one channel's 0.5


def test_float32_extensible_and_24_bit() -> None:
    signal = tone(48000)
    float_wav = riff(fmt_chunk(3, 1, 48000, 32), signal.astype("<f4").tobytes())
    ints = (signal * 8388607).astype(np.int32)
    packed = np.stack([ints & 0xFF, (ints >> 8) & 0xFF, (ints >> 16) & 0xFF], axis=1).astype(np.uint8).tobytes()
    extensible = struct.pack("<HHIIHHHHI", 0xFFFE, 1, 48000, 48000 * 3, 3, 24, 22, 24, 4) + \
        struct.pack("<H", 1) + bytes(14)  # sub-format: PCM
    for data in (float_wav, riff(extensible, packed)):
        audio = decode_wav(data)
        assert dominant_hz(audio.pcm) == pytest.approx(TONE_HZ, abs=3)
        assert np.abs(np.frombuffer(audio.pcm, dtype="<i2")).max() == pytest.approx(0.5 * 32768, rel=0.05)


def test_a_loud_float_file_is_clipped_not_wrapped() -> None:
    audio = decode_wav(riff(fmt_chunk(3, 1, 16000, 32), (tone(16000) * 4).astype("<f4").tobytes()))
    samples = np.frombuffer(audio.pcm, dtype="<i2")
    assert samples.max() == 32767 and samples.min() == -32768


def test_a_data_size_past_the_end_keeps_what_is_there() -> None:
    # Recorders that are killed leave the placeholder size: the audio that was written is still good.
    data = (tone(16000) * 32767).astype("<i2").tobytes()
    audio = decode_wav(riff(fmt_chunk(1, 1, 16000, 16), data + b"\x01", data_size=0xFFFFFFFF))
    assert audio.seconds == pytest.approx(0.5, abs=0.001)


def test_other_chunks_before_the_data_are_skipped() -> None:
    data = (tone(16000) * 32767).astype("<i2").tobytes()
    wav = riff(fmt_chunk(1, 1, 16000, 16), data)
    wav = wav[:36] + b"LIST" + struct.pack("<I", 5) + b"INFO!" + b"\x00" + wav[36:]  # odd size, padded
    assert decode_wav(wav).pcm == data


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"ID3\x04 this is an mp3", "not a WAV file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00", "header is truncated"),
    (b"RIFF\x04\x00\x00\x00WAVE", "header is truncated"),
    (riff(fmt_chunk(1, 1, 16000, 16), b""), "no audio (zero length)"),
    (riff(fmt_chunk(1, 1, 16000, 8), bytes(800)), "8-bit audio"),
    (riff(fmt_chunk(1, 3, 16000, 16), bytes(960)), "3 channels"),
    (riff(fmt_chunk(0x55, 1, 16000, 16), bytes(960)), "compressed WAV"),
    (riff(fmt_chunk(1, 1, 4000, 16), bytes(960)), "sample rate 4000 Hz"),
])
def test_bad_files_get_one_line_that_says_what_is_accepted(data: bytes, message: str) -> None:
    with pytest.raises(WavError) as raised:
        decode_wav(data, "question.wav")
    text = str(raised.value)
    assert text.startswith("question.wav: ") and message in text
    assert "\n" not in text
    if "format" in message or "bit" in message or "channels" in message or "rate" in message:
        assert "16-bit or float PCM WAV, mono or stereo" in text


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    with pytest.raises(WavError, match="no such file"):
        read_wav(tmp_path / "nothing.wav")
    with pytest.raises(WavError, match="is a folder"):
        read_wav(tmp_path)


def test_reading_a_file_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "q.wav"
    path.write_bytes(int16_wav(tone(22050), 22050))
    assert read_wav(path).seconds == pytest.approx(0.5, abs=0.01)

"""The listening and done sounds: short, soft, click-free, and told apart by their pitch going up or down."""

from __future__ import annotations

import numpy as np
import pytest

from voice.sounds import HIGH_HZ, LOW_HZ, PEAK, QUIET_NIGHT, SOUNDS, sound


def samples(name: str, rate_hz: int = 22050, volume: float = 1.0) -> np.ndarray:
    audio = sound(name, rate_hz, volume)
    assert audio.rate_hz == rate_hz and audio.channels == 1
    return np.frombuffer(audio.pcm, dtype="<i2").astype(float)


def pitch(part: np.ndarray, rate_hz: int) -> float:
    """The strongest frequency of a stretch of audio (windowed FFT, zero-padded for resolution)."""
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part)), n=1 << 16))
    return float(np.fft.rfftfreq(1 << 16, 1 / rate_hz)[spectrum.argmax()])


@pytest.mark.parametrize("rate_hz", [16000, 22050, 44100, 48000])
@pytest.mark.parametrize("name", list(SOUNDS))
def test_short_soft_and_unclipped(name: str, rate_hz: int) -> None:
    x = samples(name, rate_hz)
    assert 0.12 <= len(x) / rate_hz <= 0.2
    peak = np.abs(x).max() / 32768
    assert peak == pytest.approx(PEAK, abs=0.01)  # well below full scale: never clipped
    assert np.abs(x).max() < 32767


@pytest.mark.parametrize("name", list(SOUNDS))
def test_no_clicks(name: str) -> None:
    x = samples(name) / 32768
    # starts and ends at silence...
    assert abs(x[0]) < 1e-3 and abs(x[-1]) < 1e-3
    assert np.abs(x[:20]).max() < 0.05 and np.abs(x[-20:]).max() < 0.01
    # ...and never jumps: the largest step between samples is what a sine at the top note can do
    max_step = 2 * np.pi * HIGH_HZ * 2 / 22050 * PEAK * 1.3
    assert np.abs(np.diff(x)).max() < max_step


def test_listening_rises_and_done_falls() -> None:
    rate = 22050
    for name, (first, second) in (("listening", (LOW_HZ, HIGH_HZ)), ("done", (HIGH_HZ, LOW_HZ))):
        x = samples(name, rate)
        head, tail = x[:round(0.06 * rate)], x[round(0.09 * rate):]
        assert pitch(head, rate) == pytest.approx(first, rel=0.03), name
        assert pitch(tail, rate) == pytest.approx(second, rel=0.03), name
    assert sound("listening").pcm != sound("done").pcm


def test_volume_scales_and_quiet_night_is_softer() -> None:
    full, quiet = samples("listening"), samples("listening", volume=QUIET_NIGHT.sound_volume)
    assert np.abs(quiet).max() == pytest.approx(np.abs(full).max() * 0.3, rel=0.01)
    assert not samples("done", volume=0.0).any()
    assert QUIET_NIGHT.voice_volume < 1.0 and QUIET_NIGHT.speed is not None and QUIET_NIGHT.speed < 1.0


def test_unknown_sound() -> None:
    with pytest.raises(ValueError, match="listening"):
        sound("beep")


@pytest.mark.parametrize("command", ["ptt", "read", "listen"])
def test_the_quiet_night_option(command: str) -> None:
    from run import _sound_volume, build_parser

    args = build_parser().parse_args([command, "--quiet-night"])
    assert _sound_volume(args) == QUIET_NIGHT.sound_volume
    assert (args.volume, args.rate) == (QUIET_NIGHT.voice_volume, QUIET_NIGHT.speed)
    # what is asked for explicitly stays: its own rate, a softer volume
    args = build_parser().parse_args([command, "--quiet-night", "--rate", "1.2", "--volume", "0.2"])
    assert _sound_volume(args) == QUIET_NIGHT.sound_volume and (args.volume, args.rate) == (0.2, 1.2)
    args = build_parser().parse_args([command])
    assert _sound_volume(args) == 1.0 and (args.volume, args.rate) == (1.0, None)

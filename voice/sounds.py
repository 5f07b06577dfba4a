"""Earcons: a short rising chime when the assistant starts listening, a falling one when it stops.

Generated with numpy (no sound files to ship): two soft sine notes a fourth apart (E5 and A5), each with a smooth
raised-cosine attack and an exponential decay that ends on a raised-cosine fade, so there is no click at either end.
A little of the octave above gives the notes a bell's colour without any harshness. The second note starts while
the first fades, so the pair is heard as one gesture of ~160 ms: up for "listening", down for "done".

The sounds are made at the rate of the voice they play beside (or of the device, if it refuses that rate), so they
never need resampling. ``volume`` scales them; the quiet-night setting (QUIET_NIGHT) plays them and the voice softer,
and the voice slower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice.audio import Audio

SOUND_RATE_HZ = 22050
"""The rate of both voices (espeak-ng and Piper's joe): the default when no voice is given."""
LOW_HZ, HIGH_HZ = 659.26, 880.0
"""E5 and A5: a fourth, gentle and clear over a small speaker."""
NOTE_S = 0.09
"""Length of one note; the second starts NOTE_STEP_S after the first."""
NOTE_STEP_S = 0.07
ATTACK_S = 0.008
"""Raised-cosine attack: long enough to avoid a click, short enough to sound like a chime."""
RELEASE_S = 0.02
"""Raised-cosine fade at each note's end, so the decay reaches exactly zero."""
DECAY_PER_S = 18.0
"""Exponential decay rate of each note (a bell, not an organ)."""
OVERTONE = 0.12
"""Level of the octave above, relative to the note."""
PEAK = 0.5
"""Peak level at volume 1.0, as a share of full scale: a cue, not an alarm."""
SOUNDS = {"listening": (LOW_HZ, HIGH_HZ), "done": (HIGH_HZ, LOW_HZ)}
"""Each sound's two notes, in order."""


@dataclass(frozen=True)
class Loudness:
    """How loud the sounds and the voice are, and how fast the voice speaks."""

    sound_volume: float = 1.0
    """0-1: the listening and done sounds."""

    voice_volume: float = 1.0
    """0-1: the voice (passed to VoiceSettings.volume)."""

    speed: float | None = None
    """The voice's speed (None: as given or saved)."""


NORMAL = Loudness()
QUIET_NIGHT = Loudness(sound_volume=0.3, voice_volume=0.3, speed=0.85)
"""For a dark room with a sleeping baby: a third of the level, and a little slower."""


def _note(frequency_hz: float, rate_hz: int) -> np.ndarray:
    t = np.arange(round(NOTE_S * rate_hz)) / rate_hz
    tone = np.sin(2 * np.pi * frequency_hz * t) + OVERTONE * np.sin(4 * np.pi * frequency_hz * t)
    envelope = np.exp(-DECAY_PER_S * t)
    attack = round(ATTACK_S * rate_hz)
    envelope[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    release = round(RELEASE_S * rate_hz)
    envelope[-release:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, release + 1) / release)
    return tone * envelope


def sound(name: str, rate_hz: int = SOUND_RATE_HZ, volume: float = 1.0) -> Audio:
    """The named sound (see SOUNDS) as 16-bit mono Audio at ``rate_hz``, its peak at PEAK × volume of full scale."""
    if name not in SOUNDS:
        raise ValueError(f"unknown sound {name!r}; one of: {', '.join(SOUNDS)}")
    first, second = (_note(f, rate_hz) for f in SOUNDS[name])
    step = round(NOTE_STEP_S * rate_hz)
    samples = np.zeros(step + len(second))
    samples[:len(first)] += first
    samples[step:] += second
    samples *= PEAK * min(1.0, max(0.0, volume)) / max(1e-9, float(np.abs(samples).max()))
    return Audio(np.round(samples * 32767).astype("<i2").tobytes(), rate_hz)


def voice_rate(voice: object) -> int:
    """The sample rate a voice speaks at (both voices here: 22.05 kHz)."""
    return int(getattr(voice, "rate_hz", None) or SOUND_RATE_HZ)


def play_sound(target: object, name: str, volume: float = 1.0) -> None:
    """Play a sound to its end (~160 ms) on a Player's device at its voice's rate, or on a device (index, part of
    a name, or None for the default). A device that refuses that rate gets the sound made at its own rate;
    PlaybackError if it cannot play it at all.
    """
    from voice.playback import PlaybackError, Player, _sounddevice, output_device

    if isinstance(target, Player):
        device, rate_hz = target.device, voice_rate(target.voice)
    else:
        device, rate_hz = output_device(target), SOUND_RATE_HZ  # type: ignore[arg-type]
    try:
        play_audio(sound(name, rate_hz, volume), device)
    except PlaybackError:
        own = int(_sounddevice().query_devices(device, "output")["default_samplerate"])
        if own == rate_hz:
            raise
        play_audio(sound(name, own, volume), device)


def play_audio(audio: Audio, device: int | None) -> None:
    """Play a short sound to its end. The PortAudio callback only copies queued blocks out (as in voice.playback);
    blocking writes measured 2 s for this 0.16 s sound through ALSA's pulse device."""
    import queue
    import threading

    from voice.playback import BLOCK_FRAMES, PlaybackError, _sounddevice

    sd = _sounddevice()
    block_bytes = BLOCK_FRAMES * 2 * audio.channels
    blocks: queue.SimpleQueue[bytes] = queue.SimpleQueue()
    for start in range(0, len(audio.pcm), block_bytes):
        blocks.put(audio.pcm[start:start + block_bytes])
    finished = threading.Event()

    def callback(outdata, frames, time, status) -> None:  # type: ignore[no-untyped-def]
        try:
            data = blocks.get_nowait()
        except queue.Empty:
            outdata[:] = b"\x00" * len(outdata)
            raise sd.CallbackStop from None
        outdata[:len(data)] = data
        if len(data) < len(outdata):
            outdata[len(data):] = b"\x00" * (len(outdata) - len(data))

    try:
        with sd.RawOutputStream(samplerate=audio.rate_hz, channels=audio.channels, dtype="int16",
                                blocksize=BLOCK_FRAMES, device=device, callback=callback,
                                finished_callback=finished.set):
            # PulseAudio's null sink (the tests') reports the end ~1.8 s late, as paplay does; a real device at once
            finished.wait(audio.seconds + 3.0)  # a device that stalls costs the cue, not the assistant
    except sd.PortAudioError as error:
        raise PlaybackError(f"cannot play sound ({error}); check the speaker, or choose one with --output-device "
                            "(see: python run.py devices)") from None

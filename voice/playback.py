"""Speaking aloud: utterances synthesised one ahead and played through PortAudio, stoppable at once.

The PortAudio callback only copies queued samples out; synthesis runs in a worker thread, one sentence ahead of
what is playing, so the first sound comes after one sentence's synthesis and stop() silences the next buffer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from content.speech import Utterance
from voice.audio import Audio, silence
from voice.tts import Voice, VoiceError

BLOCK_FRAMES = 1024
"""Frames per PortAudio buffer: ~46 ms at 22.05 kHz, the most a stop() can lag."""


class PlaybackError(Exception):
    """No usable output device, or the device failed; the message says what to do."""


def find_device(spec: str | int | None, kind: str = "output") -> int | None:
    """A device index from an index or a part of a device's name (None: the system default)."""
    if spec is None or spec == "":
        return None
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
    except Exception as error:  # PortAudio reports missing hosts in many ways
        raise PlaybackError(f"cannot list audio devices ({error})") from None
    channels = "max_output_channels" if kind == "output" else "max_input_channels"
    if isinstance(spec, int) or str(spec).isdigit():
        index = int(spec)
        if 0 <= index < len(devices) and devices[index][channels] > 0:
            return index
        raise PlaybackError(f"there is no {kind} device {index}; see: python run.py devices")
    matches = [i for i, d in enumerate(devices) if str(spec).lower() in d["name"].lower() and d[channels] > 0]
    if not matches:
        raise PlaybackError(f"no {kind} device's name contains '{spec}'; see: python run.py devices")
    return matches[0]


def _sounddevice():  # type: ignore[no-untyped-def]
    try:
        import sounddevice
    except OSError:
        raise PlaybackError("PortAudio is missing: sudo apt-get install libportaudio2") from None
    except ImportError:
        raise PlaybackError("sounddevice is missing: run ./assistant again, or pip install sounddevice") from None
    return sounddevice


class Player:
    """Plays utterances with one voice on one output device."""

    def __init__(self, voice: Voice, device: str | int | None = None) -> None:
        self.voice = voice
        self.device = find_device(device)
        if self.device is None:
            sd = _sounddevice()
            try:
                sd.query_devices(kind="output")
            except (ValueError, sd.PortAudioError):
                raise PlaybackError("no audio output device found; plug in a speaker or headphones, or choose one "
                                    "with --output-device (see: python run.py devices)") from None
        self._stop = threading.Event()

    def stop(self) -> None:
        """Silence now; speak() returns within one buffer."""
        self._stop.set()

    def speak(self, utterances: Sequence[Utterance], on_start: Callable[[int], None] | None = None) -> int:
        """Say the utterances in order; returns how many were finished (fewer if stopped)."""
        self._stop.clear()
        ahead: queue.Queue[tuple[int, Audio] | Exception | None] = queue.Queue(maxsize=2)

        def synthesise() -> None:
            try:
                for index, utterance in enumerate(utterances):
                    if self._stop.is_set():
                        break
                    audio = self.voice.say(utterance.text)
                    ahead.put((index, audio + silence(utterance.pause_s, audio.rate_hz)))
            except VoiceError as error:
                ahead.put(error)
            finally:
                ahead.put(None)

        worker = threading.Thread(target=synthesise, name="synthesis")
        worker.start()
        done = 0
        try:
            while not self._stop.is_set():
                item = ahead.get()
                if item is None:
                    break
                if isinstance(item, Exception):
                    raise item
                index, audio = item
                if on_start is not None:
                    on_start(index)
                if self._play(audio):
                    done = index + 1
        finally:
            self._stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                try:
                    ahead.get(timeout=0.05)
                except queue.Empty:
                    pass
            worker.join()
        return done

    def _play(self, audio: Audio) -> bool:
        """Play one piece; False if stopped before its end."""
        sd = _sounddevice()
        finished = threading.Event()
        position = 0
        frame_bytes = 2 * audio.channels

        def callback(outdata, frames, time, status) -> None:  # type: ignore[no-untyped-def]
            nonlocal position
            if self._stop.is_set():
                outdata[:] = b"\x00" * len(outdata)
                raise sd.CallbackStop
            chunk = audio.pcm[position:position + frames * frame_bytes]
            position += len(chunk)
            outdata[:len(chunk)] = chunk
            if len(chunk) < len(outdata):
                outdata[len(chunk):] = b"\x00" * (len(outdata) - len(chunk))
                raise sd.CallbackStop

        try:
            with sd.RawOutputStream(samplerate=audio.rate_hz, channels=audio.channels, dtype="int16",
                                    blocksize=BLOCK_FRAMES, device=self.device, callback=callback,
                                    finished_callback=finished.set):
                while not finished.wait(0.05):
                    if self._stop.is_set():
                        break
        except sd.PortAudioError as error:
            raise PlaybackError(f"cannot play sound ({error}); check the speaker, or choose one with "
                                "--output-device (see: python run.py devices)") from None
        return position >= len(audio.pcm) and not self._stop.is_set()


def list_devices() -> list[str]:
    """One line per audio device: index, name, inputs and outputs, and which are the defaults."""
    sd = _sounddevice()
    lines = []
    for index, device in enumerate(sd.query_devices()):
        mark = " (default)" if index in tuple(sd.default.device) else ""
        lines.append(f"{index:3}  {device['name']}  in {device['max_input_channels']}, "
                     f"out {device['max_output_channels']}{mark}")
    return lines

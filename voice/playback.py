"""Speaking aloud: utterances synthesised one ahead and played through PortAudio, stoppable at once.

One output stream per ``speak()``: the utterances and the silences between them follow each other without the
gap of reopening a device, so the pauses the text planner chose are the pauses heard. Synthesis runs in a worker
thread, one utterance ahead of what is playing, so the first sound comes after one utterance's synthesis. The
PortAudio callback only copies queued blocks out (python-sounddevice's ``play_long_file`` pattern); ``stop()``
aborts the stream, dropping what PortAudio had buffered.

sounddevice is imported lazily, so ``import voice.playback`` works where PortAudio is missing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from content.speech import Utterance
from voice.audio import WIDTH_BYTES, Audio, silence
from voice.tts import Voice, VoiceError

BLOCK_FRAMES = 1024
"""Frames per PortAudio buffer: ~46 ms at 22.05 kHz."""
POLL_S = 0.02
"""How often the playing thread looks at the stop flag and the progress: the most a stop() lags."""
NO_OUTPUT = ("no audio output device found; plug in a speaker or headphones, or choose one with --output-device "
             "(see: python run.py devices)")


class PlaybackError(Exception):
    """No usable output device, or the device failed; the message says what to do."""


def _sounddevice():  # type: ignore[no-untyped-def]
    try:
        import sounddevice
    except OSError:
        raise PlaybackError("PortAudio is missing: sudo apt-get install libportaudio2") from None
    except ImportError:
        raise PlaybackError("sounddevice is missing: run ./assistant again, or pip install sounddevice") from None
    return sounddevice


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


def output_device(spec: str | int | None = None) -> int | None:
    """The output device to play on (None: the system default), or PlaybackError saying there is none."""
    index = find_device(spec, "output")
    if index is None:
        sd = _sounddevice()
        try:
            sd.query_devices(kind="output")
        except (ValueError, sd.PortAudioError):
            raise PlaybackError(NO_OUTPUT) from None
    return index


class Player:
    """Plays utterances with one voice on one output device."""

    def __init__(self, voice: Voice, device: str | int | None = None) -> None:
        self.voice = voice
        self.device = output_device(device)
        self._stop = threading.Event()

    def stop(self) -> None:
        """Silence now; speak() returns within POLL_S (or when the sentence being synthesised is done)."""
        self._stop.set()

    def speak(self, utterances: Sequence[Utterance], on_start: Callable[[int], None] | None = None) -> int:
        """Say the utterances in order, each followed by its pause; returns how many were finished.

        ``on_start(index)`` is called (in this thread) as each utterance starts to be heard.
        """
        self._stop.clear()
        ahead: queue.Queue[tuple[int, Audio] | Exception | None] = queue.Queue(maxsize=1)

        def synthesise() -> None:
            try:
                for index, utterance in enumerate(utterances):
                    if self._stop.is_set():
                        break
                    audio = self.voice.say(utterance.text)
                    item = (index, audio + silence(utterance.pause_s, audio.rate_hz, audio.channels))
                    while not self._stop.is_set():
                        try:
                            ahead.put(item, timeout=POLL_S)
                            break
                        except queue.Full:
                            pass
            except VoiceError as error:
                ahead.put(error)
            finally:
                ahead.put(None)

        worker = threading.Thread(target=synthesise, name="synthesis")
        worker.start()
        try:
            first = self._take(ahead)
            if first is None:
                return 0
            return self._play(first, ahead, on_start)
        finally:
            self._stop.set()
            while worker.is_alive():  # unblock a producer waiting on a full queue
                try:
                    ahead.get(timeout=POLL_S)
                except queue.Empty:
                    pass
            worker.join()

    def _take(self, ahead: queue.Queue) -> tuple[int, Audio] | None:  # type: ignore[type-arg]
        """The next synthesised utterance; None at the end or on stop; a synthesis error is raised."""
        while not self._stop.is_set():
            try:
                item = ahead.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if isinstance(item, Exception):
                raise item
            return item
        return None

    def _play(self, first: tuple[int, Audio], ahead: queue.Queue,  # type: ignore[type-arg]
              on_start: Callable[[int], None] | None) -> int:
        sd = _sounddevice()
        rate_hz, channels = first[1].rate_hz, first[1].channels
        block_bytes = BLOCK_FRAMES * WIDTH_BYTES * channels
        blocks: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        playing = [first[0]]  # the utterance whose samples the callback copied last; the callback writes it
        finished = threading.Event()

        def callback(outdata, frames, time, status) -> None:  # type: ignore[no-untyped-def]
            try:
                block = blocks.get_nowait()
            except queue.Empty:  # synthesis is behind: a moment of silence, not the end
                outdata[:] = b"\x00" * len(outdata)
                return
            if block is None:
                outdata[:] = b"\x00" * len(outdata)
                raise sd.CallbackStop
            playing[0], data = block
            outdata[:len(data)] = data
            if len(data) < len(outdata):
                outdata[len(data):] = b"\x00" * (len(outdata) - len(data))

        def enqueue(index: int, audio: Audio) -> None:
            if (audio.rate_hz, audio.channels) != (rate_hz, channels):
                raise VoiceError("the voice changed its audio format while speaking")
            for start in range(0, len(audio.pcm), block_bytes):
                blocks.put((index, audio.pcm[start:start + block_bytes]))

        enqueue(*first)
        queued, heard, ended = first[0], -1, False  # the last utterance queued, the last one reported, the end
        try:
            with sd.RawOutputStream(samplerate=rate_hz, channels=channels, dtype="int16", blocksize=BLOCK_FRAMES,
                                    device=self.device, callback=callback,
                                    finished_callback=finished.set) as stream:
                while not finished.wait(POLL_S):
                    if self._stop.is_set():
                        stream.abort()
                        return max(0, heard)
                    # the next utterance goes in as soon as the last one queued starts: no gap, little wasted on stop
                    if not ended and queued <= playing[0] and not ahead.empty():
                        item = ahead.get_nowait()  # only this thread takes from the queue
                        if item is None:
                            blocks.put(None)
                            ended = True
                        elif isinstance(item, Exception):
                            raise item
                        else:
                            enqueue(*item)
                            queued = item[0]
                    while heard < playing[0]:
                        heard += 1
                        if on_start is not None:
                            on_start(heard)
        except sd.PortAudioError as error:
            raise PlaybackError(f"cannot play sound ({error}); check the speaker, or choose one with "
                                "--output-device (see: python run.py devices)") from None
        if self._stop.is_set():
            return max(0, heard)
        while heard < playing[0]:  # the last utterance was shorter than one poll
            heard += 1
            if on_start is not None:
                on_start(heard)
        return heard + 1


def list_devices() -> list[str]:
    """One line per audio device: index, name, inputs and outputs, and which are the defaults."""
    sd = _sounddevice()
    lines = []
    for index, device in enumerate(sd.query_devices()):
        mark = " (default)" if index in tuple(sd.default.device) else ""
        lines.append(f"{index:3}  {device['name']}  in {device['max_input_channels']}, "
                     f"out {device['max_output_channels']}{mark}")
    return lines

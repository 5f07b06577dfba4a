"""The microphone: 16 kHz mono ``Audio`` chunks from a sounddevice input stream at the device's own rate.

The PortAudio callback only puts the bytes it is given in a queue (python-sounddevice's ``rec_unlimited`` pattern);
``read()`` takes them out in the caller's thread, mixes them down to mono and converts them to 16 kHz with a
streaming soxr resampler, so the recognizer, the wake detector and the endpointer see one format whatever the device
offers. The stream opens only inside ``with``, with PortAudio's default (high) input latency: ~35 ms through ALSA's
``pulse`` device, against ~9 ms for "low", which leaves a loaded Raspberry Pi little room before samples are lost.
Through that device the first input stream of a process delivers its first block 1–2 s after it starts (later
streams in ~25 ms); the live loop opens the microphone before loading its engines, so the wait overlaps the loading.

A device that disappears mid-stream does not hang ``read()``: PortAudio either ends the stream (the finished callback
fires) or simply stops calling back (ALSA on an unplugged USB device); both raise ``MicrophoneError`` from ``read()``,
the second after ``STALL_S`` without a sample.

sounddevice is imported lazily, so ``import voice.microphone`` works where PortAudio is missing.
"""

from __future__ import annotations

import queue
import threading
import time
from types import TracebackType

from voice.audio import RATE_HZ, Audio
from voice.playback import PlaybackError, _sounddevice, find_device

STALL_S = 2.0
"""No sample from an open stream for this long means the device is gone."""
NO_INPUT = ("no microphone found; plug one in, or choose one with --input-device (see: python run.py devices)")
LOST = ("the microphone stopped sending sound; check that it is plugged in, or choose one with --input-device "
        "(see: python run.py devices)")


class MicrophoneError(Exception):
    """No usable input device, or it failed or vanished; the message says what to do."""


def input_device(spec: str | int | None = None) -> int | None:
    """The input device to record from (None: the system default), or MicrophoneError saying there is none."""
    try:
        index = find_device(spec, "input")
        sd = _sounddevice()
    except PlaybackError as error:
        raise MicrophoneError(str(error).replace("no input device's", "no microphone's")) from None
    if index is None:
        try:
            info = sd.query_devices(kind="input")
        except (ValueError, sd.PortAudioError):
            raise MicrophoneError(NO_INPUT) from None
        if not info or info.get("max_input_channels", 0) < 1:
            raise MicrophoneError(NO_INPUT)
    return index


def has_microphone(spec: str | int | None = None) -> bool:
    """Whether an input device exists (by the spec, or a system default); never raises."""
    try:
        input_device(spec)
    except MicrophoneError:
        return False
    return True


class Microphone:
    """Records from one input device; use as a context manager and call ``read()`` in a loop."""

    def __init__(self, device: str | int | None = None, chunk_s: float = 0.03) -> None:
        self.spec = device
        self.chunk_s = chunk_s
        self.device: int | None = None
        self.rate_hz = RATE_HZ
        """The device's own rate, known once open."""
        self.channels = 1
        self._queue: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._ended = threading.Event()
        self._stream = None  # type: ignore[var-annotated]
        self._resampler = None  # type: ignore[var-annotated]
        self._last_data = 0.0

    def __enter__(self) -> Microphone:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def open(self) -> None:
        sd = _sounddevice_or_error()
        self.device = input_device(self.spec)
        try:
            info = sd.query_devices(self.device if self.device is not None else None, kind="input")
            self.rate_hz = int(info["default_samplerate"]) or RATE_HZ
            available = max(1, int(info["max_input_channels"]))
        except (ValueError, sd.PortAudioError) as error:
            raise MicrophoneError(f"cannot use the microphone ({error}); {NO_INPUT.split('; ', 1)[1]}") from None
        self._ended.clear()

        def callback(indata, frames, time_info, status) -> None:  # type: ignore[no-untyped-def]
            self._queue.put(bytes(indata))

        last_error: Exception | None = None
        for channels in dict.fromkeys((1, min(2, available), available)):  # mono first, else mix down
            try:
                stream = sd.RawInputStream(samplerate=self.rate_hz, channels=channels, dtype="int16",
                                           blocksize=max(1, round(self.chunk_s * self.rate_hz)), device=self.device,
                                           callback=callback, finished_callback=self._ended.set)
            except sd.PortAudioError as error:
                last_error = error
                continue
            self.channels = channels
            self._stream = stream
            break
        else:
            raise MicrophoneError(f"cannot open the microphone ({last_error}); check it, or choose one with "
                                  "--input-device (see: python run.py devices)")
        if self.rate_hz != RATE_HZ:
            import soxr
            self._resampler = soxr.ResampleStream(self.rate_hz, RATE_HZ, 1, dtype="int16", quality="HQ")
        try:
            self._stream.start()
        except sd.PortAudioError as error:
            self.close()
            raise MicrophoneError(f"cannot start the microphone ({error}); check it, or choose one with "
                                  "--input-device (see: python run.py devices)") from None
        self._last_data = time.monotonic()

    def read(self, timeout_s: float) -> Audio | None:
        """The next chunk of 16 kHz mono audio, or None when none came within ``timeout_s``.

        Raises MicrophoneError when the stream ended or the device has sent nothing for ``STALL_S``.
        """
        if self._stream is None:
            raise MicrophoneError("the microphone is not open")
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            try:
                data = self._queue.get(timeout=max(0.0, min(remaining, 0.1)))
            except queue.Empty:
                now = time.monotonic()
                if self._ended.is_set() or not self._stream.active or now - self._last_data > STALL_S:
                    raise MicrophoneError(LOST) from None
                if now >= deadline:
                    return None
                continue
            self._last_data = time.monotonic()
            pcm = self._convert(data)
            if pcm:
                return Audio(pcm)
            if time.monotonic() >= deadline:  # the resampler's first call can hold everything back
                return None

    def drain(self) -> None:
        """Drop everything recorded so far (e.g. the assistant's own voice)."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:  # a device that vanished can fail to close; nothing left to release
                pass
        self._resampler = None

    def _convert(self, data: bytes) -> bytes:
        import numpy as np

        samples = np.frombuffer(data, dtype=np.int16)
        if self.channels > 1:
            samples = samples.reshape(-1, self.channels).mean(axis=1).astype(np.int16)
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        return samples.tobytes()


def _sounddevice_or_error():  # type: ignore[no-untyped-def]
    try:
        return _sounddevice()
    except PlaybackError as error:
        raise MicrophoneError(str(error)) from None

"""A child process that owns pyttsx3, so a hung engine can be killed without freezing the assistant.

Protocol, one JSON object per line: the worker first writes ``{"ok": true, "ready": true, "reusable": ...}`` (or
an error) when the engine is up, ``reusable`` saying whether it can safely serve more than one sentence. Then, per
sentence, the parent writes ``{"text", "path", "rate_wpm", "volume"}`` to standard input; the worker writes the WAV
to ``path`` and answers ``{"ok": true}`` or ``{"ok": false, "error": "..."}`` on the protocol stream (the original
standard output; pyttsx3's own chatter is sent to standard error).

On Linux, pyttsx3 2.99 runs espeak-ng in its asynchronous mode, which loses settings and sentences when an engine
is reused (measured here, 81 sentences of the article through one engine: 2 never written, the rest not the same
audio as from a fresh engine) and even in a fresh engine speaks at the default rate one time in fifteen (the rate
setting lost) while other work runs on the CPU. So on Linux the worker starts espeak-ng in its synchronous mode
before pyttsx3 does: every setting and sentence then runs, in order, in the worker's own thread, and the audio is
whole when ``runAndWait`` returns. The WAV is written here from the driver's buffer, because pyttsx3 writes it
only on an end-of-message event that the synchronous mode does not send. Elsewhere (SAPI5, NSSpeechSynthesizer),
or with a pyttsx3 whose internals differ, the ordinary ``save_to_file`` is used.
"""

from __future__ import annotations

import json
import os
import sys
import time
import wave
from typing import Any

WRITE_WAIT_S = 5.0
"""How long ``save_to_file`` may take to appear on disk after ``runAndWait`` returns (asynchronous drivers)."""
ESPEAK_RATE_HZ = 22050
"""The rate of espeak-ng's samples (pyttsx3's espeak driver writes its WAVs at this rate too)."""


def _complete(path: str) -> bool:
    """The header, patched when the file is closed, accounts for every byte: the writer is done."""
    try:
        with wave.open(path, "rb") as wav:
            return 44 + wav.getnframes() * wav.getsampwidth() * wav.getnchannels() == os.path.getsize(path)
    except (wave.Error, EOFError, OSError):
        return False


def _written(path: str) -> bool:
    deadline = time.monotonic() + WRITE_WAIT_S
    while time.monotonic() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 44 and _complete(path):
            return True
        time.sleep(0.002)
    return False


def _synchronous_espeak() -> Any | None:
    """Start espeak-ng synchronously before pyttsx3 starts it asynchronously; the driver class, or None if the
    installed pyttsx3 is not the one this was made for (then pyttsx3 starts espeak-ng its own way)."""
    try:
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver
    except Exception:  # no espeak-ng library, or another pyttsx3: pyttsx3.init() decides and reports
        return None
    if getattr(EspeakDriver, "_moduleInitialized", True) or not hasattr(_espeak, "AUDIO_OUTPUT_SYNCHRONOUS"):
        return None
    if _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000) == -1:
        return None
    voice = _espeak.GetCurrentVoice()
    EspeakDriver._defaultVoice = voice.contents.name.decode("utf-8") if voice and voice.contents.name else "gmw/en"
    EspeakDriver._moduleInitialized = True
    return EspeakDriver


def _speak_synchronously(engine: Any, driver: Any, request: dict[str, Any]) -> dict[str, Any]:
    driver._data_buffer = b""
    engine.save_to_file(request["text"], os.devnull)  # the driver's own file is never written in this mode
    engine.runAndWait()  # returns when espeak-ng has delivered every sample
    # Without the end-of-message event the driver may be left idle, and an idle driver runs the next request's
    # commands as they come, ending its run loop before it starts: busy, they wait for runAndWait as the first did.
    engine.proxy.setBusy(True)
    pcm, driver._data_buffer = driver._data_buffer, b""
    if not pcm:
        return {"ok": False, "error": "pyttsx3 produced no audio"}
    with wave.open(request["path"], "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(ESPEAK_RATE_HZ)
        wav.writeframes(pcm)
    return {"ok": True}


def _save_to_file(engine: Any, request: dict[str, Any]) -> dict[str, Any]:
    engine.save_to_file(request["text"], request["path"])
    engine.runAndWait()
    return {"ok": True} if _written(request["path"]) else {"ok": False, "error": "pyttsx3 wrote no audio"}


def main() -> int:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # pyttsx3 prints "Audio saved to ..." on stdout
    try:
        import pyttsx3

        espeak = _synchronous_espeak() if sys.platform.startswith("linux") else None
        engine = pyttsx3.init()
        driver = getattr(getattr(engine, "proxy", None), "_driver", None)
        synchronous = espeak is not None and isinstance(driver, espeak) and hasattr(driver, "_data_buffer")
    except Exception as error:  # the engine's own failures are reported, whatever they are
        protocol.write(json.dumps({"ok": False, "error": f"pyttsx3 cannot start: {error}"}) + "\n")
        return 1
    protocol.write(json.dumps({"ok": True, "ready": True, "reusable": synchronous}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            engine.setProperty("rate", int(request["rate_wpm"]))
            engine.setProperty("volume", float(request["volume"]))
            reply = _speak_synchronously(engine, driver, request) if synchronous else _save_to_file(engine, request)
        except Exception as error:  # report and keep serving: one bad request must not end the voice
            reply = {"ok": False, "error": str(error)}
        protocol.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

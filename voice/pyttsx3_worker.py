"""A child process that owns pyttsx3, so a hung engine can be killed without freezing the assistant.

Protocol, one JSON object per line: the parent writes ``{"text", "path", "rate_wpm", "volume"}`` to standard input;
the worker writes the WAV to ``path`` and answers ``{"ok": true}`` or ``{"ok": false, "error": "..."}`` on the
protocol stream (the original standard output; pyttsx3's own chatter is sent to standard error).
"""

from __future__ import annotations

import json
import os
import sys
import time
import wave


WRITE_WAIT_S = 5.0
"""pyttsx3 2.99's espeak driver can return from runAndWait before its synthesis thread has written the file."""


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


def main() -> int:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # pyttsx3 prints "Audio saved to ..." on stdout
    try:
        import pyttsx3

        engine = pyttsx3.init()
    except Exception as error:  # the engine's own failures are reported, whatever they are
        protocol.write(json.dumps({"ok": False, "error": f"pyttsx3 cannot start: {error}"}) + "\n")
        return 1
    protocol.write(json.dumps({"ok": True, "ready": True}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
            engine.setProperty("rate", int(request["rate_wpm"]))
            engine.setProperty("volume", float(request["volume"]))
            engine.save_to_file(request["text"], request["path"])
            engine.runAndWait()
            ok = _written(request["path"])
            reply = {"ok": ok} if ok else {"ok": False, "error": "pyttsx3 wrote no audio"}
        except Exception as error:  # report and keep serving: one bad request must not end the voice
            reply = {"ok": False, "error": str(error)}
        protocol.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

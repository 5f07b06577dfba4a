"""Make the spoken test fixtures in ``tests/data/audio/`` (run once; the WAVs are committed).

    python -m benchmarks.make_audio

Each file is 16 kHz mono 16-bit, named after what is said and by whom: ``how-long-will-my-back-hurt.joe.wav``.
The voices are the benchmark's (Piper's joe, flite, festival); a file that is already there is left alone, so
running it again only adds what is missing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from benchmarks.speech import CONDITIONS, in_condition, synthesize, voice_available

FOLDER = Path(__file__).resolve().parent.parent / "tests" / "data" / "audio"

FIXTURES: tuple[tuple[str, str, str | None], ...] = (
    # (what is said, voice, the section a listener expects; None: not covered; "command:NAME" for a command)
    ("how long will my back hurt", "joe", "duration"),
    ("how long will my back hurt", "festival-slt", "duration"),
    ("can I take ibuprofen for the pain", "joe", "painkillers"),
    ("can I take ibuprofen for the pain", "festival-kal", "painkillers"),
    ("is it normal to have back pain after an epidural", "joe", "can-epidural-cause-back-pain"),
    ("what exercises are good for my back", "flite-slt", "exercise"),
    ("could the epidural have damaged my spine", "festival-kal", "damage"),
    ("what can I ask", "joe", "command:topics"),
    ("what is the weather like tomorrow", "joe", None),
    ("when should my baby start eating solid food", "flite-slt", None),
)
NOISY: tuple[tuple[str, str, str, str | None], ...] = (
    # (what is said, voice, condition, expected): questions with a fan or a television in the room, 20 dB down.
    ("how long will my back hurt", "joe", "pink-20", "duration"),
    ("can I take ibuprofen for the pain", "joe", "voices-20", "painkillers"),
)

LIVE_FOLDER = FOLDER.parent / "live"
LIVE: tuple[tuple[str, str], ...] = (
    # (what is said, voice): the hands-free tests' wake phrases and questions (tests/test_live.py), in tests/data/live
    ("hey jarvis, how long will my back hurt", "joe"),
    ("hey jarvis", "festival-slt"),
    ("can I take ibuprofen for the pain", "joe"),
    ("next", "joe"),  # reading under voice control (tests/test_live_ptt.py)
)


def file_name(text: str, voice: str, condition: str | None = None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return f"{slug}.{voice}{'.' + condition if condition else ''}.wav"


def main() -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for text, voice, _expected in FIXTURES:
        path = FOLDER / file_name(text, voice)
        if not path.exists():
            if not voice_available(voice):
                print(f"skipped {path.name}: voice {voice} is not installed", file=sys.stderr)
                continue
            path.write_bytes(in_condition(synthesize(voice, text), CONDITIONS["quiet"], seed=1).to_wav())
            print(f"wrote {path.name}")
    for text, voice, condition, _expected in NOISY:
        path = FOLDER / file_name(text, voice, condition)
        if not path.exists():
            path.write_bytes(in_condition(synthesize(voice, text), CONDITIONS[condition], seed=1).to_wav())
            print(f"wrote {path.name}")
    LIVE_FOLDER.mkdir(parents=True, exist_ok=True)
    for text, voice in LIVE:
        path = LIVE_FOLDER / file_name(text, voice)
        if not path.exists():
            path.write_bytes(in_condition(synthesize(voice, text), CONDITIONS["quiet"], seed=1).to_wav())
            print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Said once, at the first start: what the assistant is and is not. Remembered in the user's data directory."""

from __future__ import annotations

import json
from pathlib import Path

from voice.reader import data_dir

DISCLAIMER = ("Before we start: I read you general information from an article about back pain after an epidural. "
              "It is not medical advice. If you are worried about your health, please contact your doctor.")
STATE_FILE = "first-start.json"


def state_path() -> Path:
    return data_dir() / STATE_FILE


def disclaimer_due(path: Path | None = None) -> bool:
    """True until the disclaimer has been given once (a corrupt record counts as not given: better said twice)."""
    path = path or state_path()
    try:
        return not json.loads(path.read_text(encoding="utf-8")).get("disclaimer_given", False)
    except (OSError, ValueError, AttributeError):
        return True


def remember_disclaimer(path: Path | None = None) -> bool:
    """Record that it was given; False if it could not be saved (a read-only or full disk: said again next time)."""
    from content.store import write_atomically

    path = path or state_path()
    try:
        write_atomically(path, json.dumps({"disclaimer_given": True}) + "\n", make_parents=True)
    except OSError:
        return False
    return True


def say_disclaimer_once(player: object, show: object = None) -> bool:
    """Speak the disclaimer through ``player`` (a voice.playback.Player) if it is due, then remember it; True if said.

    ``show(text)``, if given, also shows it (a terminal or a window). A player that fails is not fatal: the
    disclaimer stays due and is tried again at the next start.
    """
    if not disclaimer_due():
        return False
    from content.speech import answer_script
    from voice.playback import PlaybackError
    from voice.tts import VoiceError

    if callable(show):
        show(DISCLAIMER)
    try:
        player.speak(answer_script(DISCLAIMER))  # type: ignore[attr-defined]
    except (PlaybackError, VoiceError):
        return False
    remember_disclaimer()
    return True

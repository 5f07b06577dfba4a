"""`run.py doctor`: checks the content, the settings, the voices, the recognizer, the models and the audio devices,
and prints for each what is wrong and the command that fixes it.

Each check really loads what it checks (the voice speaks a word into memory, the recognizer builds its language
model, the wake detector loads), so "ok" means the assistant will start; nothing is played or recorded.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OK, NOTE, FAIL = "ok", "note", "FAIL"


@dataclass(frozen=True)
class Finding:
    """The outcome of one check."""

    status: str
    """OK, NOTE (works, with something worth knowing) or FAIL (the assistant cannot do this)."""

    name: str
    detail: str
    fix: str = ""
    """The command or step that fixes it."""


def _content(articles_dir: Path) -> Iterator[Finding]:
    from content.loader import load_library

    library = load_library(sorted(articles_dir.glob("*.yaml")))
    sections = sum(len(article.sections) for article in library.articles)
    if library.articles:
        yield Finding(OK, "content", f"{len(library.articles)} article(s), {sections} sections in {articles_dir}")
    else:
        yield Finding(FAIL, "content", f"no article loads from {articles_dir}",
                      "python run.py import FILE (an article in text, Markdown or HTML)")
    for error in library.errors:
        yield Finding(FAIL, "content", str(error), "fix that line, or import the article again")


def _settings(path: Path, problems: list[Exception]) -> Iterator[Finding]:
    if not problems:
        yield Finding(OK, "settings", str(path) if path.exists() else f"{path} (not there: the defaults apply)")
    for problem in problems:
        yield Finding(FAIL, "settings", str(problem), f"edit {path}, or delete it to get a fresh one")


def _voices(chosen: str) -> Iterator[Finding]:
    from voice.tts import PiperVoice, SystemVoice, VoiceError, VoiceSettings

    for name in ("system", "piper"):
        if name == "piper" and chosen != "piper" and importlib.util.find_spec("piper") is None:
            yield Finding(NOTE, "voice piper", "not installed (optional: a natural voice)", "pip install '.[piper]'")
            continue
        try:
            with (PiperVoice if name == "piper" else SystemVoice)(VoiceSettings()) as voice:
                seconds = voice.say("Hello.").seconds
        except VoiceError as error:
            fix = "sudo apt-get install espeak-ng" if name == "system" else "pip install '.[piper]'"
            yield Finding(FAIL if name in (chosen, "system") else NOTE, f"voice {name}", str(error), fix)
            continue
        yield Finding(OK, f"voice {name}", f"speaks ({seconds:.1f} s of audio for 'Hello.')"
                      + (" [in use]" if name == chosen else ""))


def _recognizer(articles_dir: Path, engine: str | None, wake_phrase: str) -> Iterator[Finding]:
    from content.loader import load_library
    from voice.stt import RecognizerError, load_transcriber

    try:
        transcriber = load_transcriber(engine, load_library(sorted(articles_dir.glob("*.yaml"))), wake_phrase)
    except RecognizerError as error:
        yield Finding(FAIL, "recognizer", str(error), "pip install pocketsphinx, or python run.py models")
        return
    yield Finding(OK, "recognizer", f"{transcriber.name} loads, adapted to the articles")
    transcriber.close()


def _models() -> Iterator[Finding]:
    from models import ModelError, models_dir, repair_command, survey

    try:
        statuses = survey()
    except ModelError as error:
        yield Finding(FAIL, "models", str(error), "reinstall the project (models/manifest.yaml)")
        return
    installed = [s for s in statuses if s.installed]
    for status in statuses:
        if not status.installed and status.problem != "not installed":
            yield Finding(FAIL, "models", f"{status.path}: {status.problem}", repair_command(status.path))
    if installed:
        yield Finding(OK, "models", "installed: " + ", ".join(s.path.name for s in installed))
    else:
        yield Finding(NOTE, "models", f"no Vosk model in {models_dir()}: PocketSphinx (built in) is used",
                      "python run.py models (optional: a Vosk model hears better in noise)")


def _wake(phrase: str) -> Iterator[Finding]:
    if importlib.util.find_spec("voice.wake") is None:
        return
    from voice.wake import WakeError, load_wake_detector

    try:
        detector = load_wake_detector(phrase)
    except WakeError as error:
        yield Finding(FAIL, "wake phrase", str(error), "choose another with --wake-phrase, or pip install the "
                      "wake-word package it names")
        return
    yield Finding(OK, "wake phrase", f"'{phrase}' ({type(detector).__name__})")


def _devices(input_spec: Any, output_spec: Any) -> Iterator[Finding]:
    from voice.playback import PlaybackError, list_devices, output_device

    try:
        list_devices()
    except PlaybackError as error:
        yield Finding(FAIL, "audio", str(error), "sudo apt-get install libportaudio2")
        return
    try:
        output_device(output_spec)
        yield Finding(OK, "speaker", "found" + (f" ({output_spec})" if output_spec is not None else " (default)"))
    except PlaybackError as error:
        yield Finding(FAIL, "speaker", str(error), "plug in a speaker, or set output_device (python run.py devices)")
    if importlib.util.find_spec("voice.microphone") is None:
        return
    from voice.microphone import MicrophoneError, input_device

    try:
        input_device(input_spec)
        yield Finding(OK, "microphone", "found" + (f" ({input_spec})" if input_spec is not None else " (default)"))
    except MicrophoneError as error:
        yield Finding(FAIL, "microphone", str(error), "plug in a microphone, or set input_device "
                      "(python run.py devices); typed questions still work: python run.py chat")


def _espeak() -> Iterator[Finding]:
    if sys.platform.startswith("linux") and shutil.which("espeak-ng") is None:
        yield Finding(NOTE, "espeak-ng", "the espeak-ng program is not installed (the library may still be)",
                      "sudo apt-get install espeak-ng")


def examine(articles_dir: Path, settings: dict[str, Any], settings_path: Path,
            problems: list[Exception]) -> Iterator[Finding]:
    """Every check in turn; a check that crashes is itself reported, never raised."""
    value = {name: v.value for name, v in settings.items()}
    checks: list[Callable[[], Iterator[Finding]]] = [
        lambda: _content(articles_dir),
        lambda: _settings(settings_path, problems),
        lambda: _voices(value.get("voice", "system")),
        _espeak,
        lambda: _recognizer(articles_dir, value.get("engine"), value.get("wake_phrase", "hey jarvis")),
        _models,
        lambda: _wake(value.get("wake_phrase", "hey jarvis")),
        lambda: _devices(value.get("input_device"), value.get("output_device")),
    ]
    for check in checks:
        try:
            yield from check()
        except Exception as error:  # a doctor that crashes helps nobody: report it as a finding
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            yield Finding(FAIL, getattr(check, "__name__", "check").strip("_<>"), f"the check failed: {reason}")

"""The settings file: one YAML file in the user's config directory, documented, layered under the command line.

Defaults < the file < the command line. The file lives at ``$XDG_CONFIG_HOME/epidural-voice-guide/config.yaml``
(``~/.config/...``); on first run it is created with every setting commented out and explained, so the defaults
apply until the user uncomments a line. ``python run.py config`` shows each effective setting and where it came from.

A bad value is reported as ``FILE:LINE: what is wrong; what is allowed`` and that one setting keeps its default:
a typo in the nursery must not stop the assistant from starting. The file is never rewritten once it exists.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

APP = "epidural-voice-guide"
FILE_NAME = "config.yaml"


class ConfigError(Exception):
    """One problem in the settings file: ``FILE:LINE: problem; what is allowed``."""


@dataclass(frozen=True)
class Setting:
    """One setting of the file, and the command-line option it gives a default to."""

    name: str
    """The key in the file."""

    default: Any
    help: str
    """One line for the file's comment and for ``run.py config``."""

    check: Callable[[Any], Any]
    """Returns the value as used, or raises ValueError with what is allowed."""

    dest: str
    """The argparse destination the value becomes the default of."""

    to_option: Callable[[Any], Any] = lambda value: value
    """The value as the option holds it (``wake: false`` is ``--no-wake``)."""

    example: str = ""
    """Shown, commented out, in the new file (default: the default)."""


def _choice(*allowed: Any) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in allowed:
            raise ValueError("one of: " + ", ".join("null" if a is None else str(a) for a in allowed))
        return value
    return check


def _number(low: float, high: float, optional: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"a number from {low:g} to {high:g}" + (", or null" if optional else ""))
        return float(value)
    return check


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true or false")
    return value


def _device(value: Any) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError("null (the system's default), a device number, or part of its name (see: python run.py devices)")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("some words in quotes, e.g. \"hey jarvis\"")
    return " ".join(value.lower().split())


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


SETTINGS: tuple[Setting, ...] = (
    Setting("voice", "system", "the voice: system (espeak-ng; every machine has it) or piper (natural; "
            "pip install '.[piper]')", _choice("system", "piper"), "voice"),
    Setting("rate", None, "speaking speed: 1.0 normal, 0.8 slower, 1.25 faster; null: 1.0 (read mode: the saved speed)",
            _number(0.5, 2.0, optional=True), "rate", example="1.0"),
    Setting("volume", 1.0, "loudness of the voice, 0 to 1", _number(0.0, 1.0), "volume"),
    Setting("quiet_night", False, "true: the sounds and the voice softer, the voice a little slower", _flag,
            "quiet_night"),
    Setting("engine", None, "speech recognizer: null (Vosk when an English Vosk model is installed, else "
            "PocketSphinx), pocketsphinx or vosk", _choice(None, "pocketsphinx", "vosk"), "engine"),
    Setting("wake_phrase", "hey jarvis", "the words that wake the assistant in hands-free mode", _text, "wake_phrase",
            example='"hey jarvis"'),
    Setting("wake", True, "false: answer every utterance, with no wake phrase (like --no-wake)", _flag, "no_wake",
            to_option=lambda value: not value),
    Setting("input_device", None, "microphone: null (the default), its number or part of its name "
            "(see: python run.py devices)", _device, "input_device"),
    Setting("output_device", None, "speaker: null (the default), its number or part of its name", _device,
            "output_device"),
    Setting("article", None, "the article read by `read`: null (the first) or its id (see: python run.py sections)",
            _optional_text, "article"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


@dataclass(frozen=True)
class Value:
    """An effective setting and where it came from."""

    setting: Setting
    value: Any
    source: str
    """"default", or ``FILE:LINE``."""


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the settings file is: $XDG_CONFIG_HOME/epidural-voice-guide/config.yaml, else ~/.config/..."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(base) / APP / FILE_NAME


def template() -> str:
    """The new file: every setting explained and commented out, so the defaults apply until a line is uncommented."""
    lines = ["# Settings of the epidural back-pain voice guide.",
             "# Uncomment a line (remove the '# ' before the name) and change its value; command-line options win",
             "# over this file. `python run.py config` shows what is in effect and where each value comes from.", ""]
    for setting in SETTINGS:
        shown = setting.example or _yaml_scalar(setting.default)
        lines += [f"# {setting.help}", f"# {setting.name}: {shown}", ""]
    return "\n".join(lines)


def _yaml_scalar(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def ensure_file(path: Path) -> bool:
    """Create the documented file if there is none; True if it was created. A file that exists is left alone."""
    if path.exists():
        return False
    from content.store import write_atomically

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, template())
    except OSError:
        return False  # a read-only home: the defaults apply, and nothing is lost
    return True


def load(path: Path) -> tuple[dict[str, Value], list[ConfigError]]:
    """The effective settings (defaults, then the file's valid values) and the file's problems, one each."""
    values = {s.name: Value(s, s.default, "default") for s in SETTINGS}
    problems: list[ConfigError] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no file: the defaults
        return values, problems
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not UTF-8 text"
        problems.append(ConfigError(f"{path}: cannot be read ({reason}); the defaults apply"))
        return values, problems
    name = path.name
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        reason = getattr(error, "problem", None) or "not valid YAML"
        problems.append(ConfigError(f"{where}: not valid YAML ({reason}); fix that line, or delete the file to "
                                    "get a fresh one; the defaults apply"))
        return values, problems
    if root is None:
        return values, problems
    if not isinstance(root, yaml.MappingNode):
        problems.append(ConfigError(f"{path}:{root.start_mark.line + 1}: the file should hold lines of "
                                    "'name: value'; the defaults apply"))
        return values, problems
    constructor = yaml.SafeLoader("")
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
        setting = BY_NAME.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, BY_NAME, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(ConfigError(f"{path}:{line}: unknown setting '{key}'; {hint}known settings: "
                                        + ", ".join(BY_NAME)))
            continue
        try:
            raw = constructor.construct_object(value_node, deep=True)
            value = setting.check(raw)
        except (ValueError, yaml.YAMLError) as error:
            shown = value_node.value if isinstance(value_node, yaml.ScalarNode) else "this value"
            problems.append(ConfigError(f"{path}:{line}: {key}: '{shown}' is not allowed; give {error} "
                                        f"(the default, {_yaml_scalar(setting.default)}, applies)"))
            continue
        values[key] = Value(setting, value, f"{name}:{line}")
    return values, problems


def option_defaults(values: Mapping[str, Value]) -> dict[str, Any]:
    """The settings that differ from their defaults, as argparse defaults (``dest`` → value)."""
    return {v.setting.dest: v.setting.to_option(v.value) for v in values.values() if v.source != "default"}

"""Speech models: the manifest of known models (name, address, size, SHA-256) and the downloaded models.

Models are unpacked into ``models/<folder>/`` beside this file (git-ignored), or into the folder that
``$ASSISTANT_MODELS_DIR`` names. A folder counts as installed only when it is complete (:func:`model_problem`):
an install by :mod:`models.download` leaves a record of every file it unpacked and its size, so a file deleted or
cut short later is noticed; a folder copied in by hand is checked for the files a Vosk model cannot load without.
Nothing here imports an engine, so ``python run.py models`` and the automatic engine choice stay fast.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent
"""The default models folder: this package's own folder (the model folders in it are git-ignored)."""
MODELS_DIR_VARIABLE = "ASSISTANT_MODELS_DIR"
"""Names another models folder, e.g. on a bigger disk."""
MANIFEST_PATH = MODELS_DIR / "manifest.yaml"
RECORD_FILE = ".installed.json"
"""Written into a model folder by a checked install: the archive's checksum and every file with its size."""
DEFAULT_VOSK_MODEL = "vosk-model-small-en-us-0.15"
"""The model suggested when no English Vosk model is installed."""
KINDS = ("vosk",)
VOSK_REQUIRED = ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf")
"""Files every Vosk model has; without any of them ``vosk.Model`` fails."""
VOSK_GRAPHS = (("graph/HCLr.fst", "graph/Gr.fst"), ("graph/HCLG.fst",))
"""A Vosk model's decoding graph: a small model's lookahead pair (takes runtime phrase lists) or a big static one."""
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ModelError(Exception):
    """A model or the manifest is missing, incomplete or unusable; the message says which command fixes it."""


@dataclass(frozen=True)
class ModelSpec:
    """One entry of the manifest: a model archive that ``models download`` knows how to fetch and check."""

    name: str
    url: str
    size: int
    """The archive's size in bytes."""

    sha256: str
    """The archive's SHA-256, lowercase hex."""

    language: str
    """A tag such as "en-us"."""

    kind: str
    """The engine that reads it: one of KINDS."""

    folder: str
    """The archive's top-level folder, which becomes ``<models folder>/<folder>``."""

    note: str = ""

    def speaks(self, language: str) -> bool:
        """True for "en" when the model is "en" or "en-us" (and so on)."""
        mine, asked = self.language.lower(), language.lower()
        return mine == asked or mine.startswith(asked + "-")


@dataclass(frozen=True)
class ModelStatus:
    """What is on disk for one model: installed, broken, or absent."""

    spec: ModelSpec | None
    """None for a model folder that is not in the manifest (put there by hand)."""

    path: Path
    problem: str | None
    """None when complete; else what is wrong ("not installed", "missing am/final.mdl", ...)."""

    @property
    def installed(self) -> bool:
        return self.problem is None


def models_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The models folder: ``$ASSISTANT_MODELS_DIR`` when set, else ``models/`` in the project."""
    value = (os.environ if environ is None else environ).get(MODELS_DIR_VARIABLE, "").strip()
    return Path(value).expanduser() if value else MODELS_DIR


def download_command(name: str = DEFAULT_VOSK_MODEL) -> str:
    """The command that installs (or repairs) a model."""
    return f"python run.py models download {name}"


def load_manifest(path: Path | None = None) -> tuple[ModelSpec, ...]:
    """The known models; ModelError (one line) when the manifest cannot be read or an entry is malformed."""
    import yaml

    path = path or MANIFEST_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ModelError(f"cannot read the model manifest {path}: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ModelError(f"the model manifest {path} is not valid YAML{where}") from None
    entries = data.get("models") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ModelError(f"the model manifest {path} needs a list under 'models:'")
    specs = [_spec(entry, number, path) for number, entry in enumerate(entries, start=1)]
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ModelError(f"the model manifest {path} names {', '.join(duplicates)} more than once")
    return tuple(specs)


def _spec(entry: object, number: int, path: Path) -> ModelSpec:
    where = f"the model manifest {path}, entry {number}"
    if not isinstance(entry, dict):
        raise ModelError(f"{where}: expected name, url, size, sha256, language, kind and folder")
    missing = [key for key in ("name", "url", "size", "sha256", "language", "kind") if entry.get(key) in (None, "")]
    if missing:
        raise ModelError(f"{where}: missing {', '.join(missing)}")
    name, sha256, size = str(entry["name"]), str(entry["sha256"]).lower(), entry["size"]
    folder = str(entry.get("folder") or name)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ModelError(f"{where} ({name}): size must be the archive's size in bytes")
    if not _SHA256.fullmatch(sha256):
        raise ModelError(f"{where} ({name}): sha256 must be 64 hex digits")
    if entry["kind"] not in KINDS:
        raise ModelError(f"{where} ({name}): kind must be one of {', '.join(KINDS)}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", folder) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise ModelError(f"{where} ({name}): name and folder must be plain folder names (letters, digits, . _ -)")
    return ModelSpec(name, str(entry["url"]), size, sha256, str(entry["language"]), str(entry["kind"]), folder,
                     str(entry.get("note") or ""))


def model_spec(name: str, manifest: Sequence[ModelSpec]) -> ModelSpec:
    """The manifest's entry called ``name``; ModelError listing the known names when there is none."""
    for spec in manifest:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in manifest) or "none"
    raise ModelError(f"no model called '{name}' in the manifest; known models: {known} (see: python run.py models)")


def model_problem(path: Path) -> str | None:
    """What keeps the Vosk model folder ``path`` from loading, in a few words; None when it looks complete."""
    if not path.is_dir():
        return "not installed" if not path.exists() else "not a folder"
    record = path / RECORD_FILE
    if record.is_file():
        try:
            files = json.loads(record.read_text(encoding="utf-8"))["files"]
            sizes = {str(name): int(size) for name, size in files.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return f"its install record {RECORD_FILE} is unreadable"
        for name, size in sorted(sizes.items()):
            file = path / name
            if not file.is_file():
                return f"missing {name}"
            if file.stat().st_size != size:
                return f"{name} has changed size ({file.stat().st_size} bytes, installed as {size})"
    for name in VOSK_REQUIRED:
        if not (path / name).is_file():
            return f"missing {name}"
        if (path / name).stat().st_size == 0:
            return f"{name} is empty"
    if not any(all((path / name).is_file() for name in graph) for graph in VOSK_GRAPHS):
        have_lookahead = any((path / name).is_file() for name in VOSK_GRAPHS[0])
        missing = [name for name in VOSK_GRAPHS[0] if not (path / name).is_file()] if have_lookahead else \
            ["graph/HCLG.fst (or graph/HCLr.fst and graph/Gr.fst)"]
        return f"missing {', '.join(missing)}"
    return None


def check_model(path: Path, manifest: Sequence[ModelSpec] | None = None) -> None:
    """ModelError naming the problem and the command that fixes it, unless ``path`` holds a complete Vosk model."""
    problem = model_problem(path)
    if problem is None:
        return
    command = repair_command(path, manifest)
    if problem == "not installed":
        raise ModelError(f"there is no Vosk model in {path}; download one with: {command}")
    raise ModelError(f"the Vosk model in {path} is incomplete ({problem}); reinstall it with: {command}")


def repair_command(path: Path, manifest: Sequence[ModelSpec] | None = None) -> str:
    """The command that installs the model folder ``path`` (the default English model when no entry makes it)."""
    try:
        specs = load_manifest() if manifest is None else manifest
    except ModelError:
        specs = ()
    for spec in specs:
        if spec.folder == path.name or spec.name == path.name:
            return download_command(spec.name)
    return download_command(DEFAULT_VOSK_MODEL)


def survey(folder: Path | None = None, manifest: Sequence[ModelSpec] | None = None) -> list[ModelStatus]:
    """Every known model's state in ``folder``, then any other model folders found there (put in by hand)."""
    folder = models_dir() if folder is None else folder
    specs = load_manifest() if manifest is None else manifest
    statuses = [ModelStatus(spec, folder / spec.folder, model_problem(folder / spec.folder)) for spec in specs]
    known = {spec.folder for spec in specs}
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.name in known or path.name.startswith((".", "_")) or not path.is_dir():
                continue
            if (path / "am").is_dir() or (path / "conf" / "model.conf").is_file():
                statuses.append(ModelStatus(None, path, model_problem(path)))
    return statuses


def installed_vosk_model(language: str = "en", folder: Path | None = None,
                         manifest: Sequence[ModelSpec] | None = None) -> Path | None:
    """The folder of a complete Vosk model for ``language`` ("en" takes "en-us" too), or None.

    The manifest's models come first, in its order; then folders put in by hand whose name says the language
    ("vosk-model-en-us-0.22", "vosk-model-small-en-in-0.4"). An incomplete folder is passed over.
    """
    try:
        statuses = survey(folder, manifest)
    except ModelError:
        return None
    tag = re.compile(rf"(^|-){re.escape(language.lower())}(-|$)")
    for status in statuses:
        if not status.installed:
            continue
        if status.spec is not None:
            if status.spec.kind == "vosk" and status.spec.speaks(language):
                return status.path
        elif tag.search(status.path.name.lower()):
            return status.path
    return None

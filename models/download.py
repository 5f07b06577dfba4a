"""Installing a model: fetch its archive, check size and SHA-256 against the manifest, unpack it atomically.

Everything happens beside the final folder, under names starting with ``.download-``: the archive streams into a
temporary file, is checked, and is unpacked into a temporary folder, which is renamed into place only once it is
complete. So a half-finished download never looks installed; any error or Ctrl-C removes what it wrote; and
leftovers of a killed run are removed by the next one, which starts over.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import urlsplit

from models import MODELS_DIR_VARIABLE, RECORD_FILE, ModelError, ModelSpec, model_problem

CHUNK_BYTES = 64 * 1024
TIMEOUT_SECONDS = 30.0
"""How long to wait for the server to answer or to send the next block."""
TEMP_PREFIX = ".download-"
USER_AGENT = "epidural-voice-guide (model download)"

Progress = Callable[[int, int], None]
"""Called as bytes arrive: (received so far, total expected)."""


class DownloadError(ModelError):
    """The model could not be downloaded, checked or unpacked; nothing was installed."""


def download_model(spec: ModelSpec, folder: Path, progress: Progress | None = None,
                   timeout: float = TIMEOUT_SECONDS) -> Path:
    """Download, check and unpack ``spec`` into ``folder/spec.folder``; returns that path.

    A complete install already there is kept as it is (no download). An incomplete one is replaced only once the
    new copy is complete.
    """
    target = folder / spec.folder
    if model_problem(target) is None:
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(folder, spec)
        handle, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{spec.name}-", suffix=".zip.part", dir=folder)
    except OSError as error:
        raise DownloadError(f"cannot write to {folder}: {error.strerror or error}; "
                            f"set {MODELS_DIR_VARIABLE} to a writable folder") from None
    archive, staging = Path(name), None
    try:
        with os.fdopen(handle, "wb") as file:
            _fetch(spec, file, progress, timeout)
        staging = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{spec.name}-", dir=folder))
        unpacked = _unpack(spec, archive, staging)
        _replace(unpacked, target, staging)
    except OSError as error:
        raise DownloadError(f"cannot install {spec.name} in {folder}: {error.strerror or error}") from None
    finally:
        archive.unlink(missing_ok=True)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _remove_leftovers(folder: Path, spec: ModelSpec) -> None:
    """Temporary files and folders of an earlier run of this model's download that was killed."""
    for path in folder.glob(f"{TEMP_PREFIX}{spec.name}-*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _fetch(spec: ModelSpec, file: IO[bytes], progress: Progress | None, timeout: float) -> None:
    """Stream the archive into ``file``, checking its size and SHA-256 on the way."""
    host = urlsplit(spec.url).netloc or spec.url
    request = urllib.request.Request(spec.url, headers={"User-Agent": USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{host} answered {error.code} {error.reason} for {spec.url}; "
                            "the model may have moved: check the manifest's url") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError):
        raise DownloadError(f"cannot reach {host}; check the network") from None
    digest = hashlib.sha256()
    received = 0
    with response:
        length = response.headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) != spec.size:
            raise DownloadError(f"{host} offers {int(length):,} bytes for {spec.name}, the manifest says "
                                f"{spec.size:,}: not the file the manifest knows, so it was not downloaded")
        if progress is not None:
            progress(0, spec.size)
        while True:
            try:
                block = response.read(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as error:
                reason = str(error) or type(error).__name__
                raise DownloadError(f"the download of {spec.name} broke off after {received:,} of {spec.size:,} "
                                    f"bytes ({reason}); run the command again") from None
            if not block:
                break
            received += len(block)
            if received > spec.size:
                raise DownloadError(f"{host} sent more than the manifest's {spec.size:,} bytes for {spec.name}: "
                                    "not the file the manifest knows; nothing was installed")
            file.write(block)
            digest.update(block)
            if progress is not None:
                progress(received, spec.size)
    if received != spec.size:
        raise DownloadError(f"the download of {spec.name} stopped at {received:,} of {spec.size:,} bytes; "
                            "run the command again")
    if digest.hexdigest() != spec.sha256:
        raise DownloadError(f"the download of {spec.name} has SHA-256 {digest.hexdigest()}, the manifest says "
                            f"{spec.sha256}: not the file the manifest knows; nothing was installed")


def _unpack(spec: ModelSpec, archive: Path, staging: Path) -> Path:
    """Extract the checked archive into ``staging``; returns the model folder inside it, complete and recorded."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            for member in members:
                parts = PurePosixPath(member.filename).parts
                if member.filename.startswith("/") or "\\" in member.filename or ".." in parts or not parts:
                    raise DownloadError(f"{spec.name}: the archive holds an unsafe path ({member.filename}); "
                                        "nothing was installed")
                if parts[0] != spec.folder:
                    raise DownloadError(f"{spec.name}: the archive holds {parts[0]}, not the folder {spec.folder} "
                                        "the manifest names; fix the manifest's folder")
            bundle.extractall(staging)
    except zipfile.BadZipFile:
        raise DownloadError(f"{spec.name}: the download is not a zip archive; nothing was installed") from None
    unpacked = staging / spec.folder
    problem = model_problem(unpacked)
    if problem is not None:
        raise DownloadError(f"{spec.name}: the archive is not a complete Vosk model ({problem}); "
                            "nothing was installed")
    files = {path.relative_to(unpacked).as_posix(): path.stat().st_size
             for path in sorted(unpacked.rglob("*")) if path.is_file()}
    record = {"name": spec.name, "url": spec.url, "sha256": spec.sha256, "files": files}
    (unpacked / RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return unpacked


def _replace(unpacked: Path, target: Path, staging: Path) -> None:
    """Move the new model into place; a broken one there before is moved aside first and removed with staging."""
    if target.exists() or target.is_symlink():
        target.rename(staging / ".replaced")
    unpacked.rename(target)


class ProgressBar:
    """A one-line progress bar for a terminal; silent when the stream is not one (a log, a pipe)."""

    def __init__(self, stream: IO[str], label: str, width: int = 30) -> None:
        self._stream = stream
        self._label = label
        self._width = width
        self._shown = -1
        isatty = getattr(stream, "isatty", None)
        self._active = bool(isatty and isatty())

    def __call__(self, received: int, total: int) -> None:
        if not self._active or total <= 0:
            return
        percent = min(100, received * 100 // total)
        if percent == self._shown:
            return
        self._shown = percent
        done = self._width * percent // 100
        bar = "#" * done + "." * (self._width - done)
        self._stream.write(f"\r{self._label} [{bar}] {percent:3d}%  {received / 1e6:.1f}/{total / 1e6:.1f} MB")
        self._stream.flush()

    def close(self) -> None:
        """End the bar's line (after success, an error or Ctrl-C)."""
        if self._active and self._shown >= 0:
            self._stream.write("\n")
            self._stream.flush()
            self._shown = -1

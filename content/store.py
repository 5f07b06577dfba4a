"""Saving files so that a crash, Ctrl-C or a full disk never leaves a half-written file under the final name."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes | str, make_parents: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    On any error the temporary file is removed and ``path`` is left as it was; the OSError propagates.
    The file gets the usual permissions (0666 less the umask), not mkstemp's private 0600.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

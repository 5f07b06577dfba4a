"""Start on boot: a systemd user service that runs hands-free mode and restarts it if it fails.

``python run.py service install`` writes ``~/.config/systemd/user/epidural-voice-guide.service`` (``$XDG_CONFIG_HOME``)
and enables it with ``systemctl --user``; where that cannot run (no systemd, no user session) it prints the commands
to run instead. ``loginctl enable-linger`` makes a user service start at boot without anyone logging in; that needs
administrator rights, so it is printed, never run.

The unit lets the program open local sockets only (``RestrictAddressFamilies=AF_UNIX``: the sound server and D-Bus),
so even a fault could not reach the network.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

NAME = "epidural-voice-guide.service"
ROOT = Path(__file__).resolve().parent.parent


class ServiceError(Exception):
    """The service cannot be written or removed; the message says what to do."""


def unit_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(base) / "systemd" / "user" / NAME


def unit(python: str = sys.executable, root: Path = ROOT, arguments: tuple[str, ...] = ("listen",)) -> str:
    """The unit file's text: hands-free mode from this checkout, restarted on failure, local sockets only."""
    command = " ".join(shlex.quote(part) for part in (python, str(root / "run.py"), *arguments))
    return f"""[Unit]
Description=Epidural back-pain voice guide (hands-free)
Documentation=file://{root / "README.md"}
After=sound.target pulseaudio.service pipewire-pulse.service
Wants=sound.target
# Fast crash loops (a device that fails at once) are slowed, never given up on: a nursery device must come back.
StartLimitIntervalSec=0

[Service]
Type=simple
WorkingDirectory={root}
ExecStart={command}
Environment=PYTHONUNBUFFERED=1
Restart=on-failure
RestartSec=5
# Nothing leaves the machine: local sockets only (the sound server, D-Bus).
RestrictAddressFamilies=AF_UNIX
NoNewPrivileges=yes

[Install]
WantedBy=default.target
"""


def _systemctl(*arguments: str) -> str | None:
    """Run ``systemctl --user ARGUMENTS``; None if it worked, else why not (one line)."""
    if shutil.which("systemctl") is None:
        return "systemctl is not available here"
    try:
        result = subprocess.run(["systemctl", "--user", *arguments], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    if result.returncode != 0:
        return (result.stderr.strip().splitlines() or [f"systemctl exited with {result.returncode}"])[0]
    return None


def install(arguments: tuple[str, ...] = ("listen",)) -> list[str]:
    """Write and enable the service; the lines to tell the user (what was done, and what they must still run)."""
    from content.store import write_atomically

    path = unit_path()
    try:
        write_atomically(path, unit(arguments=arguments), make_parents=True)
    except OSError as error:
        raise ServiceError(f"cannot write {path} ({error.strerror or error}); check that folder's permissions") from None
    lines = [f"wrote {path}"]
    problem = _systemctl("daemon-reload") or _systemctl("enable", "--now", NAME)
    if problem is None:
        lines.append(f"enabled and started {NAME}; see it with: systemctl --user status {NAME}")
    else:
        lines.append(f"could not enable it here ({problem}); in your desktop or SSH session, run:")
        lines.append(f"  systemctl --user daemon-reload && systemctl --user enable --now {NAME}")
    lines.append(f"to start it at boot without logging in, run once: sudo loginctl enable-linger {getpass.getuser()}")
    return lines


def remove() -> list[str]:
    """Stop, disable and delete the service; the lines to tell the user."""
    path = unit_path()
    if not path.exists():
        return [f"no service installed ({path} is not there)"]
    problem = _systemctl("disable", "--now", NAME)
    try:
        path.unlink()
    except OSError as error:
        raise ServiceError(f"cannot delete {path} ({error.strerror or error})") from None
    _systemctl("daemon-reload")
    lines = [f"removed {path}"]
    if problem is not None:
        lines.append(f"(systemctl: {problem}; if it is still running: systemctl --user stop {NAME})")
    return lines

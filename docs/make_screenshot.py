"""Make docs/ptt-window.png: the push-to-talk window under Xvfb, captured with xwd (apt: xvfb, x11-apps).

    python docs/make_screenshot.py

No image library needed: xwd's 24/32-bit ZPixmap is read with numpy and written as PNG with zlib.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 520, 420


def xwd_to_rgb(data: bytes) -> np.ndarray:
    """An xwd dump (ZPixmap, 32 bits per pixel, TrueColor) as an H×W×3 array."""
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line, ncolors = fields[7], fields[11], fields[12], fields[19]
    if bits_per_pixel != 32:
        raise ValueError(f"expected 32 bits per pixel, got {bits_per_pixel}")
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data[start:start + bytes_per_line * height], dtype=np.uint8).reshape(height, bytes_per_line)
    pixels = rows[:, :width * 4].reshape(height, width, 4)
    return pixels[:, :, [2, 1, 0]] if byte_order == 0 else pixels[:, :, [1, 2, 3]]


def png(rgb: np.ndarray) -> bytes:
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as numbers:
        os.environ["DISPLAY"] = ":" + numbers.readline().strip()
    try:
        from voice.window import TalkWindow, open_root

        root = open_root()
        window = TalkWindow(root, lambda: None, lambda: None, lambda: None)
        root.geometry(f"{WIDTH}x{HEIGHT}+0+0")
        window.apply("state", "answering")
        window.apply("heard", "how long will my back hurt")
        window.apply("saying", "Usually, it's temporary, and doesn't last for too long. Soreness at the injection "
                               "site usually only sticks around for a few days after your epidural.")
        for _ in range(20):
            root.update()
            root.after(20)
        dump = subprocess.run(["xwd", "-root", "-silent"], capture_output=True, check=True).stdout
        root.destroy()
    finally:
        server.terminate()
        server.wait(10)
    target = ROOT / "docs" / "ptt-window.png"
    target.write_bytes(png(xwd_to_rgb(dump)[:HEIGHT, :WIDTH]))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

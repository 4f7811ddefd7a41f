"""What a Home Assistant on this machine loads from the system, installed on Debian as root.

Home Assistant's default integrations run ffmpeg (tts checks its version at start;
esphome depends on ffmpeg) and load libturbojpeg (camera). Home Assistant OS and its
container image ship both; a plain Python environment does not. The demo and the
release check call this before they start Home Assistant.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

#: What is looked for (a program or a shared library) -> its Debian package.
PROGRAMS = {"ffmpeg": "ffmpeg"}
LIBRARIES = {"turbojpeg": "libturbojpeg0"}


def missing_packages() -> list[str]:
    """The Debian packages of what is not on this machine."""
    return [p for name, p in PROGRAMS.items() if not shutil.which(name)] + [
        p for name, p in LIBRARIES.items() if not ctypes.util.find_library(name)
    ]


def ensure_system_packages(who: str) -> None:
    """Install what is missing (Debian, as root) or exit saying what to install."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"{who}: install {' '.join(missing)} first (Debian: apt-get install ...)")
    print(f"{who}: installing {' '.join(missing)} (Debian)", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True, stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )  # fmt: skip

"""What a Home Assistant on this machine loads from the system, installed on Debian as root.

Home Assistant's default integrations run ffmpeg (tts checks its version at start;
esphome depends on ffmpeg) and load libturbojpeg (camera). Home Assistant OS and its
container image ship both; a plain Python environment does not. The demo and the
release check call this before they start Home Assistant.

The local Bluetooth adapter the demo and the tests emulate needs a D-Bus system bus
of its own: Debian's ``dbus-daemon`` (``BLUEZ``). CI installs it before the tests with
``python scripts/system_packages.py dbus-daemon``.
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
#: The emulated local adapter's private system bus.
BLUEZ = {"dbus-daemon": "dbus-daemon"}


def missing_packages(programs: dict[str, str] | None = None) -> list[str]:
    """The Debian packages of what is not on this machine (``programs``: only those)."""
    if programs is not None:
        return [p for name, p in programs.items() if not _has_program(name)]
    return [p for name, p in PROGRAMS.items() if not _has_program(name)] + [
        p for name, p in LIBRARIES.items() if not ctypes.util.find_library(name)
    ]


def _has_program(name: str) -> bool:
    # dbus-daemon lives in /usr/bin, which a minimal PATH may lack
    return bool(shutil.which(name) or shutil.which(name, path="/usr/bin:/bin"))


def ensure_system_packages(who: str, *, bluez: bool = False) -> None:
    """Install what is missing (Debian, as root) or exit saying what to install.

    With ``bluez``, also what the emulated local adapter needs.
    """
    missing = missing_packages() + (missing_packages(BLUEZ) if bluez else [])
    _install(who, missing)


def _install(who: str, missing: list[str]) -> None:
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


def main() -> None:
    """Install the named packages' programs when missing: ``system_packages.py dbus-daemon``."""
    wanted = {name: p for name, p in {**PROGRAMS, **BLUEZ}.items() if p in sys.argv[1:]}
    _install("system_packages", missing_packages(wanted))


if __name__ == "__main__":
    main()

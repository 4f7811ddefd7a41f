"""A private D-Bus system bus: Debian's ``dbus-daemon`` with a permissive policy in a temp dir.

Clients find it through ``DBUS_SYSTEM_BUS_ADDRESS`` (what ``dbus-fast`` reads for
``BusType.SYSTEM``). The policy lets anyone own any name, so the emulated
bluetoothd can take ``org.bluez`` without root.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Final

ADDRESS_VARIABLE: Final = "DBUS_SYSTEM_BUS_ADDRESS"
DEBIAN_PACKAGE: Final = "dbus-daemon"

_CONFIG: Final = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class DBusDaemonMissing(RuntimeError):
    """``dbus-daemon`` is not installed."""

    def __init__(self) -> None:
        super().__init__(
            f"dbus-daemon not found: install Debian's {DEBIAN_PACKAGE} package "
            f"(apt-get install {DEBIAN_PACKAGE}); the emulated Bluetooth adapter runs on it"
        )


def dbus_daemon() -> str | None:
    """Path of the ``dbus-daemon`` program, if installed."""
    return shutil.which("dbus-daemon") or (
        "/usr/bin/dbus-daemon" if os.access("/usr/bin/dbus-daemon", os.X_OK) else None
    )


class PrivateSystemBus:
    """One ``dbus-daemon`` process and its temp dir; ``stop`` removes both."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.address = ""

    def start(self) -> str:
        """Start the daemon; returns its address (``unix:path=...``). Blocks until it listens."""
        program = dbus_daemon()
        if program is None:
            raise DBusDaemonMissing
        self._dir = Path(tempfile.mkdtemp(prefix="presso-dbus-"))
        socket = self._dir / "system_bus_socket"
        config = self._dir / "system.conf"
        config.write_text(_CONFIG.format(socket=socket))
        self._process = subprocess.Popen(
            [program, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        # the daemon prints its address once it accepts connections
        line = self._process.stdout.readline().decode().strip()
        if not line:
            self.stop()
            raise RuntimeError("dbus-daemon exited before listening")
        self.address = line.split(",")[0]
        return self.address

    def stop(self) -> None:
        """Stop the daemon and remove its temp dir."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PrivateSystemBus:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

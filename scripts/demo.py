"""Start a throw-away Home Assistant with simulated Presso boots behind emulated ESPHome proxies.

Run: ``uv run --frozen python scripts/demo.py`` and open the address it prints.
Ctrl+C stops Home Assistant cleanly and leaves nothing behind but ``.demo/``.

A third pair of boots is heard only by a local Bluetooth adapter: an emulated
bluetoothd (``python -m presso_sim.bluez``) on a private D-Bus system bus
(Debian's ``dbus-daemon``), which Home Assistant finds through
``DBUS_SYSTEM_BUS_ADDRESS``, as it finds BlueZ on a Raspberry Pi. Nothing in Home
Assistant is patched for it; the bus stops with the demo.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a file: the repository root makes `scripts` importable
    sys.path.insert(0, str(ROOT))
from presso_sim.bluez.__main__ import ADAPTER_ADDRESS  # noqa: E402
from presso_sim.bluez.bus import ADDRESS_VARIABLE, PrivateSystemBus  # noqa: E402
from scripts.ha_configuration import core_section  # noqa: E402
from scripts.system_packages import ensure_system_packages  # noqa: E402

USERNAME = "demo"
CONFIGURATION = (
    core_section("Presso demo")
    + """\
frontend:
config:
recorder:
history:
logbook:
bluetooth:
presso_demo:
lovelace:
  dashboards:
    leg-boots-yaml:
      mode: yaml
      filename: dashboards/presso_boots.yaml
      title: Leg boots (YAML example)
      icon: mdi:file-document-outline
      show_in_sidebar: false
logger:
  default: warning
  logs:
    custom_components.presso_boots: info
    # the emulated bluetoothd has no bluetoothctl beside it: bleak assumes BlueZ 5.55+
    bleak.backends.bluezdbus.version: error
"""
)

#: Onboarding's location step would add a weather service, a radio browser, a
#: shopping list and cloud text-to-speech: none of them belongs in a demo of leg
#: boots on a machine without Internet. The demo answers every step but the user
#: account itself, so Home Assistant starts only what this configuration names.
ONBOARDING = {
    "version": 4,
    "minor_version": 1,
    "key": "onboarding",
    "data": {"done": ["core_config", "analytics", "integration"]},
}


def _stored(key: str, data: dict[str, Any]) -> str:
    """A file of Home Assistant's .storage, as it writes them."""
    return json.dumps({"version": 1, "minor_version": 1, "key": key, "data": data}, indent=2)


def storage_dashboard(config: Path) -> None:
    """The example dashboard again, in storage mode: its cards can be edited in the UI.

    "Leg boots" in the sidebar; the YAML file it comes from stays reachable as
    /leg-boots-yaml, the way a user who pastes it would have it.
    """
    view = yaml.safe_load((ROOT / "dashboards" / "presso_boots.yaml").read_text("utf-8"))
    dashboard = {
        "id": "leg_boots", "url_path": "leg-boots", "title": "Leg boots", "icon": "mdi:shoe-sneaker",
        "show_in_sidebar": True, "require_admin": False, "mode": "storage",
    }  # fmt: skip
    storage = config / ".storage"
    (storage / "lovelace_dashboards").write_text(
        _stored("lovelace_dashboards", {"items": [dashboard]})
    )
    (storage / "lovelace.leg_boots").write_text(_stored("lovelace.leg_boots", {"config": view}))


def _post(
    url: str, body: dict[str, object], token: str | None = None, form: bool = False
) -> dict[str, object]:
    data = (
        "&".join(f"{k}={v}" for k, v in body.items()).encode()
        if form
        else json.dumps(body).encode()
    )
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header(
        "Content-Type", "application/x-www-form-urlencoded" if form else "application/json"
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")  # type: ignore[no-any-return]


def prepare(config: Path) -> None:
    """A fresh config dir with our integration and the demo proxy."""
    shutil.rmtree(config, ignore_errors=True)
    (config / "custom_components").mkdir(parents=True)
    (config / "configuration.yaml").write_text(CONFIGURATION)
    (config / ".storage").mkdir()
    (config / ".storage" / "onboarding").write_text(json.dumps(ONBOARDING))
    for source in (
        ROOT / "custom_components" / "presso_boots",
        ROOT / "demo" / "custom_components" / "presso_demo",
    ):
        (config / "custom_components" / source.name).symlink_to(source)
    (config / "dashboards").mkdir()
    (config / "dashboards" / "presso_boots.yaml").symlink_to(
        ROOT / "dashboards" / "presso_boots.yaml"
    )
    storage_dashboard(config)
    # the project's blueprints, as if imported: Settings -> Automations & scenes -> Blueprints
    for domain in ("automation", "script"):
        (config / "blueprints" / domain).mkdir(parents=True)
        (config / "blueprints" / domain / "presso_boots").symlink_to(
            ROOT / "blueprints" / domain / "presso_boots"
        )
    # Only the simulator goes on the path: the repository's own custom_components
    # package would hide the config dir's one (and the demo component in it).
    (config / "deps-presso").mkdir()
    (config / "deps-presso" / "presso_sim").symlink_to(ROOT / "presso_sim")


def wait_until_up(base: str, hass: subprocess.Popen[bytes], seconds: float = 180) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if hass.poll() is not None:
            raise SystemExit(f"Home Assistant exited with {hass.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/onboarding", timeout=2):
                return
        except urllib.error.URLError, ConnectionError, TimeoutError:
            time.sleep(0.5)
    raise SystemExit("Home Assistant did not start in time")


def onboard(base: str, password: str) -> str:
    """Create the demo user, the one onboarding step left (see ONBOARDING); an access token."""
    reply = _post(f"{base}/api/onboarding/users", {
        "client_id": f"{base}/", "name": "Demo", "username": USERNAME, "password": password, "language": "en",
    })  # fmt: skip
    tokens = _post(f"{base}/auth/token", {
        "grant_type": "authorization_code", "code": reply["auth_code"], "client_id": f"{base}/",
    }, form=True)  # fmt: skip
    return str(tokens["access_token"])


def _get(url: str, token: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def add_adapter(base: str, token: str, address: str, seconds: float = 60) -> None:
    """Add the local adapter as a user does (Add integration -> Bluetooth -> Submit).

    Home Assistant adds it by itself if it discovers it before onboarding is done;
    either way it is configured when this returns.
    """
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        entries = _get(f"{base}/api/config/config_entries/entry?domain=bluetooth", token)
        if any(address in entry["title"] for entry in entries):  # "<maker> <model> (<address>)"
            return
        flow = _post(f"{base}/api/config/config_entries/flow", {"handler": "bluetooth"}, token)
        if flow.get("type") == "form":
            _post(f"{base}/api/config/config_entries/flow/{flow['flow_id']}", {}, token)
        time.sleep(0.5)
    raise SystemExit("Home Assistant did not find the local Bluetooth adapter")


def wait_for_discovery(base: str, seconds: float = 120) -> None:
    """The boots discovered: pages opened from now on load their card (``frontend.py``).

    Home Assistant's frontend loads a dashboard module once per page, so a tab opened
    before the boots were discovered shows "Configuration error" for their card until
    it is reloaded once.
    """
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with urllib.request.urlopen(f"{base}/", timeout=10) as response:
            if b"/presso_boots/presso-boots-card.js" in response.read():
                return
        time.sleep(0.5)
    raise SystemExit("The simulated boots were not discovered in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--config", type=Path, default=ROOT / ".demo" / "config")
    args = parser.parse_args()
    ensure_system_packages("demo", bluez=True)
    pin = f"{secrets.randbelow(10**6):06d}"
    prepare(args.config)
    password = secrets.token_urlsafe(9)
    # SETUP_PORT sets the HTTP default port without a YAML http: section (which
    # Home Assistant would stage as a trial configuration to confirm).
    env = {
        **os.environ,
        "PYTHONPATH": str(args.config / "deps-presso"),
        "PRESSO_DEMO_PIN": pin,
        "SETUP_PORT": str(args.port),
    }
    bus = PrivateSystemBus()
    env[ADDRESS_VARIABLE] = bus.start()
    try:
        # bluetoothd runs before Home Assistant, which enumerates adapters as it starts
        bluetoothd = start_bluetoothd(env)
        try:
            run_home_assistant(args, env, password, pin)
        finally:
            stop(bluetoothd)
    finally:
        bus.stop()


def run_home_assistant(
    args: argparse.Namespace, env: dict[str, str], password: str, pin: str
) -> None:
    """Home Assistant until Ctrl+C (or SIGTERM), then stopped cleanly."""
    hass = subprocess.Popen(
        [sys.executable, "-m", "homeassistant", "--config", str(args.config), "--skip-pip"],
        env=env, cwd=args.config,
    )  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    # A service manager, an IDE or `kill` sends SIGTERM: stop Home Assistant as Ctrl+C does.
    signal.signal(signal.SIGTERM, _stop_requested)
    try:
        wait_until_up(base, hass)
        add_adapter(base, onboard(base, password), ADAPTER_ADDRESS)
        wait_for_discovery(base)
        print(
            f"\nPresso demo is ready: open {base}\n"
            f"  log in as: {USERNAME} / {password}\n"
            f"  Settings -> Devices & services shows three discovered boots:\n"
            f"    Presso D005 (Duo 5, no PIN) and Presso E008 (Pro 8, PIN {pin}),\n"
            f"  heard through two emulated ESPHome proxies (Living Room, Bedroom),\n"
            f"  and Presso 6004 (Go 4), heard only by the local adapter (an emulated bluetoothd):\n"
            f"  Settings -> Bluetooth shows the adapter and the two proxies.\n"
            f"  Once they are added, the 'Leg boots' dashboard in the sidebar shows their cards\n"
            f"  (editable: pencil, top right); the project's blueprints are installed.\n"
            f"  A tab opened before this message shows 'Configuration error' for the cards:\n"
            f"  reload it once.\n"
            f"  Ctrl+C stops Home Assistant.\n",
            flush=True,
        )
        hass.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(hass)


def start_bluetoothd(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The emulated bluetoothd with the adapter's boots; returns once it owns ``org.bluez``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "presso_sim.bluez"],
        env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()  # it prints one line once it serves
    if not line:
        raise SystemExit(f"the emulated bluetoothd exited with {process.wait()}")
    return process


def _stop_requested(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Home Assistant (or bluetoothd) within 30 s (it saves its state first), then make sure."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    main()

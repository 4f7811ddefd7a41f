"""Prove the integration on the Home Assistant release people run, not only the one tests pin.

Run: ``uv run --frozen python scripts/check_ha_release.py`` (CI runs it after the demo test).

It makes a separate virtual environment (Python 3.14, in a temporary directory) with
``homeassistant==RELEASE`` and the requirements of the integrations that this Home
Assistant sets up (its defaults and our config's), resolved under the release's own
``package_constraints.txt`` (the versions its users get; it fails when an installed
package differs from a pin). In that venv it runs the Marketplace's own code over the
repository (``scripts/marketplace_layout.py``) and checks that repairs issues are tied to
their config entry where the release takes ``config_entry_id``. Then it starts a real
``hass`` with a throw-away configuration, this integration and the demo's virtual proxy
with two simulated pairs of boots, and over the REST API:

1. onboards a user and gets a token;
2. checks the brand icon is served from ``custom_components/presso_boots/brand``;
3. adds both boots through the config flow (the Pro 8 asks for its PIN);
4. saves automations on the integration's triggers and condition (automation editor API);
5. turns the session switch on, sees the session running and the "session started"
   automation run, turns it off, sees the session stop and the "session ended: stopped"
   automation run; then starts one with the presso_boots.start_session action;
6. submits the options form (the entry reloads) and downloads the diagnostics;
7. stops Home Assistant.

It fails on any ERROR or Traceback line in the log, on any deprecation warning that
names presso_boots (Python's warnings are shown, and Home Assistant's "Detected that
custom integration ..." reports), and when Home Assistant does not stop cleanly.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a file: the repository root makes `scripts` importable
    sys.path.insert(0, str(ROOT))
from scripts.ha_configuration import core_section  # noqa: E402
from scripts.system_packages import ensure_system_packages  # noqa: E402

RELEASE = "2026.11.0"
DUO = ("D0:5E:ED:00:D0:05", None)
PRO = ("D0:5E:ED:00:E0:08", "135790")
# The integrations that the configuration below sets up (besides Home Assistant's defaults),
# and hassio, which usb and analytics import without setting it up; the dependencies of
# our two components are added from their manifests.
CONFIGURED = ["api", "config", "onboarding", "bluetooth", "hassio"]
COMPONENTS = [
    ROOT / "custom_components" / "presso_boots",
    ROOT / "demo" / "custom_components" / "presso_demo",
]
# Manifest pins that do not install on Python 3.14 (no wheel; the sdist does not build):
# the versions with 3.14 wheels, the same the project's test group uses.
OVERRIDES = {"pymicro-vad": "pymicro-vad==2.1.0", "pyspeex-noise": "pyspeex-noise==2.0.1"}
CONFIGURATION = (
    core_section("Presso release check")
    + """\
api:
config:
automation: !include automations.yaml
bluetooth:
presso_demo:
logger:
  default: info
  logs:
    custom_components.presso_boots: info
"""
)
# Home Assistant's own set-up order, read from the installed release: the default
# integrations plus ours, with every dependency, and the requirements they declare.
REQUIREMENTS_SCRIPT = """
import json, sys
from pathlib import Path
import homeassistant
from homeassistant import bootstrap
components = Path(homeassistant.__file__).parent / "components"
todo = [*bootstrap.DEFAULT_INTEGRATIONS, *bootstrap.CORE_INTEGRATIONS, *sys.argv[1:]]
seen, requirements = set(), []
while todo:
    domain = todo.pop()
    manifest = components / domain / "manifest.json"
    if domain in seen or not manifest.exists():
        continue
    seen.add(domain)
    data = json.loads(manifest.read_text())
    todo += data.get("dependencies", [])
    requirements += data.get("requirements", [])
print(json.dumps(sorted(set(requirements))))
"""
CONSTRAINTS_SCRIPT = """
from pathlib import Path
import homeassistant
print((Path(homeassistant.__file__).parent / "package_constraints.txt").read_text())
"""
END_MARKER = "check_ha_release: end of the checks"
ERROR_LINE = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) |Traceback \(most recent call last\)")
DEPRECATION = re.compile(
    r"deprecat|Detected that custom integration|will stop working", re.IGNORECASE
)


def log(message: str) -> None:
    print(f"check_ha_release: {message}", flush=True)


def run(*command: str) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def manifest_dependencies() -> list[str]:
    """What our components' manifests make Home Assistant set up (or import) with them."""
    found: list[str] = []
    for component in COMPONENTS:
        manifest = json.loads((component / "manifest.json").read_text())
        found += manifest.get("dependencies", []) + manifest.get("after_dependencies", [])
    return found


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[=<>!~;\[ ]", requirement, maxsplit=1)[0]).lower()


def release_constraints(python: Path, directory: Path) -> tuple[Path, dict[str, str]]:
    """The release's package_constraints.txt (what its users get), as a uv constraints file,
    with OVERRIDES for the pins that do not install on Python 3.14; and its exact pins."""
    text = subprocess.run(
        [str(python), "-c", CONSTRAINTS_SCRIPT], check=True, capture_output=True, text=True
    ).stdout
    lines, pins = [], {}
    for original in text.splitlines():
        name = _name(original.strip()) if original.strip() and not original.startswith("#") else ""
        line = OVERRIDES.get(name, original)
        lines.append(line)
        if (match := re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)$", line.strip())) is not None:
            pins[_name(match[1])] = match[2]
    path = directory / "constraints.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, pins


def check_pins(uv: str, python: Path, pins: dict[str, str]) -> None:
    """Every installed package that the release pins has the release's version."""
    listed = subprocess.run(
        [uv, "pip", "list", "--python", str(python), "--format", "json"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    installed = {_name(p["name"]): p["version"] for p in json.loads(listed)}
    drift = {n: (installed[n], v) for n, v in pins.items() if n in installed and installed[n] != v}
    if drift:
        raise SystemExit(
            f"installed versions are not the release's pins (installed, pinned): {drift}"
        )
    on_pins = sum(name in installed for name in pins)
    log(f"{on_pins} installed packages on the release's package_constraints.txt pins")


def make_venv(directory: Path, release: str) -> Path:
    """A Python 3.14 venv with the release and what the integrations it sets up import,
    at the versions the release's package_constraints.txt pins."""
    uv = shutil.which("uv") or sys.exit("uv is needed (https://docs.astral.sh/uv/)")
    run(uv, "venv", "--quiet", "--python", "python3.14", str(directory))
    python = directory / "bin" / "python"
    run(uv, "pip", "install", "--quiet", "--python", str(python), f"homeassistant=={release}")
    constraints, pins = release_constraints(python, directory.parent)
    found = subprocess.run(
        [str(python), "-c", REQUIREMENTS_SCRIPT, *CONFIGURED, *manifest_dependencies()],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    requirements = [
        OVERRIDES.get(re.split(r"[=<>!~\[ ]", pin, maxsplit=1)[0], pin) for pin in json.loads(found)
    ]
    # One resolution with the release pinned, so nothing replaces its own dependencies.
    run(
        uv, "pip", "install", "--quiet", "--python", str(python), "--constraint", str(constraints),
        f"homeassistant=={release}", *requirements,
    )  # fmt: skip
    check_pins(uv, python, pins)
    return python


# Run in the release's venv: the Marketplace's own code over the repository, and our
# feature detection of repairs issues tied to a config entry (2026.11).
API_SCRIPT = """
import inspect, sys
sys.path.insert(0, sys.argv[1])
from homeassistant.helpers import issue_registry as ir
from custom_components.presso_boots import repairs
from scripts.marketplace_layout import problems
takes = "config_entry_id" in inspect.signature(ir.async_create_issue).parameters
print(f"issues take config_entry_id: {takes}, ours pass it: {repairs.ISSUES_TAKE_CONFIG_ENTRY}")
if takes != repairs.ISSUES_TAKE_CONFIG_ENTRY:
    sys.exit("presso_boots does not tie repairs issues to their entry on this release")
found = problems()
print("the Marketplace reads the repository" if not found else "\\n".join(found))
sys.exit(1 if found else 0)
"""


def release_api(python: Path) -> None:
    """The release's API as we use it, outside a running Home Assistant."""
    result = subprocess.run(
        [str(python), "-c", API_SCRIPT, str(ROOT)], capture_output=True, text=True, check=False
    )
    for line in (result.stdout + result.stderr).splitlines():
        log(line)
    if result.returncode:
        raise SystemExit("check_ha_release: the release's API check failed")


def prepare(config: Path) -> None:
    """A fresh config dir with the integration and the demo's proxy (symlinks, like the demo)."""
    (config / "custom_components").mkdir(parents=True)
    (config / "configuration.yaml").write_text(CONFIGURATION)
    (config / "automations.yaml").write_text("[]\n")
    for source in COMPONENTS:
        (config / "custom_components" / source.name).symlink_to(source)
    # Only the simulator on the path: the repository's custom_components package would
    # hide the config dir's one.
    (config / "deps-presso").mkdir()
    (config / "deps-presso" / "presso_sim").symlink_to(ROOT / "presso_sim")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Api:
    """Home Assistant's REST API with a bearer token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, form: bool = False
    ) -> tuple[int, bytes, str]:
        data = None
        headers = {}
        if body is not None:
            if form:
                data = "&".join(f"{k}={v}" for k, v in body.items()).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as err:
            return err.code, err.read(), ""

    def json(
        self, method: str, path: str, body: dict[str, Any] | None = None, form: bool = False
    ) -> Any:
        status, raw, _ = self.request(method, path, body, form)
        if status >= 400:
            raise HttpError(f"{method} {path} -> HTTP {status}: {raw[:500]!r}")
        return json.loads(raw or b"null")


class HttpError(SystemExit):
    """An HTTP error answer: ends the check, unless a wait is still before its deadline."""


def wait_for(what: str, check: Callable[[], Any], seconds: float) -> Any:
    """Ask until ``check`` answers truthy; a not-yet answer is asked again until the deadline.

    Not yet: a falsy result, an HTTP error (a 404 while an automation or entity is still
    being set up) or a connection that is refused or times out. Anything else (Home
    Assistant exited, say) ends the wait at once.
    """
    end = time.monotonic() + seconds
    last = "no answer"
    while True:
        try:
            if result := check():
                return result
            last = f"the last answer was {result!r}"
        except (HttpError, urllib.error.URLError, ConnectionError, TimeoutError) as err:
            last = f"the last answer was {err}"
        if time.monotonic() >= end:
            raise SystemExit(f"timed out after {seconds:.0f} s waiting for {what}: {last}")
        time.sleep(0.5)


def wait_until_up(api: Api, hass: subprocess.Popen[bytes], seconds: float = 240) -> None:
    def up() -> bool:
        if hass.poll() is not None:
            raise SystemExit(f"Home Assistant exited with {hass.returncode}")
        return api.request("GET", "/api/onboarding")[0] == 200

    wait_for("Home Assistant to answer", up, seconds)


def onboard(api: Api) -> None:
    client_id = f"{api.base}/"
    code = api.json("POST", "/api/onboarding/users", {
        "client_id": client_id, "name": "Check", "username": "check",
        "password": "release-check-password", "language": "en",
    })["auth_code"]  # fmt: skip
    token = api.json(
        "POST", "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": client_id}, form=True,
    )  # fmt: skip
    api.token = str(token["access_token"])


def check_brand(api: Api) -> None:
    status, body, content_type = api.request(
        "GET", "/api/brands/integration/presso_boots/icon.png?placeholder=no"
    )
    ours = (ROOT / "custom_components" / "presso_boots" / "brand" / "icon.png").read_bytes()
    if status != 200 or content_type != "image/png" or body != ours:
        raise SystemExit(
            f"brand icon not served from the integration (HTTP {status}, {content_type}, {body[:200]!r})"
        )
    log("brand icon served from custom_components/presso_boots/brand")


def add_boots(api: Api, address: str, pin: str | None) -> tuple[str, str]:
    """The user flow: pick the discovered boots, the PIN if asked, the safety note."""

    def offered() -> dict[str, Any] | None:
        flow: dict[str, Any] = api.json(
            "POST", "/api/config/config_entries/flow", {"handler": "presso_boots"}
        )
        if flow.get("type") == "form" and address in json.dumps(flow.get("data_schema")):
            return flow
        if flow.get("type") == "form":
            api.request("DELETE", f"/api/config/config_entries/flow/{flow['flow_id']}")
        return None

    flow = wait_for(f"{address} to be discovered", offered, 60)
    flow_id = flow["flow_id"]
    result = api.json("POST", f"/api/config/config_entries/flow/{flow_id}", {"address": address})
    if pin is not None:
        if result.get("step_id") != "pin":
            raise SystemExit(f"expected the PIN step, got {result}")
        result = api.json("POST", f"/api/config/config_entries/flow/{flow_id}", {"pin": pin})
    if result.get("step_id") != "safety":
        raise SystemExit(f"expected the safety step, got {result}")
    result = api.json(
        "POST", f"/api/config/config_entries/flow/{flow_id}", {"safety_acknowledged": True}
    )
    if result.get("type") != "create_entry":
        raise SystemExit(f"the flow did not create an entry: {result}")
    title = str(result["title"])
    log(f"entry added through the config flow: {title}")
    return title, str(result["result"]["entry_id"])


def entry_state(api: Api, entry_id: str) -> str:
    entries: list[dict[str, Any]] = api.json("GET", "/api/config/config_entries/entry")
    return next(str(e["state"]) for e in entries if e["entry_id"] == entry_id)


def options_and_diagnostics(api: Api, entry_id: str, pin: str | None) -> None:
    """Submit the options form as it is (the entry reloads); download the diagnostics."""
    flow = api.json("POST", "/api/config/config_entries/options/flow", {"handler": entry_id})
    defaults = {field["name"]: field["default"] for field in flow["data_schema"]}
    result = api.json(
        "POST", f"/api/config/config_entries/options/flow/{flow['flow_id']}", defaults
    )
    if result.get("type") != "create_entry":
        raise SystemExit(f"the options flow did not finish: {result}")
    wait_for("the entry to reload", lambda: entry_state(api, entry_id) == "loaded", 60)
    status, body, _ = api.request("GET", f"/api/diagnostics/config_entry/{entry_id}")
    if status != 200 or "data" not in json.loads(body):
        raise SystemExit(f"diagnostics: HTTP {status}")
    if pin is not None and pin.encode() in body:
        raise SystemExit("diagnostics show the PIN")
    log(f"options saved ({len(defaults)} fields, entry reloaded), diagnostics downloaded")


def states(api: Api) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.json("GET", "/api/states")
    return found


def session_entities(api: Api, title: str) -> tuple[str, str]:
    """The session switch (named after the device) and the session state sensor."""

    def find() -> tuple[str, str] | None:
        switch = sensor = None
        for state in states(api):
            entity_id = str(state["entity_id"])
            name = state["attributes"].get("friendly_name")
            if (
                entity_id.startswith("switch.")
                and name == title
                and state["state"] != "unavailable"
            ):
                switch = entity_id
            options = state["attributes"].get("options") or []
            if (
                entity_id.startswith("sensor.")
                and "running" in options
                and str(name).startswith(title)
            ):
                sensor = entity_id
        return (switch, sensor) if switch and sensor else None

    found: tuple[str, str] = wait_for(f"{title}'s session entities", find, 60)
    return found


def state_of(api: Api, entity_id: str) -> str:
    return str(api.json("GET", f"/api/states/{entity_id}")["state"])


def add_automations(api: Api, switch: str) -> tuple[str, str]:
    """Automations on our triggers and condition, saved through the automation editor's API."""
    template = {"template": f"{{{{ device_id('{switch}') }}}}"}
    device = api.request("POST", "/api/template", template)[1].decode()  # plain text
    options = {"device_id": device}
    slug = switch.removeprefix("switch.")
    automations = {
        f"{slug}_started": {
            "triggers": [{"trigger": "presso_boots.session_started", "options": options}],
            "conditions": [{"condition": "presso_boots.in_session", "options": options}],
        },
        f"{slug}_stopped": {
            "triggers": [
                {
                    "trigger": "presso_boots.session_finished",
                    "options": {**options, "ending": ["stopped"]},
                }
            ],
            "conditions": [],
        },
    }
    for key, config in automations.items():
        body = {"alias": f"check {key}", **config, "actions": [{"delay": 0}]}
        api.json("POST", f"/api/config/automation/config/{key}", body)
    started, stopped = (f"automation.check_{key}" for key in automations)
    wait_for(
        "the automations", lambda: state_of(api, started) == state_of(api, stopped) == "on", 30
    )
    return started, stopped


def triggered(api: Api, automation: str) -> bool:
    status, raw, _ = api.request("GET", f"/api/states/{automation}")
    return status == 200 and json.loads(raw)["attributes"].get("last_triggered") is not None


def run_session(api: Api, title: str) -> None:
    switch, sensor = session_entities(api, title)
    started, stopped = add_automations(api, switch)
    api.json("POST", "/api/services/switch/turn_on", {"entity_id": switch})
    wait_for(
        f"{switch} on and {sensor} running",
        lambda: state_of(api, switch) == "on" and state_of(api, sensor) == "running",
        60,
    )
    wait_for(f"{started} to run", lambda: triggered(api, started), 30)
    log(f"session running: {switch} on, {sensor} running, {started} ran")
    api.json("POST", "/api/services/switch/turn_off", {"entity_id": switch})
    wait_for(
        f"{switch} off and {sensor} idle",
        lambda: state_of(api, switch) == "off" and state_of(api, sensor) == "idle",
        90,
    )
    wait_for(f"{stopped} to run", lambda: triggered(api, stopped), 30)
    log(f"session stopped: {switch} off, {sensor} idle, {stopped} ran")
    # The integration's own action, with the device as target, then the switch stops it.
    template = {"template": f"{{{{ device_id('{switch}') }}}}"}
    device = api.request("POST", "/api/template", template)[1].decode()
    action = {"device_id": device, "program": "gradient", "pressure": 40, "duration": 5}
    api.json("POST", "/api/services/presso_boots/start_session", action)
    wait_for(f"{sensor} running", lambda: state_of(api, sensor) == "running", 60)
    api.json("POST", "/api/services/switch/turn_off", {"entity_id": switch})
    wait_for(f"{sensor} idle", lambda: state_of(api, sensor) == "idle", 90)
    log("presso_boots.start_session ran a session; the switch stopped it")


def problems(text: str) -> list[str]:
    """ERROR/Traceback lines, and deprecation warnings that name us."""
    found = []
    for line in text.splitlines():
        ours = "presso_boots" in line and DEPRECATION.search(line)
        if ERROR_LINE.search(line) or ours:
            found.append(line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--release", default=RELEASE)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="presso-ha-release-"))
    hass: subprocess.Popen[bytes] | None = None
    output = work / "hass-output.log"
    try:
        ensure_system_packages("check_ha_release")
        python = make_venv(work / "venv", args.release)
        log(f"homeassistant=={args.release} installed in {time.monotonic() - started:.0f} s")
        release_api(python)
        config = work / "config"
        prepare(config)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(config / "deps-presso"),
            "PRESSO_DEMO_PIN": PRO[1] or "",
            # The release's esphome pins newer aioesphomeapi/bleak-esphome than the package
            # registry has: the boots go behind the demo's virtual proxy (the test suite
            # and the demo carry them through the real esphome integration).
            "PRESSO_DEMO_PROXY": "virtual",
            "SETUP_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            # Python's deprecation warnings reach Home Assistant's log.
            "PYTHONWARNINGS": "default::DeprecationWarning,default::PendingDeprecationWarning",
        }
        env.pop("VIRTUAL_ENV", None)
        with output.open("wb") as sink:
            hass = subprocess.Popen(
                [str(python), "-m", "homeassistant", "--config", str(config), "--skip-pip"],
                env=env, cwd=config, stdout=sink, stderr=subprocess.STDOUT,
            )  # fmt: skip
        api = Api(f"http://127.0.0.1:{port}")
        wait_until_up(api, hass)
        log(f"Home Assistant {args.release} up after {time.monotonic() - started:.0f} s")
        onboard(api)
        wait_for(
            "Home Assistant to finish starting",
            lambda: api.json("GET", "/api/config")["state"] == "RUNNING",
            240,
        )
        log(f"Home Assistant {args.release} running after {time.monotonic() - started:.0f} s")
        check_brand(api)
        for address, pin in (DUO, PRO):
            title, entry_id = add_boots(api, address, pin)
            run_session(api, title)
            options_and_diagnostics(api, entry_id, pin)
        # A last line through Home Assistant's logging: the captured log is complete.
        api.json(
            "POST", "/api/services/system_log/write", {"message": END_MARKER, "level": "warning"}
        )
    finally:
        if hass is not None and hass.poll() is None:
            hass.send_signal(signal.SIGTERM)
            try:
                hass.wait(timeout=60)
            except subprocess.TimeoutExpired:
                hass.kill()
                hass.wait()
                log("Home Assistant did not stop within 60 s")
                sys.exit(1)
        text = output.read_text(errors="replace") if output.exists() else ""
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")
    if hass is None or hass.returncode != 0:
        print(text[-5000:])
        sys.exit(f"check_ha_release: Home Assistant exited with {hass and hass.returncode}")
    if END_MARKER not in text:
        print(text[-5000:])
        sys.exit("check_ha_release: the log ends before the checks did")
    if found := problems(text):
        print("\n".join(found))
        sys.exit(f"check_ha_release: {len(found)} error or deprecation line(s) in the log")
    log(f"Home Assistant {args.release}: passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

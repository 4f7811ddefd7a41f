"""The newcomer's path in a real browser: demo up, add the boots, start a session, pressures rise.

Needs Debian's chromium (``apt-get install chromium``); run with
``uv run --frozen pytest -m demo -p no:randomly tests/test_demo_browser.py``.
It saves the README's screenshot to docs/images/demo.png.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

pytestmark = pytest.mark.demo
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "images" / "demo.png"
#: The highest chamber pressure a leg boots card draws.
PEAK_PRESSURE = (
    "card => Math.max(0, ...[...card.shadowRoot.querySelectorAll('.chamber')]"
    ".map(chamber => Number(chamber.dataset.pressure || 0)))"
)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


class QuietPage:
    """Full page loads only once Home Assistant's websocket has been quiet for a moment.

    A load drops the websocket; in the middle of a large (compressed) message, such as
    the burst of states after boots are added, aiohttp logs the write to the closing
    transport as an unretrieved task exception. A user's browser waits no less.
    """

    def __init__(self, page: Any) -> None:
        self.page = page
        self.last_frame = time.monotonic()
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, _payload: object) -> None:
        self.last_frame = time.monotonic()

    @classmethod
    def of(cls, page: Any) -> QuietPage:
        """The page's tracker (made by ``new_page``)."""
        tracker: QuietPage = page.quiet
        return tracker

    def goto(self, url: str, quiet: float = 0.5, limit: float = 20.0) -> None:
        end = time.monotonic() + limit
        while time.monotonic() - self.last_frame < quiet and time.monotonic() < end:
            self.page.wait_for_timeout(100)
        self.page.goto(url)


def new_page(browser: Any, **options: Any) -> Any:
    """A page whose full loads wait for a quiet websocket (``QuietPage``)."""
    page = browser.new_page(**options)
    page.quiet = QuietPage(page)
    return page


def close_like_a_tab(browser: Any) -> None:
    """Leave every page first, as closing a tab does: Home Assistant's websocket then ends
    with a close handshake. Killing the browser mid-message resets the socket, and
    aiohttp logs the compressed frame it was writing as an unretrieved task exception."""
    for context in browser.contexts:
        for page in context.pages:
            QuietPage.of(page).goto("about:blank")
    time.sleep(1)
    browser.close()


#: The first line of a log record: Home Assistant's timestamp and level.
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ [A-Z]+ ")


def log_problems(lines: list[str]) -> list[str]:
    """Each ERROR or Traceback in the log, whole: the record and every line it spans.

    A record's continuation lines (a traceback, a chained exception) have no
    timestamp; the record ends at the next line that has one.
    """
    problems: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if LOG_RECORD.match(line):
            current = None
        if current is None and ("ERROR" in line or "Traceback" in line):
            current = []
            problems.append("")
        if current is not None:
            current.append(line.rstrip("\n"))
            problems[-1] = "\n".join(current)
    return problems


def require_chromium() -> None:
    """Skip without Debian's chromium; in CI (``CI=true``) fail instead, loudly."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {CHROMIUM} is missing: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path, socket_enabled: None) -> Iterator[dict[str, str]]:
    """The README's demo command; stopped the way a service manager stops it (SIGTERM).

    Needs Debian's chromium (``require_chromium``): every test that uses the demo drives it.
    """
    require_chromium()
    port = _free_port()
    config = tmp_path / "config"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--port", str(port), "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    ready = threading.Event()

    def read(stream: IO[str]) -> None:  # drain the pipe for the whole run
        for line in stream:
            lines.append(line)
            if "Ctrl+C stops" in line:
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    ready.wait(timeout=240)
    text = "".join(lines)
    pin = re.search(r"PIN (\d{6})", text)
    password = re.search(r"log in as: demo / (\S+)", text)
    assert pin, text[-3000:]
    assert password, text[-3000:]
    yield {"base": f"http://127.0.0.1:{port}", "pin": pin.group(1), "password": password.group(1)}
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the demo did not stop within 30 s of SIGTERM")
    reader.join(timeout=5)
    print(f"demo stopped {time.monotonic() - started:.1f} s after SIGTERM")
    pgrep = ["pgrep", "-f", str(config)]
    left = subprocess.run(pgrep, check=False, capture_output=True, text=True).stdout
    assert not left, f"processes left behind: {left}"
    assert process.returncode == 0
    noise = log_problems(lines)
    assert not noise, "\n".join(noise)


def _get(base: str, token: str, path: str) -> Any:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _state(base: str, token: str, entity_id: str) -> dict[str, Any]:
    state: dict[str, Any] = _get(base, token, f"/api/states/{entity_id}")
    return state


def _heard_through(base: str, token: str) -> dict[str, str]:
    """Each configured boots' title -> the Bluetooth source of its last advertisement."""
    entries = _get(base, token, "/api/config/config_entries/entry?domain=presso_boots")
    return {
        entry["title"]: _get(base, token, f"/api/diagnostics/config_entry/{entry['entry_id']}")[
            "data"
        ]["advertisement"]["source"]
        for entry in entries
    }


def _add_boots(page: Any, base: str, name: str, pin: str | None) -> None:
    QuietPage.of(page).goto(f"{base}/config/integrations/dashboard")
    page.get_by_text("Discovered").wait_for(timeout=60_000)
    page.locator("ha-config-flow-card", has_text=name).get_by_role("button", name="Add").click()
    page.get_by_role("button", name="Submit").click()  # confirm the discovered boots
    if pin:
        page.get_by_text("Enter the 6-digit PIN").wait_for()
        page.locator("dialog-data-entry-flow").get_by_role("textbox").fill(pin)
        page.get_by_role("button", name="Submit").click()
    page.get_by_text("I have read this").click()  # the safety acknowledgement
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Skip and finish").click()
    page.wait_for_url(re.compile(r".*/config/devices/device/.*"))  # HA shows the new device


def test_newcomer_adds_the_boots_and_runs_a_session(demo: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base = demo["base"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = new_page(browser, viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        try:
            page.goto(base)
            page.locator("input[name=username]").fill("demo")
            page.locator("input[name=password]").fill(demo["password"])
            page.locator("input[name=password]").press("Enter")
            page.wait_for_function("() => localStorage.hassTokens", timeout=60_000)
            token = page.evaluate("() => JSON.parse(localStorage.hassTokens).access_token")
            # the two emulated ESP32s, added by Home Assistant's esphome integration
            proxies = _get(base, token, "/api/config/config_entries/entry?domain=esphome")
            assert sorted((p["title"], p["state"]) for p in proxies) == [
                ("Bedroom", "loaded"), ("Living Room", "loaded"),
            ]  # fmt: skip
            _add_boots(page, base, "Presso E008", demo["pin"])
            _add_boots(page, base, "Presso D005", None)
            # the proxies' Bluetooth MACs: the Pro 8 is heard best in the bedroom
            assert _heard_through(base, token) == {
                "Presso E008": "AA:BB:CC:00:20:02", "Presso D005": "AA:BB:CC:00:10:02",
            }  # fmt: skip
            assert _state(base, token, "switch.presso_e008")["state"] == "off"
            QuietPage.of(page).goto(f"{base}/leg-boots/leg-boots")
            card = page.locator("presso-boots-card").first  # the Presso D005's
            card.get_by_role("button", name="Start").click()
            deadline = time.monotonic() + 90
            peak = 0
            while time.monotonic() < deadline and peak < 20:
                time.sleep(2)
                peak = card.evaluate(PEAK_PRESSURE)
            assert _state(base, token, "switch.presso_d005")["state"] == "on"
            assert _state(base, token, "sensor.presso_d005_session_state")["state"] == "running"
            assert peak >= 20, "chamber pressures rise during the session"
            page.wait_for_timeout(3000)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        except Exception:
            page.screenshot(path=str(ROOT / ".demo" / "failure.png"))
            raise
        finally:
            close_like_a_tab(browser)

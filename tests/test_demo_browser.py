"""The newcomer's path in a real browser: demo up, add the boots, start a session, pressures rise.

Needs Debian's chromium (``apt-get install chromium``); run with
``uv run --frozen pytest -m demo -p no:randomly tests/test_demo_browser.py``.
It saves the README's screenshot to docs/images/demo.png.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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


@contextmanager
def browser_tab(width: int, height: int, failure: str | None = None) -> Iterator[Any]:
    """Headless chromium with one tab of this size (``new_page``), closed like a tab.

    With ``failure``, a test that fails leaves a screenshot of the tab as ``.demo/<failure>``.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = new_page(browser, viewport={"width": width, "height": height})
        page.set_default_timeout(30_000)
        try:
            yield page
        except Exception:
            if failure is not None:
                page.screenshot(path=str(ROOT / ".demo" / failure))
            raise
        finally:
            close_like_a_tab(browser)


def log_in(page: Any, demo: dict[str, str]) -> str:
    """Log in to the demo's Home Assistant as its user; the frontend's access token."""
    page.goto(demo["base"])
    page.locator("input[name=username]").fill("demo")
    page.locator("input[name=password]").fill(demo["password"])
    page.locator("input[name=password]").press("Enter")
    page.wait_for_function("() => localStorage.hassTokens", timeout=60_000)
    token: str = page.evaluate("() => JSON.parse(localStorage.hassTokens).access_token")
    return token


def fits_a_phone(page: Any, card: Any) -> None:
    """On a 390 px phone the card stays on screen and nothing in it sticks out."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(1000)
    box = card.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    overflow = card.evaluate(
        "card => [...card.shadowRoot.querySelectorAll('*')]"
        ".some(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
    )
    assert not overflow, "nothing in the card sticks out of a 390 px phone"


def poll(check: Callable[[], Any], seconds: float = 90, every: float = 0.5) -> Any:
    """Ask ``check`` every ``every`` seconds until it answers something true; that answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise AssertionError(f"not within {seconds} s")


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


#: aiohttp's own record (every frame in its websocket writer): a compressed send of more
#: than 16 KiB runs in a shielded task; when its caller is cancelled (Home Assistant's
#: server cancels a request's handler once the browser's connection is gone) the send goes
#: on, fails on the closed transport, and nobody retrieves that exception. Reproduced
#: below without Home Assistant (``test_aiohttp_leaves_a_cancelled_compressed_send_unretrieved``),
#: which fails once aiohttp retrieves it: then this allowance goes.
AIOHTTP_UNRETRIEVED_SEND = re.compile(
    r"Error doing job: Task exception was never retrieved \(task: None\)\n"
    r"Traceback \(most recent call last\):\n"
    r"(?:  File \"[^\"]*/aiohttp/_websocket/writer\.py\", line \d+, in \w+\n(?:    .*\n)*)+"
    r"aiohttp\.client_exceptions\.ClientConnectionResetError: Cannot write to closing transport$"
)


def is_aiohttp_unretrieved_send(record: str) -> bool:
    """Whether a log record is aiohttp's unretrieved compressed send, and nothing else."""
    body = record.split("] ", 1)[-1]
    return AIOHTTP_UNRETRIEVED_SEND.fullmatch(body) is not None


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
    problems = log_problems(lines)
    for record in filter(is_aiohttp_unretrieved_send, problems):
        print(
            f"aiohttp's unretrieved compressed send (not ours; see AIOHTTP_UNRETRIEVED_SEND):\n{record}"
        )
    noise = [record for record in problems if not is_aiohttp_unretrieved_send(record)]
    assert not noise, "\n".join(noise)


def _get(base: str, token: str, path: str) -> Any:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _state(base: str, token: str, entity_id: str) -> dict[str, Any]:
    state: dict[str, Any] = _get(base, token, f"/api/states/{entity_id}")
    return state


def _heard_through(page: Any, base: str, token: str) -> dict[str, str]:
    """Each configured boots' title -> the Bluetooth source Home Assistant has them from.

    Read as the frontend's Bluetooth advertisement monitor reads it (the diagnostics
    redact the source): the first batch of ``bluetooth/subscribe_advertisements``.
    """
    entries = _get(base, token, "/api/config/config_entries/entry?domain=presso_boots")
    sources: dict[str, str] = page.evaluate(
        """() => new Promise(resolve => {
            const connection = document.querySelector('home-assistant').hass.connection;
            const unsubscribe = connection.subscribeMessage(message => {
                const found = {};
                for (const info of message.add || []) found[info.address] = info.source;
                unsubscribe.then(stop => stop());
                resolve(found);
            }, {type: 'bluetooth/subscribe_advertisements'});
        })"""
    )
    # the boots' local name ends in the last two bytes of their address: "Presso E008"
    return {
        entry["title"]: next(
            (
                source
                for address, source in sources.items()
                if address.replace(":", "").endswith(entry["title"][-4:])
            ),
            "",
        )
        for entry in entries
    }


def _until(what: str, value: Callable[[], Any], expected: Any, seconds: float = 60) -> None:
    """Ask until the answer is the expected one; at the deadline, fail with the last answer.

    What Home Assistant sets up in the background (the demo's proxies, a first
    advertisement) is not there yet at the first ask on a busy machine.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            got = value()
        except urllib.error.HTTPError as err:  # a 404 while the entity is being set up
            got = err
        if got == expected or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    assert got == expected, f"{what}: still {got!r} after {seconds:.0f} s"


def _add_boots(page: Any, base: str, name: str, pin: str | None) -> None:
    QuietPage.of(page).goto(f"{base}/config/integrations/dashboard")
    add_discovered(page, name, pin)


def add_discovered(page: Any, name: str, pin: str | None) -> None:
    """On Devices & services: add the discovered boots through the config flow's steps."""
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
    base = demo["base"]
    with browser_tab(1280, 900, failure="failure.png") as page:
        token = log_in(page, demo)
        # the two emulated ESP32s, added by Home Assistant's esphome integration
        # (set up by the demo's host as Home Assistant starts: asked until loaded)
        _until(
            "the two proxies loaded",
            lambda: sorted(
                (p["title"], p["state"])
                for p in _get(base, token, "/api/config/config_entries/entry?domain=esphome")
            ),
            [("Bedroom", "loaded"), ("Living Room", "loaded")],
        )
        _add_boots(page, base, "Presso E008", demo["pin"])
        _add_boots(page, base, "Presso D005", None)
        # the proxies' Bluetooth MACs: the Pro 8 is heard best in the bedroom
        _until(
            "each boots heard through the proxy nearest to it",
            lambda: _heard_through(page, base, token),
            {"Presso E008": "AA:BB:CC:00:20:02", "Presso D005": "AA:BB:CC:00:10:02"},
        )
        _until(
            "the Pro 8's switch off",
            lambda: _state(base, token, "switch.presso_e008")["state"],
            "off",
        )
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


def test_aiohttp_leaves_a_cancelled_compressed_send_unretrieved(socket_enabled: None) -> None:
    """The one record the demo's log check lets through, reproduced with aiohttp alone.

    A browser that leaves a page while Home Assistant writes a large message: the server
    compresses it in a shielded task (in the executor), the connection drops, the handler
    is cancelled, the send fails on the closing transport and its exception is never
    retrieved. When an aiohttp release retrieves it, this test fails: remove
    ``AIOHTTP_UNRETRIEVED_SEND`` and this test together.
    """
    reported = asyncio.run(_drop_a_connection_mid_compressed_send())
    assert [(c["message"], repr(c.get("exception"))) for c in reported] == [
        (
            "Task exception was never retrieved",
            "ClientConnectionResetError('Cannot write to closing transport')",
        )
    ]
    assert is_aiohttp_unretrieved_send(
        "2026-01-01 00:00:00.000 ERROR (MainThread) [homeassistant] "
        "Error doing job: Task exception was never retrieved (task: None)\n"
        + "".join(traceback.format_exception(reported[0]["exception"])).rstrip("\n")
    )


async def _drop_a_connection_mid_compressed_send() -> list[dict[str, Any]]:
    """The loop's exception reports after a client drops mid-send (aiohttp, no HA)."""
    from aiohttp import web

    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    release = threading.Event()  # holds the compression in the executor until the drop

    class HeldExecutor(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            def held() -> Any:
                release.wait(10)
                return fn(*args, **kwargs)

            return super().submit(held)

    executor = HeldExecutor(1)
    loop.set_default_executor(executor)
    compressing = asyncio.Event()
    handler_done = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        wsock = web.WebSocketResponse()  # compress=True, as Home Assistant's
        await wsock.prepare(request)
        sending = asyncio.create_task(wsock.send_str(os.urandom(40_000).hex()))
        compressing.set()
        try:
            await sending  # as Home Assistant's handler awaits its writer
        finally:
            handler_done.set()  # cancelled: the connection is gone
        return wsock

    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app, handler_cancellation=True)  # as Home Assistant's server
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
    )
    assert b"permessage-deflate" in await reader.readuntil(b"\r\n\r\n")
    await compressing.wait()
    writer.transport.abort()  # the browser leaves the page
    await handler_done.wait()
    release.set()
    await runner.cleanup()
    executor.shutdown(wait=True)
    gc.collect()  # the failed send task is reported when it is collected
    await asyncio.sleep(0)
    return reported

"""The newcomer's path in a real browser: demo up, add the boots, start a session, pressures rise.

Needs Debian's chromium (``apt-get install chromium``); run with
``uv run --frozen pytest -m demo -s tests/test_demo_browser.py``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.demo
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = ROOT / "docs" / "images" / "demo.png"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path, socket_enabled: None) -> Iterator[tuple[str, str]]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--port", str(port), "--config", str(tmp_path / "config")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if "Ctrl+C stops" in line:
            break
    text = "".join(lines)
    pin = re.search(r"PIN (\d{6})", text)
    assert pin, text[-3000:]
    yield f"http://127.0.0.1:{port}", pin.group(1)
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the demo did not stop cleanly")


def _api(base: str, token: str, path: str) -> object:
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_newcomer_adds_the_boots_and_runs_a_session(demo: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, _pin = demo
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(base)
            page.locator("input[name=username]").fill("demo")
            page.locator("input[name=password]").fill("presso-demo")
            page.locator("input[name=password]").press("Enter")
            page.wait_for_function("() => localStorage.hassTokens", timeout=60_000)
            token = page.evaluate("() => JSON.parse(localStorage.hassTokens).access_token")
            page.goto(f"{base}/config/integrations/dashboard")
            page.wait_for_timeout(15_000)
            page.screenshot(path="/tmp/demo-0.png")
            page.get_by_text("Presso D005").first.wait_for(timeout=60_000)
            page.screenshot(path="/tmp/demo-1-discovered.png")
        finally:
            page.screenshot(path="/tmp/demo-last.png")
            browser.close()
    assert token

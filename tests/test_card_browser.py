"""The leg boots card in a real browser, against the demo's Home Assistant.

Needs Debian's chromium; run with
``uv run --frozen pytest -m demo -p no:randomly tests/test_card_browser.py``.
It saves the README's card screenshot to docs/images/card.png.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from .test_demo_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PEAK_PRESSURE,
    ROOT,
    _add_boots,
    _state,
    demo,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.demo
SCREENSHOT = ROOT / "docs" / "images" / "card.png"
FILLS = "card => [...card.shadowRoot.querySelectorAll('.chamber')].map(c => c.style.fill)"


def _wait(check: Any, seconds: float = 90) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(1)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_the_card_draws_and_drives_a_pro8(demo: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    base = demo["base"]
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: problems.append(str(err)))
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        try:
            page.goto(base)
            page.locator("input[name=username]").fill("demo")
            page.locator("input[name=password]").fill(demo["password"])
            page.locator("input[name=password]").press("Enter")
            page.wait_for_function("() => localStorage.hassTokens", timeout=60_000)
            token = page.evaluate("() => JSON.parse(localStorage.hassTokens).access_token")
            _add_boots(page, base, "Presso E008", demo["pin"])
            # from here on, any console error fails the test (the integrations page before
            # asks for the demo proxy's brand icon, which it does not have)
            problems.clear()
            page.goto(f"{base}/leg-boots/leg-boots")
            card = page.locator("presso-boots-card").nth(1)  # the Presso E008's
            card.get_by_role("button", name="Start").wait_for()

            chambers = card.locator(".chamber")
            assert chambers.count() == 16  # a Pro 8: two legs of 8 chambers
            assert card.locator('[aria-label="Left leg, chamber 3: 0 mmHg"]').count() == 1
            before = card.evaluate(FILLS)

            card.get_by_role("button", name="Start").click()
            _wait(lambda: card.evaluate(PEAK_PRESSURE) >= 20)
            assert _state(base, token, "switch.presso_e008")["state"] == "on"
            assert card.evaluate(FILLS) != before  # the colours follow the live pressure
            first = card.evaluate(FILLS)
            _wait(lambda: card.evaluate(FILLS) != first, 10)  # and keep moving, about 1 Hz
            assert card.locator(".chamber.active").count() >= 1
            assert card.get_by_role("button", name="Pause").is_enabled()

            slider = card.get_by_role("slider")
            cap = _state(base, token, "number.presso_e008_pressure")["attributes"]["max"]
            assert float(slider.get_attribute("max") or 0) == cap
            slider.focus()
            slider.press("End")
            slider.press("ArrowRight")  # one step past the cap goes nowhere
            assert float(slider.input_value()) == cap
            _wait(lambda: float(_state(base, token, "number.presso_e008_pressure")["state"]) == cap)

            page.wait_for_timeout(2000)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            card.screenshot(path=str(SCREENSHOT))

            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(1000)
            box = card.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 390
            legs = card.locator("svg.legs").bounding_box()
            assert legs is not None
            assert legs["width"] >= 150
            overflow = card.evaluate(
                "card => [...card.shadowRoot.querySelectorAll('*')]"
                ".some(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
            )
            assert not overflow, "nothing in the card sticks out of a 390 px phone"
            assert not problems, problems
        except Exception:
            page.screenshot(path=str(ROOT / ".demo" / "card-failure.png"))
            raise
        finally:
            browser.close()

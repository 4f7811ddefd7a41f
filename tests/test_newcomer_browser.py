"""The newcomer's first hour, walked literally in one tab of a real browser (issue 20).

Needs Debian's chromium; run with
``uv run --frozen pytest -m demo -p no:randomly tests/test_newcomer_browser.py``.
It saves the README's screenshot to docs/images/demo.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .test_demo_browser import (
    PEAK_PRESSURE,
    SCREENSHOT,
    _get,
    _state,
    add_discovered,
    browser_tab,
    demo,  # noqa: F401  (the fixture)
    fits_a_phone,
    log_in,
    poll,
    require_chromium,
)

pytestmark = pytest.mark.demo

#: Each Presso boots' name -> the Bluetooth source Home Assistant last heard them through,
#: as Settings -> Bluetooth -> Advertisement monitor shows it (the diagnostics redact it).
HEARD_THROUGH = """async () => {
  const hass = document.querySelector('home-assistant').hass;
  let heard;
  const first = new Promise((resolve) => { heard = resolve; });
  const unsubscribe = await hass.connection.subscribeMessage(
    (message) => heard(message.add || []), { type: 'bluetooth/subscribe_advertisements' });
  const adds = await first;
  unsubscribe();
  return Object.fromEntries(adds.filter((a) => a.name.startsWith('Presso '))
    .map((a) => [a.name, a.source]));
}"""


#: A raw code where words belong: "(wrong_state)", or "daily_limit" standing alone.
RAW_CODE = re.compile(r"\(\s*[a-z]+_[a-z_]+\s*\)|(?<![\w./:-])[a-z]+_[a-z_]+(?![\w./:-])")
#: Toasts, as Home Assistant's frontend raises them, kept by the page itself (no reloads).
TOAST_HOOK = """() => { window.__toasts = [];
  window.addEventListener('hass-notification', (e) => window.__toasts.push(e.detail.message), true); }"""


def _click_sidebar(page: Any, path: str) -> None:
    """A sidebar item, as a user clicks it (the page is not loaded again)."""
    page.locator(f'ha-sidebar a[href="{path}"]').first.click()


def _open_integrations(page: Any) -> None:
    _click_sidebar(page, "/config")
    page.get_by_role("link", name=re.compile("Devices & services")).first.click()
    page.wait_for_url(re.compile(r".*/config/integrations/dashboard"))


def _add_boots_in_tab(page: Any, name: str, pin: str | None) -> None:
    """Settings -> Devices & services -> Discovered -> Add, in the tab that is open."""
    _open_integrations(page)
    add_discovered(page, name, pin)


def _no_raw_code(where: str, text: str) -> None:
    assert not RAW_CODE.search(text), f"{where} shows a code, not words: {text!r}"


def _open_options(page: Any, name: str) -> Any:
    """The boots' options dialog, opened as a user opens it."""
    _open_integrations(page)
    page.locator("ha-integration-card", has_text="Presso Boots").first.click()
    row = page.locator("ha-config-entry-row", has_text=name)
    row.get_by_role("button", name="Configure").click()
    dialog = page.locator("dialog-data-entry-flow")
    dialog.get_by_text(f"{name}: limits and routine").wait_for()  # which boots: said
    return dialog


def _field(dialog: Any, label: str) -> Any:
    return dialog.locator("ha-selector-number", has_text=label).locator("input[type=number]")


def test_the_newcomers_first_hour_in_one_tab(demo: dict[str, str]) -> None:  # noqa: F811
    """Login to the card in the same tab, no reloads: add both boots, run, pause, resume and
    stop a session from the card, a refused start, the card on a phone. Fails on any
    "Configuration error", any code shown where words belong and any browser console
    error from the integration."""
    require_chromium()
    base = demo["base"]
    problems: list[str] = []

    def ours(text: str) -> bool:  # the integration's domain or its card's file
        return "presso_boots" in text or "presso-boots" in text

    with browser_tab(1280, 900, failure="failure.png") as page:
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and ours(f"{m.text} {m.location.get('url', '')}")
                else None
            ),
        )
        page.on(
            "pageerror",
            lambda err: problems.append(str(err)) if ours(f"{err} {err.stack}") else None,
        )
        loads: list[str] = []
        page.on("load", lambda p: loads.append(p.url))
        token = log_in(page, demo)  # the only page load of the walk but the login's own
        page.wait_for_url(re.compile(r".*/home/.*|.*/lovelace/.*"))
        page.evaluate(TOAST_HOOK)
        loads.clear()  # logged in: from here on, one page
        # the two emulated ESP32s, added by Home Assistant's esphome integration
        proxies = _get(base, token, "/api/config/config_entries/entry?domain=esphome")
        assert sorted((p["title"], p["state"]) for p in proxies) == [
            ("Bedroom", "loaded"), ("Living Room", "loaded"),
        ]  # fmt: skip
        _add_boots_in_tab(page, "Presso D005", None)
        _add_boots_in_tab(page, "Presso E008", demo["pin"])
        # the proxies' Bluetooth MACs: the Pro 8 is heard best in the bedroom
        assert page.evaluate(HEARD_THROUGH) == {
            "Presso E008": "AA:BB:CC:00:20:02", "Presso D005": "AA:BB:CC:00:10:02",
        }  # fmt: skip

        _click_sidebar(page, "/leg-boots")
        card = page.locator("presso-boots-card").first  # the Presso D005's
        card.get_by_role("button", name="Start").wait_for()
        page.wait_for_timeout(3000)  # the frontend's own wait before an error card
        assert page.get_by_text("Configuration error").count() == 0
        assert page.locator("hui-error-card").count() == 0
        text = card.locator("ha-card").inner_text()
        assert "Gentle start, session 1 of 7: up to 40 mmHg and 15 min today." in text
        assert "Stops at 40 mmHg: gentle start, session 1 of 7." in text
        assert card.locator(".ring .big").text_content() == "15:00"  # what a start gets
        assert card.get_by_role("button", name="Pause").is_disabled()
        _no_raw_code("the card", text)

        def state() -> str:
            return str(card.locator(".state").text_content())

        card.get_by_role("button", name="Start").click()
        poll(lambda: state() == "Running")
        poll(lambda: card.evaluate(PEAK_PRESSURE) >= 20)  # the chambers fill
        assert _state(base, token, "switch.presso_d005")["state"] == "on"
        assert card.get_by_role("button", name="Pause").is_enabled()
        page.wait_for_timeout(2000)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

        card.get_by_role("button", name="Pause").click()
        poll(lambda: state() == "Paused")
        assert card.get_by_role("button", name="Pause").count() == 0
        card.get_by_role("button", name="Resume").click()
        poll(lambda: state() == "Running")
        card.get_by_role("button", name="Stop").click()
        poll(lambda: state() == "Idle")
        assert _state(base, token, "sensor.presso_d005_session_state")["state"] == "idle"

        # the options dialog names the boots; an error names its field and their limit
        dialog = _open_options(page, "Presso D005")
        _field(dialog, "Maximum pressure").fill("150")
        dialog.get_by_role("button", name="Submit").click()
        dialog.get_by_text("Maximum pressure: Presso D005 accept 20 to 120 mmHg.").wait_for()
        _no_raw_code("the options dialog", dialog.inner_text())
        _field(dialog, "Maximum pressure").fill("100")
        _field(dialog, "Rest between sessions").fill("30")
        dialog.get_by_role("button", name="Submit").click()
        dialog.get_by_role("button", name="Finish").click()  # "Options successfully saved"

        # a start inside the rest: refused in words, with what to change on the card
        _click_sidebar(page, "/leg-boots")
        card.get_by_role("button", name="Start").wait_for()
        poll(lambda: "Rest until" in card.locator("ha-card").inner_text())
        card.get_by_role("button", name="Start").click()
        alert = card.get_by_role("alert")
        alert.wait_for()
        refusal = alert.inner_text()
        assert refusal.startswith("Rest between sessions:"), refusal
        assert "On this card: Start works again from" in refusal
        _no_raw_code("the refusal", refusal)
        assert state() == "Idle"

        # the card on a phone
        fits_a_phone(page, card)
        _no_raw_code("the card", card.locator("ha-card").inner_text())

        toasts = page.evaluate("() => window.__toasts")  # the same page all along
        for toast in toasts:
            _no_raw_code("a toast", str(toast))
        assert loads == [], f"the page was loaded again: {loads}"
        assert not problems, problems

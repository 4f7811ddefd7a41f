"""The leg boots card in a real browser, against the demo's Home Assistant.

Needs Debian's chromium; run with
``uv run --frozen pytest -m demo -p no:randomly tests/test_card_browser.py``.
It saves the README's card screenshot to docs/images/card.png.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from .test_demo_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PEAK_PRESSURE,
    ROOT,
    QuietPage,
    _add_boots,
    _state,
    close_like_a_tab,
    demo,  # noqa: F401  (the fixture)
    new_page,
    require_chromium,
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


def test_the_card_draws_and_drives_a_pro8(demo: dict[str, str]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    base = demo["base"]
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = new_page(browser, viewport={"width": 1280, "height": 900})
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
            QuietPage.of(page).goto(f"{base}/leg-boots/leg-boots")
            card = page.locator("presso-boots-card").nth(1)  # the Presso E008's
            card.get_by_role("button", name="Start").wait_for()

            stub = page.evaluate(
                "() => customElements.get('presso-boots-card')"
                ".getStubConfig(document.querySelector('home-assistant').hass)"
            )
            assert len(stub["device_id"]) == 32  # the first Presso boots, by device id
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
            close_like_a_tab(browser)


CARD_JS = ROOT / "custom_components" / "presso_boots" / "frontend" / "presso-boots-card.js"

#: A stand-in for the frontend's ``hass`` object: a Duo 5 with its entities, in Spanish.
FAKE_HASS = """
window.calls = [];
window.unsubscribed = 0;
const entity = (entity_id, translation_key) =>
  ({ entity_id, translation_key, device_id: "duo", platform: "presso_boots" });
const state = (value, attributes = {}) => ({ state: value, attributes });
const zones = [1, 2, 3, 4, 5].map((k) => `switch.presso_d005_use_chamber_${k}`);
window.makeHass = (changes = {}) => ({
  language: "es",
  locale: { language: "es" },
  devices: { duo: { name: "Presso D005" } },
  entities: Object.fromEntries([
    entity("switch.presso_d005", "session"),
    entity("number.presso_d005_pressure", "pressure"),
    entity("number.presso_d005_session_length", "duration"),
    entity("select.presso_d005_program", "program"),
    entity("select.presso_d005_legs", "legs"),
    entity("sensor.presso_d005_session_state", "session_state"),
    entity("sensor.presso_d005_session_ends", "session_ends"),
    entity("sensor.presso_d005_fault", "fault"),
    entity("sensor.other_thing", "other"),
    ...zones.map((id) => entity(id, "chamber_zone")),
  ].map((e) => [e.entity_id, e])),
  states: {
    "switch.presso_d005": state("on"),
    "number.presso_d005_pressure": state("60", { min: 20, max: 80, step: 5 }),
    "number.presso_d005_session_length": state("30"),
    "select.presso_d005_program": state("wave", { options: ["wave", "gradient"] }),
    "select.presso_d005_legs": state("both", { options: ["both", "left", "right"] }),
    "sensor.presso_d005_session_state": state("running"),
    "sensor.presso_d005_session_ends": state(new Date(Date.now() + 600000).toISOString()),
    "sensor.presso_d005_fault": state("none"),
    ...Object.fromEntries(zones.map((id) => [id, state("on")])),
    ...changes,
  },
  connection: {
    subscribeMessage: async (callback, message) => {
      window.live = callback;
      window.subscription = message;
      return () => { window.unsubscribed += 1; };
    },
  },
  callService: async (...args) => {
    window.calls.push(args);
    if (window.refuse) throw { code: "service_validation_error", message: window.refuse };
  },
});
"""


def test_the_card_alone_in_spanish() -> None:
    """The card against a stand-in hass: texts, zones, notices, errors, redraws, keyboard."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = new_page(browser, viewport={"width": 390, "height": 844})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: problems.append(str(err)))
        try:
            page.set_content("<!doctype html><html><body></body></html>")
            page.add_script_tag(content=FAKE_HASS)
            page.add_script_tag(content=CARD_JS.read_text(), type="module")
            page.wait_for_function("() => customElements.get('presso-boots-card')")
            picker = page.evaluate("() => window.customCards.map((c) => c.type)")
            assert picker == ["presso-boots-card"]
            assert page.evaluate(
                "() => customElements.get('presso-boots-card').getStubConfig(makeHass())"
            ) == {"device_id": "duo"}
            form = page.evaluate(
                "() => customElements.get('presso-boots-card').getConfigForm().schema"
            )
            assert form == [
                {"name": "device_id", "selector": {"device": {"integration": "presso_boots"}}}
            ]
            page.evaluate(
                """() => {
                  const card = document.createElement('presso-boots-card');
                  card.setConfig({ entity: 'switch.presso_d005' });
                  card.hass = makeHass();
                  document.body.append(card);
                  card.hass = makeHass();
                }"""
            )
            card = page.locator("presso-boots-card")
            assert page.evaluate("() => window.subscription") == {
                "type": "presso_boots/subscribe",
                "device_id": "duo",
            }
            page.evaluate(
                """() => live({ legs: 2, chambers: 5, available: true, connected: true,
                  other_app: false, state: 'running', legs_in_use: 1, zones: 0b01111,
                  phase: 'inflating', active_chamber: 2, pressures: [30, 62, 0, 0, 0, 9, 9, 9, 9, 9] })"""
            )
            assert card.locator(".chamber").count() == 10
            assert card.get_by_label("Pierna izquierda, cámara 2: 62 mmHg (inflando)").count() == 1
            assert card.locator(".chamber.active").count() == 1
            # the right leg and chamber 5 are not in use: greyed, whatever their pressure
            assert card.locator(".chamber.off").count() == 6
            assert card.get_by_label("Pierna derecha, cámara 1: sin usar").count() == 1
            assert card.get_by_role("button", name="Detener").is_visible()

            # nothing it shows changed: no redraw
            page.evaluate(
                """() => {
                  const card = document.querySelector('presso-boots-card');
                  window.writes = 0;
                  new MutationObserver((m) => { window.writes += m.length; })
                    .observe(card.shadowRoot, { subtree: true, childList: true,
                      attributes: true, characterData: true });
                  card.hass = makeHass();
                }"""
            )
            page.wait_for_timeout(100)
            assert page.evaluate("() => window.writes") == 0

            # the controls, by keyboard, call the integration's entities and actions
            slider = card.get_by_role("slider")
            slider.focus()
            slider.press("End")
            slider.press("ArrowRight")
            assert page.evaluate("() => calls.at(-1)") == [
                "number", "set_value", {"value": 80}, {"entity_id": "number.presso_d005_pressure"},
            ]  # fmt: skip
            card.get_by_role("button", name="Pausar").focus()
            page.keyboard.press("Enter")
            assert page.evaluate("() => calls.at(-1)") == [
                "presso_boots", "pause_session", {"device_id": "duo"}, None,
            ]  # fmt: skip
            card.get_by_label("Programa").select_option("gradient")
            assert page.evaluate("() => calls.at(-1)")[:3] == [
                "select", "select_option", {"option": "gradient"},
            ]  # fmt: skip

            # an error from Home Assistant is shown in the card
            page.evaluate("() => { window.refuse = '90 mmHg supera tu límite de 80 mmHg.'; }")
            card.get_by_role("button", name="Detener").click()
            assert card.get_by_role("alert").inner_text() == "90 mmHg supera tu límite de 80 mmHg."

            # held by another app, then a fault, then asleep: said in words
            page.evaluate("() => live({ ...{ legs: 2, chambers: 5, other_app: true } })")
            assert "conectadas a otra app" in card.locator(".notice").inner_text()
            page.evaluate(
                """() => {
                  const card = document.querySelector('presso-boots-card');
                  live({ legs: 2, chambers: 5, other_app: false });
                  card.hass = makeHass({ 'sensor.presso_d005_fault':
                    { state: 'leak', attributes: {} } });
                }"""
            )
            assert "Fallo: leak" in card.locator(".notice").inner_text()
            page.evaluate(
                """() => { document.querySelector('presso-boots-card').hass = makeHass({
                  'switch.presso_d005': { state: 'unavailable', attributes: {} } }); }"""
            )
            assert "dormidas o fuera de alcance" in card.locator(".notice").inner_text()
            assert card.get_by_role("button", name="Iniciar").is_disabled()

            page.evaluate("() => document.querySelector('presso-boots-card').remove()")
            page.wait_for_timeout(50)
            assert page.evaluate("() => window.unsubscribed") == 1
            assert not problems, problems
        finally:
            close_like_a_tab(browser)

"""The leg boots card in a real browser, against the demo's Home Assistant.

Needs Debian's chromium; run with
``uv run --frozen pytest -m demo -p no:randomly tests/test_card_browser.py``.
It saves the README's card screenshot to docs/images/card.png.
"""

from __future__ import annotations

import json
import re

import pytest

from .test_demo_browser import (
    PEAK_PRESSURE,
    ROOT,
    QuietPage,
    _add_boots,
    _state,
    browser_tab,
    demo,  # noqa: F401  (the fixture)
    fits_a_phone,
    log_in,
    poll,
    require_chromium,
)

pytestmark = pytest.mark.demo
SCREENSHOT = ROOT / "docs" / "images" / "card.png"
FILLS = "card => [...card.shadowRoot.querySelectorAll('.chamber')].map(c => c.style.fill)"


def test_the_card_draws_and_drives_a_pro8(demo: dict[str, str]) -> None:  # noqa: F811
    base = demo["base"]
    problems: list[str] = []
    with browser_tab(1280, 900, failure="card-failure.png") as page:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: problems.append(str(err)))
        page.on(
            "response",
            lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        token = log_in(page, demo)
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
        poll(lambda: card.evaluate(PEAK_PRESSURE) >= 20)
        assert _state(base, token, "switch.presso_e008")["state"] == "on"
        assert card.evaluate(FILLS) != before  # the colours follow the live pressure
        first = card.evaluate(FILLS)
        poll(lambda: card.evaluate(FILLS) != first, 10)  # and keep moving, about 1 Hz
        assert card.locator(".chamber.active").count() >= 1
        assert card.get_by_role("button", name="Pause").is_enabled()

        slider = card.get_by_role("slider", name="Pressure")
        cap = _state(base, token, "number.presso_e008_pressure")["attributes"]["max"]
        assert float(slider.get_attribute("max") or 0) == cap
        slider.focus()
        slider.press("End")
        slider.press("ArrowRight")  # one step past the cap goes nowhere
        assert float(slider.input_value()) == cap
        poll(lambda: float(_state(base, token, "number.presso_e008_pressure")["state"]) == cap)

        page.set_viewport_size({"width": 1280, "height": 1600})  # the whole card in view
        page.wait_for_timeout(2000)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(SCREENSHOT))

        fits_a_phone(page, card)
        legs = card.locator("svg.legs").bounding_box()
        assert legs is not None
        assert legs["width"] >= 150
        assert not problems, problems


CARD_JS = ROOT / "custom_components" / "presso_boots" / "frontend" / "presso-boots-card.js"
TRANSLATIONS = ROOT / "custom_components" / "presso_boots" / "translations"


def card_texts(language: str) -> dict[str, str]:
    """What ``presso_boots/texts`` answers: the card's texts and the state names."""
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))
    entity = strings["entity"]
    texts = dict(strings["common"])
    for prefix, states in (
        ("program.", entity["select"]["program"]["state"]),
        ("legs.", entity["select"]["legs"]["state"]),
        ("state.", entity["sensor"]["session_state"]["state"]),
        ("fault.", entity["sensor"]["fault"]["state"]),
    ):
        texts.update({prefix + key: value for key, value in states.items()})
    return texts


#: A stand-in for the frontend's ``hass`` and the integration's websocket: a Duo 5 in Spanish.
FAKE_HASS = """
window.sent = [];
window.unsubscribed = 0;
window.view = (changes = {}) => ({
  name: "Presso D005", entities: { session: "switch.presso_d005" },
  available: true, connected: true, other_app: false, legs: 2, chambers: 5,
  state: "running", program: "wave", programs: ["wave", "gradient"], pressure: 60, duration: 30,
  ends: new Date(Date.now() + 600000).toISOString(), legs_in_use: 3, legs_choice: "both",
  legs_options: ["both", "left", "right"], zones: 0b11111, fault: null,
  limits: { pressure_min: 20, pressure_max: 80, pressure_step: 5, pressure_reason: "cap",
    duration_min: 5, duration_max: 30, duration_step: 5, duration_reason: "cap", cap: 80, longest: 30,
    plan: null, rest_until: null, allowed_from: null, daily: null, start_minutes: 30,
    start_pressure: 60, today_minutes: 0 },
  phase: null, active_chamber: 0, pressures: [],
  ...changes,
});
window.makeHass = () => ({
  language: "es",
  locale: { language: "es" },
  entities: { "switch.presso_d005": { entity_id: "switch.presso_d005", device_id: "duo",
    platform: "presso_boots" } },
  connection: {
    subscribeMessage: async (callback, message) => {
      window.live = (changes) => callback(view(changes));
      window.subscription = message;
      return () => { window.unsubscribed += 1; };
    },
    sendMessagePromise: async (message) => {
      window.sent.push(message);
      if (message.type === "presso_boots/texts") return { language: "es", texts: TEXTS };
      if (message.type === "presso_boots/week") return { days: WEEK, plan: { done: 2, sessions: 7 } };
      if (window.refuse) throw window.refuse;
      return null;
    },
  },
});
"""
WEEK = [
    {"day": day, "minutes": minutes}
    for day, minutes in (
        ("2026-11-30", 20), ("2026-12-01", 0), ("2026-12-02", 15), ("2026-12-03", None),
        ("2026-12-04", None), ("2026-12-05", None), ("2026-12-06", None),
    )
]  # fmt: skip


def test_the_card_alone_in_spanish() -> None:
    """The card against a stand-in: texts, zones, limits, notices, refusals, redraws, keyboard."""
    require_chromium()
    problems: list[str] = []
    with browser_tab(390, 844) as page:
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: problems.append(str(err)))
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(
            content=f"window.TEXTS = {json.dumps(card_texts('es'))};\n"
            f"window.WEEK = {json.dumps(WEEK)};\n{FAKE_HASS}"
        )
        page.add_script_tag(content=CARD_JS.read_text(), type="module")
        page.wait_for_function("() => customElements.get('presso-boots-card')")
        picker = page.evaluate("() => window.customCards.map((c) => c.type)")
        assert picker == ["presso-boots-card"]
        assert page.evaluate(
            "() => customElements.get('presso-boots-card').getStubConfig(makeHass())"
        ) == {"device_id": "duo"}
        form = page.evaluate("() => customElements.get('presso-boots-card').getConfigForm().schema")
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
        page.wait_for_function("() => window.subscription")
        assert page.evaluate("() => window.subscription") == {
            "type": "presso_boots/subscribe",
            "device_id": "duo",
        }
        page.evaluate(
            """() => live({ legs_in_use: 1, zones: 0b01111, phase: 'inflating', active_chamber: 2,
              pressures: [30, 62, 0, 0, 0, 9, 9, 9, 9, 9] })"""
        )
        card.get_by_role("button", name="Detener").wait_for()
        # the picker's texts come from the same translations
        assert page.evaluate("() => window.customCards[0].name") == "Botas Presso"
        assert card.locator(".chamber").count() == 10
        assert card.get_by_label("Pierna izquierda, cámara 2: 62 mmHg (inflando)").count() == 1
        assert card.locator(".chamber.active").count() == 1
        # the right leg and chamber 5 are not in use: greyed, whatever their pressure
        assert card.locator(".chamber.off").count() == 6
        assert card.get_by_label("Pierna derecha, cámara 1: sin usar").count() == 1
        assert card.get_by_role("button", name="Pausar").is_enabled()
        assert card.locator(".state").inner_text() == "En marcha"
        assert "Se detiene en 80 mmHg: tu presión máxima" in card.locator("ha-card").inner_text()
        # this week at a glance, beside the gentle plan's progress
        assert card.locator(".bars .day").count() == 7
        assert "35 min esta semana" in card.locator("ha-card").inner_text()
        assert "Inicio suave: 2 de 7 sesiones hechas" in card.locator("ha-card").inner_text()

        # nothing it shows changed: no redraw
        page.evaluate(
            """() => {
              const card = document.querySelector('presso-boots-card');
              window.writes = 0;
              new MutationObserver((m) => { window.writes += m.length; })
                .observe(card.shadowRoot.querySelector('.header'), { subtree: true, childList: true,
                  attributes: true, characterData: true });
              card.hass = makeHass();
            }"""
        )
        page.wait_for_timeout(100)
        assert page.evaluate("() => window.writes") == 0

        # the controls, by keyboard, go through the integration's control command
        slider = card.get_by_role("slider", name="Presión")
        slider.focus()
        slider.press("End")
        slider.press("ArrowRight")
        assert page.evaluate("() => sent.at(-1)") == {
            "type": "presso_boots/control", "device_id": "duo", "action": "pressure",
            "value": 80, "language": "es",
        }  # fmt: skip
        card.get_by_role("button", name="Pausar").focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => sent.at(-1).action") == "pause"
        card.get_by_label("Programa").select_option("gradient")
        assert page.evaluate("() => [sent.at(-1).action, sent.at(-1).value]") == [
            "program", "gradient",
        ]  # fmt: skip

        # paused: Resume, not Pause; idle: Start gets what the ring shows
        page.evaluate("() => live({ state: 'paused' })")
        assert card.get_by_role("button", name="Reanudar").is_enabled()
        page.evaluate(
            """() => live({ state: 'idle', ends: null, limits: { ...view().limits,
              plan: { session: 1, sessions: 7, pressure: 40, minutes: 15 }, pressure_max: 40,
              pressure_reason: 'plan', duration_max: 5, duration_reason: 'daily',
              daily: { left: 7, limit: 7, used: 0 }, start_minutes: 5 } })"""
        )
        assert card.get_by_role("button", name="Pausar").is_disabled()
        text = card.locator("ha-card").inner_text()
        assert "Inicio suave, sesión 1 de 7: hasta 40 mmHg y 15 min hoy." in text
        assert "Quedan 7 de 7 minutos diarios." in text
        assert "Se detiene en 5 min: quedan 7 de tus 7 minutos diarios." in text
        assert card.locator(".ring .big").text_content() == "5:00"
        length = card.get_by_role("slider", name="Duración de la sesión")
        assert (length.get_attribute("max"), length.input_value()) == ("5", "5")

        # a refused start says why and what to change on this card
        page.evaluate(
            """() => { window.refuse = { code: 'home_assistant_error',
              translation_key: 'daily_limit', message: 'Límite diario: ...' }; }"""
        )
        card.get_by_role("button", name="Iniciar").click()
        assert page.evaluate("() => [sent.at(-1).action, sent.at(-1).value]") == ["start", 5]
        assert card.get_by_role("alert").inner_text() == (
            "Límite diario: ... En esta tarjeta: baja la duración de la sesión a 5 min o menos "
            "y pulsa Iniciar."
        )

        # held by another app, then a fault, then asleep: said in words
        page.evaluate("() => live({ other_app: true })")
        assert "conectadas a otra aplicación" in card.locator(".notice").inner_text()
        page.evaluate("() => live({ fault: 'leak' })")
        assert "Fallo: Fuga" in card.locator(".notice").inner_text()
        page.evaluate("() => live({ available: false })")
        assert "dormidas o fuera de alcance" in card.locator(".notice").inner_text()
        assert card.get_by_role("button", name="Detener").is_disabled()
        assert not re.search(r"\(\w+_[\w_]+\)", card.locator("ha-card").inner_text())

        page.evaluate("() => document.querySelector('presso-boots-card').remove()")
        page.wait_for_timeout(50)
        assert page.evaluate("() => window.unsubscribed") == 1
        assert not problems, problems

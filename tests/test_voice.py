"""Voice with parameters: the intents (as LLM tools too) and the conversation blueprint."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent, llm
from homeassistant.setup import async_setup_component

from custom_components.presso_boots.const import DOMAIN
from custom_components.presso_boots.intent import INTENT_START, INTENT_TIME_LEFT
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots

BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"


@pytest.fixture
async def boots(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    boots = Boots(hass, proxy, SimulatedBoots(DUO, 2))
    await boots.add_entry(gentle_start=True)
    await boots.advertise()
    return boots


async def _say(hass: HomeAssistant, text: str, language: str = "en") -> str:
    result = await conversation.async_converse(hass, text, None, Context(), language=language)
    speech: str = result.response.speech["plain"]["speech"]
    return speech


async def test_intents_start_within_the_limits_and_answer_refusals_in_words(
    hass: HomeAssistant, boots: Boots
) -> None:
    def slots(**values: Any) -> dict[str, Any]:
        return {key: {"value": value} for key, value in values.items()}

    with pytest.raises(intent.IntentHandleError) as err:
        await intent.async_handle(hass, "test", INTENT_START, slots(pressure=70, minutes=15))
    assert "today's pressure limit is 40 mmHg" in str(err.value)  # gentle start, session 1
    with pytest.raises(intent.IntentHandleError) as err:
        await intent.async_handle(hass, "test", INTENT_START, slots(pressure=70), language="es")
    assert "el límite de presión de hoy es 40 mmHg" in str(err.value)
    assert boots.device.counters.sessions_started == 0
    with pytest.raises(intent.IntentHandleError):
        await intent.async_handle(hass, "test", INTENT_TIME_LEFT, {})
    response = await intent.async_handle(
        hass, "test", INTENT_START, slots(program="lymph", pressure=40, minutes=15)
    )
    assert response.speech["plain"]["speech"] == "Starting Presso D005 at 40 mmHg for 15 minutes."
    s = boots.device.settings
    assert (boots.device.state, s.program, s.pressure, s.duration) == (1, 6, 40, 15)
    await boots.run(2)
    response = await intent.async_handle(hass, "test", INTENT_TIME_LEFT, {})
    assert response.speech["plain"]["speech"] == "15 minutes left in the leg session."


async def test_a_start_at_zero_is_refused_not_taken_as_the_boots_setting(
    hass: HomeAssistant, boots: Boots
) -> None:
    """Voice hears "0.6" as 0: a value given, checked like any other (only a value left
    out keeps the boots' setting)."""

    def slots(**values: Any) -> dict[str, Any]:
        return {key: {"value": value} for key, value in values.items()}

    for values, words in (
        ({"pressure": 0.6, "minutes": 15}, "0 mmHg is not a pressure these boots accept"),
        ({"pressure": 40, "minutes": 0}, "0 minutes is not a session length you allow"),
    ):
        with pytest.raises(intent.IntentHandleError, match=words):
            await intent.async_handle(hass, "test", INTENT_START, slots(**values))
    assert boots.device.counters.sessions_started == 0


async def test_the_intents_are_tools_for_llm_agents(hass: HomeAssistant, boots: Boots) -> None:
    async_expose_entity(hass, conversation.DOMAIN, "switch.presso_d005", True)
    context = llm.LLMContext(
        platform="test", context=Context(), language="en", assistant=conversation.DOMAIN,
        device_id=None,
    )  # fmt: skip
    api = await llm.async_get_api(hass, llm.LLM_API_ASSIST, context)
    tools = {tool.name: tool for tool in api.tools}
    start = tools[f"{DOMAIN}__{INTENT_START}"]
    assert "mmHg" in (start.description or "")
    with pytest.raises(intent.IntentHandleError, match="today's pressure limit is 40 mmHg"):
        await api.async_call_tool(llm.ToolInput(tool_name=start.name, tool_args={"pressure": 45}))
    assert boots.device.counters.sessions_started == 0


async def test_voice_blueprint_in_english_and_spanish(hass: HomeAssistant, boots: Boots) -> None:
    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints"), dirs_exist_ok=True)
    assert await async_setup_component(hass, "automation", {"automation": {
        "use_blueprint": {"path": "presso_boots/voice_leg_session.yaml", "input": {"boots": boots.device_id}},
    }})  # fmt: skip
    await hass.async_block_till_done()
    said = await _say(hass, "start my leg session at 70 for 20 minutes")
    assert said.startswith("Gentle start plan, session 1 of 7: today's pressure limit is 40 mmHg")
    said = await _say(hass, "empieza la presoterapia a 40 durante 30 minutos", "es")
    assert said.startswith("Plan de inicio suave, sesión 1 de 7: el límite de sesión de hoy es 15")
    assert boots.device.counters.sessions_started == 0
    said = await _say(hass, "start my leg session at seventy")
    assert said.startswith("Say the pressure and minutes as numbers")
    check = await hass.services.async_call(
        DOMAIN, "check_session", {"device_id": boots.device_id, "duration": 15},
        blocking=True, return_response=True,
    )  # fmt: skip
    assert check == {"allowed": True, "message": "", "pressure": 40, "duration": 15}
    said = await _say(hass, "empieza la presoterapia a 40 durante 15 minutos", "es")
    assert said == "Empiezo la presoterapia a 40 mmHg durante 15 minutos."
    assert (boots.device.state, boots.device.settings.pressure) == (1, 40)
    await boots.run(2)
    assert await _say(hass, "how long is left") == "15 minutes left in your leg session."
    assert await _say(hass, "pause my leg session") == "Leg session paused."
    await boots.run(2)
    assert boots.device.state == 2
    assert await _say(hass, "reanuda la presoterapia", "es") == "Sigo con la presoterapia."
    await boots.run(2)
    assert await _say(hass, "stop my leg session") == "Leg session stopped."
    await boots.run(5)
    assert boots.device.state == 0
    assert await _say(hass, "pause my leg session") == "No leg session is running."


async def test_check_session_answers_in_the_closest_language_it_knows(
    hass: HomeAssistant, boots: Boots
) -> None:
    """A dialect gets its language; a tag that names no language (a NUL, a path) HA's own."""
    answers = {}
    for language in ("es-ES", "ES", "es-419", "en\x00", "../strings", "xx", "*"):
        response = await hass.services.async_call(
            DOMAIN, "check_session",
            {"device_id": boots.device_id, "pressure": 70, "language": language},
            blocking=True, return_response=True,
        )  # fmt: skip
        assert response is not None
        assert response["allowed"] is False
        answers[language] = str(response["message"])
    assert answers["es-ES"].startswith("Plan de inicio suave, sesión 1 de 7")
    assert answers["ES"] == answers["es-419"] == answers["es-ES"]
    assert answers["en\x00"].startswith("Gentle start plan, session 1 of 7")
    assert answers["../strings"] == answers["xx"] == answers["*"] == answers["en\x00"]

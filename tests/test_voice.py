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
from custom_components.presso_boots.intent import (
    INTENT_PAUSE,
    INTENT_RESUME,
    INTENT_START,
    INTENT_STOP,
    INTENT_TIME_LEFT,
)
from presso_sim import SimulatedBoots
from presso_sim.proxy import VirtualProxy

from .harness import DUO, Boots

BLUEPRINTS = Path(__file__).resolve().parent.parent / "blueprints"


@pytest.fixture
async def boots(hass: HomeAssistant, proxy: VirtualProxy) -> Boots:
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    return await Boots.set_up(hass, proxy, SimulatedBoots(DUO, 2), gentle_start=True)


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
    assert (
        response.speech["plain"]["speech"] == "15 minutes left in the leg session on Presso D005."
    )


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
    # A German conversation gets German words, the refusal and the reply.
    context = llm.LLMContext(
        platform="test", context=Context(), language="de", assistant=conversation.DOMAIN,
        device_id=None,
    )  # fmt: skip
    api = await llm.async_get_api(hass, llm.LLM_API_ASSIST, context)
    with pytest.raises(intent.IntentHandleError, match="die Druckgrenze heute ist 40 mmHg"):
        await api.async_call_tool(llm.ToolInput(tool_name=start.name, tool_args={"pressure": 45}))
    result = await api.async_call_tool(
        llm.ToolInput(tool_name=start.name, tool_args={"pressure": 40, "minutes": 15})
    )
    speech: Any = result.data["speech"]
    assert speech["plain"]["speech"] == "Ich starte Presso D005 mit 40 mmHg für 15 Minuten."
    assert boots.device.counters.sessions_started == 1


#: Per language: the voice blueprint's sentences, and what Assist answers to each.
SPOKEN: dict[str, dict[str, str]] = {
    "en": {
        "plain": "start my leg session",
        "pressure_only": "start my leg session at 70",
        "minutes_only": "start my leg session for 20 minutes",
        "too_long_reply": "Gentle start plan, session 1 of 7: today's session limit is 15 minutes",
        "too_high": "start my leg session at 70 for 20 minutes",
        "too_high_reply": "Gentle start plan, session 1 of 7: today's pressure limit is 40 mmHg",
        "words": "start my leg session at seventy",
        "words_reply": "Say the pressure and minutes as numbers",
        "start": "start my leg session at 40 for 15 minutes",
        "started": "Starting your leg session at 40 mmHg for 15 minutes.",
        "time_left": "how long is left in my leg session",
        "left": "15 minutes left in your leg session.",
        "pause": "pause my leg session",
        "paused": "Leg session paused.",
        "resume": "resume my leg session",
        "resumed": "Leg session resumed.",
        "stop": "stop my leg session",
        "stopped": "Leg session stopped.",
        "no_session": "No leg session is running.",
    },
    "es": {
        "plain": "empieza la presoterapia",
        "pressure_only": "empieza la presoterapia a 70",
        "minutes_only": "empieza la presoterapia durante 20 minutos",
        "too_long_reply": "Plan de inicio suave, sesión 1 de 7: el límite de sesión de hoy es 15 minutos",
        "too_high": "empieza la presoterapia a 70 durante 20 minutos",
        "too_high_reply": "Plan de inicio suave, sesión 1 de 7: el límite de presión de hoy es 40 mmHg",
        "words": "empieza la presoterapia a setenta",
        "words_reply": "Dime la presión y los minutos con números",
        "start": "empieza la presoterapia a 40 durante 15 minutos",
        "started": "Empiezo la presoterapia a 40 mmHg durante 15 minutos.",
        "time_left": "cuánto le queda a la presoterapia",
        "left": "Quedan 15 minutos de presoterapia.",
        "pause": "pausa la presoterapia",
        "paused": "Presoterapia en pausa.",
        "resume": "reanuda la presoterapia",
        "resumed": "Sigo con la presoterapia.",
        "stop": "para la presoterapia",
        "stopped": "Presoterapia detenida.",
        "no_session": "No hay ninguna sesión de piernas en marcha.",
    },
    "de": {
        "plain": "starte meine Beinsitzung",
        "pressure_only": "starte meine Beinsitzung mit 70",
        "minutes_only": "starte meine Beinsitzung für 20 Minuten",
        "too_long_reply": "Sanfter Einstieg, Sitzung 1 von 7: die Sitzungsgrenze heute ist 15 Minuten",
        "too_high": "starte meine Beinsitzung mit 70 für 20 Minuten",
        "too_high_reply": "Sanfter Einstieg, Sitzung 1 von 7: die Druckgrenze heute ist 40 mmHg",
        "words": "starte meine Beinsitzung mit siebzig",
        "words_reply": "Sag den Druck und die Minuten als Zahlen",
        "start": "starte meine Beinsitzung mit 40 für 15 Minuten",
        "started": "Ich starte deine Beinsitzung mit 40 mmHg für 15 Minuten.",
        "time_left": "wie lange läuft meine Beinsitzung noch",
        "left": "Noch 15 Minuten in deiner Beinsitzung.",
        "pause": "pausiere meine Beinsitzung",
        "paused": "Beinsitzung pausiert.",
        "resume": "setze meine Beinsitzung fort",
        "resumed": "Beinsitzung fortgesetzt.",
        "stop": "stoppe meine Beinsitzung",
        "stopped": "Beinsitzung gestoppt.",
        "no_session": "Es läuft keine Beinsitzung.",
    },
    "fr": {
        "plain": "démarre ma séance de pressothérapie",
        "pressure_only": "démarre ma séance de pressothérapie à 70",
        "minutes_only": "démarre ma séance de pressothérapie pendant 20 minutes",
        "too_long_reply": "Démarrage en douceur, séance 1 sur 7 : la limite de séance du jour est de 15 minutes",
        "too_high": "démarre ma séance de pressothérapie à 70 pendant 20 minutes",
        "too_high_reply": "Démarrage en douceur, séance 1 sur 7 : la limite de pression du jour est de 40 mmHg",
        "words": "démarre ma séance de pressothérapie à soixante-dix",
        "words_reply": "Dites la pression et les minutes en chiffres",
        "start": "démarre ma séance de pressothérapie à 40 pendant 15 minutes",
        "started": "Je démarre votre séance de pressothérapie à 40 mmHg pendant 15 minutes.",
        "time_left": "il reste combien de temps à ma séance de pressothérapie",
        "left": "Il reste 15 minutes à votre séance de pressothérapie.",
        "pause": "mets ma séance de pressothérapie en pause",
        "paused": "Séance de pressothérapie en pause.",
        "resume": "reprends ma séance de pressothérapie",
        "resumed": "Séance de pressothérapie reprise.",
        "stop": "arrête ma séance de pressothérapie",
        "stopped": "Séance de pressothérapie arrêtée.",
        "no_session": "Aucune séance de pressothérapie n'est en cours.",
    },
}


@pytest.mark.parametrize("language", SPOKEN)
async def test_voice_blueprint_in_each_language(
    hass: HomeAssistant, boots: Boots, language: str
) -> None:
    """Each sentence through Assist's default agent: what reached the boots, what was said."""
    spoken = SPOKEN[language]

    async def say(key: str) -> str:
        return await _say(hass, spoken[key], language)

    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints"), dirs_exist_ok=True)
    assert await async_setup_component(hass, "automation", {"automation": {
        "use_blueprint": {"path": "presso_boots/voice_leg_session.yaml", "input": {"boots": boots.device_id}},
    }})  # fmt: skip
    await hass.async_block_till_done()
    assert (await say("pause")) == spoken["no_session"]
    assert (await say("time_left")) == spoken["no_session"]
    assert (await say("too_high")).startswith(spoken["too_high_reply"])
    assert (await say("pressure_only")).startswith(spoken["too_high_reply"])
    assert (await say("minutes_only")).startswith(spoken["too_long_reply"])
    assert (await say("words")).startswith(spoken["words_reply"])
    assert boots.device.counters.sessions_started == 0
    # Without values: the boots' pressure, and their 30 minutes held to today's limit.
    assert await say("plain") == spoken["started"]
    s = boots.device.settings
    assert (boots.device.state, s.pressure, s.duration) == (1, 40, 15)
    await boots.run(2)
    assert await say("time_left") == spoken["left"]
    assert await say("pause") == spoken["paused"]
    await boots.run(2)
    assert boots.device.state == 2
    assert await say("resume") == spoken["resumed"]
    await boots.run(2)
    assert boots.device.state == 1
    assert await say("stop") == spoken["stopped"]
    await boots.run(5)
    assert boots.device.state == 0
    assert await say("stop") == spoken["no_session"]
    assert await say("start") == spoken["started"]  # with both values said
    await boots.run(2)
    assert (boots.device.state, s.pressure, s.duration) == (1, 40, 15)
    assert await say("stop") == spoken["stopped"]
    await boots.run(5)
    assert boots.device.state == 0
    assert boots.device.counters.sessions_started == 2


#: The intents' own replies (LLM agents and sentences of other blueprints), per language.
INTENT_REPLIES = {
    "en": ("Starting Presso D005 at 40 mmHg for 15 minutes.", "Presso D005 paused.",
           "Presso D005 resumed.", "15 minutes left in the leg session on Presso D005.",
           "Presso D005 stopped."),
    "es": ("Empiezo Presso D005 a 40 mmHg durante 15 minutos.", "Presso D005 en pausa.",
           "Presso D005 reanudadas.", "Quedan 15 minutos de presoterapia en Presso D005.",
           "Presso D005 detenidas."),
    "de": ("Ich starte Presso D005 mit 40 mmHg für 15 Minuten.", "Presso D005 pausiert.",
           "Presso D005 fortgesetzt.", "Noch 15 Minuten in der Beinsitzung auf Presso D005.",
           "Presso D005 gestoppt."),
    "fr": ("Je démarre Presso D005 à 40 mmHg pendant 15 minutes.", "Presso D005 en pause.",
           "Presso D005 reprises.", "Il reste 15 minutes de pressothérapie sur Presso D005.",
           "Presso D005 arrêtées."),
}  # fmt: skip


@pytest.mark.parametrize("language", INTENT_REPLIES)
async def test_intent_replies_follow_the_request_language(
    hass: HomeAssistant, boots: Boots, language: str
) -> None:
    started, paused, resumed, left, stopped = INTENT_REPLIES[language]

    async def handle(intent_type: str, **values: Any) -> str:
        slots = {key: {"value": value} for key, value in values.items()}
        response = await intent.async_handle(hass, "test", intent_type, slots, language=language)
        speech: str = response.speech["plain"]["speech"]
        return speech

    assert await handle(INTENT_START, pressure=40, minutes=15) == started
    await boots.run(2)
    assert boots.device.state == 1
    assert await handle(INTENT_PAUSE) == paused
    await boots.run(2)
    assert boots.device.state == 2
    assert await handle(INTENT_RESUME) == resumed
    await boots.run(2)
    assert await handle(INTENT_TIME_LEFT) == left
    assert await handle(INTENT_STOP) == stopped
    await boots.run(5)
    assert boots.device.state == 0
    with pytest.raises(intent.IntentHandleError) as err:
        await handle(INTENT_TIME_LEFT)
    assert str(err.value) == SPOKEN[language]["no_session"]  # a refusal, in the same words


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

"""Voice: start (with program, pressure and minutes), pause, resume, stop, time left.

Assist's LLM agents call these as tools (``llm.py``); the default agent reaches
the same limits through the voice blueprint and the check_session action. Every
value passes ``SessionLimits``. Replies and refusals are said in the request's language:
their texts are the integration's translations (the ``exceptions`` category, whose
``voice_*`` keys are the replies), so one lookup with one fallback serves both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, override

import probatio as vol
from homeassistant.auth.permissions.const import POLICY_CONTROL, POLICY_READ
from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import intent
from homeassistant.util import dt as dt_util

from .const import DOMAIN, PROGRAM_KEYS
from .coordinator import PressoConfigEntry, PressoCoordinator
from .errors import async_text, async_words
from .permissions import async_check, session_entity_id
from .settings import StartRequest

INTENT_START = "PressoStartSession"
INTENT_PAUSE = "PressoPauseSession"
INTENT_RESUME = "PressoResumeSession"
INTENT_STOP = "PressoStopSession"
INTENT_TIME_LEFT = "PressoSessionTimeLeft"

NAME = vol.Optional("name", description="Name of the leg boots, when there are several")


def _refusal(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _boots(intent_obj: intent.Intent, name: str | None) -> PressoCoordinator:
    """The boots the user means: the only ones exposed to the assistant, or those named."""
    hass = intent_obj.hass
    entries: list[PressoConfigEntry] = [
        e
        for e in hass.config_entries.async_loaded_entries(DOMAIN)
        if intent_obj.assistant is None or _exposed(hass, intent_obj.assistant, e)
    ]
    if name:
        entries = [e for e in entries if e.title.casefold() == name.strip().casefold()]
    if len(entries) != 1:
        raise _refusal("voice_no_boots")
    return entries[0].runtime_data


def _exposed(hass: HomeAssistant, assistant: str, entry: PressoConfigEntry) -> bool:
    """The boots' session switch is exposed to this assistant (as for Assist's own intents)."""
    entity_id = session_entity_id(hass, entry.runtime_data.address)
    return entity_id is not None and async_should_expose(hass, assistant, entity_id)


#: What an intent did, as a translation key of a reply and its placeholders.
type Reply = tuple[str, dict[str, str]]
type Action = Callable[[PressoCoordinator, dict[str, Any]], Awaitable[Reply]]


class BootsIntent(intent.IntentHandler):
    """An intent that acts on one pair of boots and answers in words."""

    def __init__(
        self,
        intent_type: str,
        description: str,
        action: Action,
        slots: dict[Any, Any],
        policy: str = POLICY_CONTROL,
    ) -> None:
        self.intent_type = intent_type
        self.description = description
        self._action = action
        self._slots = {NAME: cv.string, **slots}
        self._policy = policy

    @property
    @override
    def slot_schema(self) -> dict[Any, Any]:
        return self._slots

    @override
    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        slots = {k: v["value"] for k, v in self.async_validate_slots(intent_obj.slots).items()}
        hass = intent_obj.hass
        try:
            boots = _boots(intent_obj, slots.get("name"))
            try:
                await async_check(hass, intent_obj.context, boots, self._policy)
            except Unauthorized as err:
                raise _refusal("voice_not_allowed", name=boots.name) from err
            key, placeholders = await self._action(boots, slots)
        except HomeAssistantError as err:
            raise intent.IntentHandleError(
                await async_words(hass, intent_obj.language, err)
            ) from err
        speech = await async_text(hass, intent_obj.language, key, placeholders)
        response = intent_obj.create_response()
        response.async_set_speech(speech or key)
        return response


async def _start(boots: PressoCoordinator, slots: dict[str, Any]) -> Reply:
    program = next((k for k, v in PROGRAM_KEYS.items() if v == slots.get("program")), None)
    request = StartRequest(
        program=program, pressure=slots.get("pressure"), duration=slots.get("minutes")
    )
    _program, pressure, minutes, _legs = await boots.async_start_session(**request)
    return "voice_started", {"name": boots.name, "pressure": str(pressure), "minutes": str(minutes)}


async def _pause(boots: PressoCoordinator, _slots: dict[str, Any]) -> Reply:
    await boots.async_pause()
    return "voice_paused", {"name": boots.name}


async def _resume(boots: PressoCoordinator, _slots: dict[str, Any]) -> Reply:
    await boots.async_resume()
    return "voice_resumed", {"name": boots.name}


async def _stop(boots: PressoCoordinator, _slots: dict[str, Any]) -> Reply:
    await boots.async_stop_session()
    return "voice_stopped", {"name": boots.name}


def minutes_left(boots: PressoCoordinator) -> int | None:
    """Whole minutes the session (running or paused) has left; None without a session."""
    ends = boots.data.session_ends
    if not boots.data.session_active or ends is None:
        return None
    return max(0, round((ends - dt_util.utcnow()).total_seconds() / 60))


async def _time_left(boots: PressoCoordinator, _slots: dict[str, Any]) -> Reply:
    if (minutes := minutes_left(boots)) is None:
        raise _refusal("voice_no_session")
    return "voice_time_left", {"name": boots.name, "minutes": str(minutes)}


HANDLERS = (
    BootsIntent(
        INTENT_START,
        "Starts a session of the leg compression boots. Program, pressure (mmHg) and "
        "minutes are optional; the user's limits, gentle start plan and rest apply.",
        _start,
        {
            vol.Optional("program", description="Therapy program"): vol.In(
                list(PROGRAM_KEYS.values())
            ),
            vol.Optional("pressure", description="Target pressure in mmHg"): vol.Coerce(int),
            vol.Optional("minutes", description="Session length in minutes"): vol.Coerce(int),
        },
    ),
    BootsIntent(INTENT_PAUSE, "Pauses the leg boots' session.", _pause, {}),
    BootsIntent(INTENT_RESUME, "Resumes the leg boots' paused session.", _resume, {}),
    BootsIntent(INTENT_STOP, "Stops the leg boots' session.", _stop, {}),
    BootsIntent(
        INTENT_TIME_LEFT,
        "Tells how many minutes the leg session has left.",
        _time_left,
        {},
        POLICY_READ,
    ),
)


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the boots' intents."""
    for handler in HANDLERS:
        intent.async_register(hass, handler)

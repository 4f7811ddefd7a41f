"""LLM tools: the boots' intents (``intent.py``) for Assist, when their entities are exposed."""

from __future__ import annotations

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.components.llm import LLMTools
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.llm import LLM_API_ASSIST, IntentTool, LLMContext, Tool

from .const import DOMAIN
from .intent import HANDLERS


@callback
def async_get_tools(hass: HomeAssistant, llm_context: LLMContext, api_id: str) -> LLMTools | None:
    """Offer the intents when the assistant may see some of the boots' entities."""
    if api_id != LLM_API_ASSIST or not llm_context.assistant:
        return None
    registry = er.async_get(hass)
    if not any(
        async_should_expose(hass, llm_context.assistant, entry.entity_id)
        for entry in registry.entities.values()
        if entry.platform == DOMAIN
    ):
        return None
    tools: list[Tool] = [
        IntentTool(f"{DOMAIN}__{handler.intent_type}", handler, integration=DOMAIN)
        for handler in HANDLERS
    ]
    return LLMTools(tools=tools)

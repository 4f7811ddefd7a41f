"""Who may do what with the boots: Home Assistant's entity permissions, as core checks them.

The boots' actions, the card's live data and the voice intents reach the boots
without going through an entity service, so they check the user's permission on the
boots' session switch themselves: control to start, pause, resume or stop; read to
see. Automations and scripts run with no user and pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.auth.permissions.const import CAT_ENTITIES
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized, UnknownUser
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import PressoCoordinator


def session_entity_id(hass: HomeAssistant, address: str) -> str | None:
    """The boots' session switch, however the user renamed it."""
    return er.async_get(hass).async_get_entity_id("switch", DOMAIN, f"{address}-session")


async def async_check(
    hass: HomeAssistant, context: Context | None, boots: PressoCoordinator, policy: str
) -> None:
    """Raise Unauthorized unless the context's user has ``policy`` on the boots."""
    if context is None or context.user_id is None:
        return
    user = await hass.auth.async_get_user(context.user_id)
    if user is None:
        raise UnknownUser(context=context, permission=policy, user_id=context.user_id)
    entity_id = session_entity_id(hass, boots.address)
    if entity_id is not None and user.permissions.check_entity(entity_id, policy):
        return
    raise Unauthorized(
        context=context,
        permission=policy,
        user_id=context.user_id,
        entity_id=entity_id,
        perm_category=CAT_ENTITIES,
    )

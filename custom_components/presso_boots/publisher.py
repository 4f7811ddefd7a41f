"""Who hears that the boots' state changed: entities and the card subscribe, nobody polls."""

from __future__ import annotations

from homeassistant.core import CALLBACK_TYPE, callback


class StatePublisher:
    """Calls each subscriber when the state changed; the state itself is pushed, never fetched."""

    def __init__(self) -> None:
        self._listeners: list[CALLBACK_TYPE] = []

    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Be called on every change; returns the unsubscribe."""
        self._listeners.append(update)
        return lambda: self._listeners.remove(update)

    @callback
    def async_update_listeners(self) -> None:
        """The state changed: tell every subscriber."""
        for update in list(self._listeners):
            update()

"""Shared fixtures: the simulated radio under bleak, and Home Assistant wiring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import bleak_retry_connector
import pytest

# Imported at module level so our package is found before the test plugin's
# config dir mounts its own custom_components package.
import custom_components.presso_boots  # noqa: F401
from presso_sim import SimRadio


@pytest.fixture
def radio() -> SimRadio:
    """Devices in range of the simulated radio."""
    return SimRadio()


@pytest.fixture
def direct_radio(radio: SimRadio, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimRadio]:
    """Route the library's connections straight to the simulated radio (no Home Assistant).

    This replaces the radio only: bleak's client with the simulated backend,
    the way Home Assistant swaps in its own wrapper.
    """
    backend = radio.client_class()
    base = bleak_retry_connector.BleakClientWithServiceCache

    class RadioClient(base):  # type: ignore[misc,valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, backend=backend, **kwargs)

    monkeypatch.setattr(bleak_retry_connector, "BleakClientWithServiceCache", RadioClient)
    yield radio
    for link in list(radio.links.values()):
        link.lose_link()

"""Simulated Presso boots for tests, benchmarks and the demo.

Not part of the integration: it follows docs/protocol-notes.md and the
vendor's protocol v1 so the integration can be driven end to end.
"""

from .device import SimulatedBoots
from .gatt import ConnectionRefused
from .link import LinkFaults, SimLinkClient, SimRadio
from .model import MODELS, ModelSpec

__all__ = [
    "MODELS",
    "ConnectionRefused",
    "LinkFaults",
    "ModelSpec",
    "SimLinkClient",
    "SimRadio",
    "SimulatedBoots",
]

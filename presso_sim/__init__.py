"""Simulated Presso boots for tests, benchmarks and the demo.

Not part of the integration: it follows docs/protocol-notes.md and the
vendor's protocol v1 so the integration can be driven end to end.
"""

from .device import MODELS, ConnectionRefused, ModelSpec, SimulatedBoots
from .link import LinkFaults, SimLinkClient, SimRadio

__all__ = [
    "MODELS",
    "ConnectionRefused",
    "LinkFaults",
    "ModelSpec",
    "SimLinkClient",
    "SimRadio",
    "SimulatedBoots",
]

"""The home that the demo and the release check both write into ``configuration.yaml``."""

from __future__ import annotations


def core_section(name: str) -> str:
    """The ``homeassistant:`` section: a metric home near Madrid, called ``name``."""
    return f"""\
homeassistant:
  name: {name}
  unit_system: metric
  time_zone: UTC
  country: ES
  latitude: 40.4
  longitude: -3.7
  elevation: 650
"""

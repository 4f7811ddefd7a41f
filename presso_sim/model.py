"""What a simulated pair of boots is: its model's envelope, its settings, its counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from custom_components.presso_boots.presso_ble import const as c
from custom_components.presso_boots.presso_ble.const import Model


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model's envelope as its firmware reports it in HELLO."""

    model_id: int
    chambers: int
    pressure_max: int
    programs_mask: int
    legs: int = 2
    pressure_min: int = 20
    pressure_step: int = 5
    duration_min: int = 5
    duration_max: int = 60
    duration_step: int = 5


MODELS: dict[int, ModelSpec] = {
    Model.GO_4: ModelSpec(Model.GO_4, 4, 100, 0b001111),
    Model.DUO_5: ModelSpec(Model.DUO_5, 5, 120, 0b111111),
    Model.PRO_8: ModelSpec(Model.PRO_8, 8, 200, 0b111111),
}


@dataclass(slots=True)
class Settings:
    """The one set of settings the device keeps."""

    program: int = 1
    pressure: int = 40
    duration: int = c.DEFAULT_DURATION_MINUTES
    legs: int = c.LEGS_BOTH
    zones: int = 0

    def valid_for(self, spec: ModelSpec) -> bool:
        """The settings are inside the model's envelope and on its grid."""
        return (
            bool(spec.programs_mask >> (self.program - 1) & 1) if self.program >= 1 else False
        ) and (
            spec.pressure_min <= self.pressure <= spec.pressure_max
            and (self.pressure - spec.pressure_min) % spec.pressure_step == 0
            and spec.duration_min <= self.duration <= min(spec.duration_max, 60)
            and (self.duration - spec.duration_min) % spec.duration_step == 0
            and 0 < self.legs < 1 << spec.legs
            and 0 < self.zones < 1 << spec.chambers
        )


@dataclass(slots=True)
class FaultCauses:
    """Test hooks: conditions that make the firmware fault."""

    leak_chamber: int = 0
    garment_missing: bool = False
    overheat: bool = False
    sensor_failure: bool = False


@dataclass(slots=True)
class Counters:
    """What the device did, for tests that count executions."""

    executed: dict[int, int] = field(default_factory=dict)
    repeats_answered: int = 0
    corrupt_frames: int = 0
    sessions_started: int = 0

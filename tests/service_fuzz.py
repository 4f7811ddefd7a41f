"""Bad input for every entry point of the integration, as Hypothesis strategies (issue 14).

Each strategy draws one call: an action of ours, an entity service on the boots'
entities (or on another integration's), the card's websocket command or a voice
intent. Every field is drawn from valid values, values off the device's grid or
above the user's cap, and junk: NaN, infinities, huge and negative numbers,
strings (numeric and not), lists, dicts, None; fields go missing and unknown
fields appear. ``tests/test_service_input_fuzz.py`` runs them against one Home
Assistant with simulated boots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from custom_components.presso_boots.const import DOMAIN, LEGS_KEYS, PROGRAM_KEYS
from custom_components.presso_boots.intent import (
    INTENT_PAUSE,
    INTENT_RESUME,
    INTENT_START,
    INTENT_STOP,
    INTENT_TIME_LEFT,
)

#: Leaves the field out of the call.
MISSING: Any = type("Missing", (), {"__repr__": lambda _self: "MISSING"})()


@dataclass(frozen=True, slots=True)
class Targets:
    """What a call can aim at: the boots and things that are not them."""

    boots: str  # the boots' device registry id
    title: str  # the boots' name (voice finds them by it)
    other_device: str  # a device of another integration
    unloaded_device: str  # Presso boots whose entry is not loaded
    entities: dict[str, str]  # the boots' entity ids by description key
    others: dict[str, str]  # another integration's entity id by entity domain


@dataclass(frozen=True, slots=True)
class Call:
    """One service call; ``entry`` names the entry point in the figures."""

    entry: str
    domain: str
    service: str
    data: dict[str, Any]
    response: bool = False
    #: Aims at one of the boots' entities at most: a refusal must change nothing.
    single: bool = True


@dataclass(frozen=True, slots=True)
class WsCall:
    """One websocket message (the ``id`` is added when sent)."""

    message: dict[str, Any]
    entry: str = f"ws {DOMAIN}/subscribe"


@dataclass(frozen=True, slots=True)
class IntentCall:
    """One intent with its slots, as Assist or an LLM agent hands them over."""

    intent: str
    slots: dict[str, Any]
    language: str = "en"

    @property
    def entry(self) -> str:
        return f"intent {self.intent}"


type AnyCall = Call | WsCall | IntentCall


@dataclass(frozen=True, slots=True)
class Example:
    """A call, and what the phone app set or a button did on the boots before it."""

    call: AnyCall
    app_pressure: int | None
    button: str | None


# --- values ------------------------------------------------------------------------------

ODD_NUMBERS = st.sampled_from(
    [math.nan, -math.nan, math.inf, -math.inf, 0, 0.0, -0.0, -1, -5, 1, 1.5, 99.99, 100.5,
     2**31, 2**63, 2**64 + 5, -(2**63), 10**100, 1e308, -1e308, 5e-324, True, False]
)  # fmt: skip
ODD_TEXT = st.sampled_from(
    ["", " ", "85", "85.0", " 85 ", "1e2", "0x55", "nan", "inf", "-inf", "-5", "None",
     "null", "true", "on", "wave ", "WAVE", "Wave", "both\n", "../strings", "\x00", "é", "🦵"]
)  # fmt: skip
JUNK: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    ODD_NUMBERS,
    st.integers(),
    st.floats(),
    ODD_TEXT,
    st.text(max_size=8),
    st.lists(st.integers(-5, 300), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
#: Home Assistant's own entity id check (``cv.entity_ids``) raises TypeError on a bare
#: number or boolean, before any integration sees the call: not ours to fix, left out.
TARGET_JUNK = JUNK.filter(lambda value: value is None or isinstance(value, str | list | dict))
#: What a browser can send: JSON without NaN, infinities or integers beyond 64 bits.
JSON_JUNK: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        ODD_TEXT,
        st.text(max_size=8),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight says.

    (``st.one_of`` draws its distinct branches about equally, repeated ones too.)
    """
    return st.sampled_from([s for weight, s in choices for _ in range(weight)]).flatmap(
        lambda strategy: strategy
    )


def mostly(
    valid: st.SearchStrategy[Any], odd: st.SearchStrategy[Any], junk: st.SearchStrategy[Any] = JUNK
) -> st.SearchStrategy[Any]:
    """Valid about 4 times in 7, odd (off the grid, above a cap, ...) 2 in 7, junk 1 in 7.

    Calls go deep only when most of their fields are sound, so valid values dominate.
    """
    return weighted((4, valid), (2, odd), (1, junk))


def _number(grid: range) -> st.SearchStrategy[Any]:
    """A number field: on the grid; off it, as a float or a numeric string; or junk."""
    return mostly(
        st.sampled_from(grid),
        st.one_of(
            st.integers(-10, 300),
            st.floats(-10, 300),
            st.sampled_from(grid).map(float),
            st.sampled_from(grid).map(lambda v: v + 0.5),
            st.sampled_from(grid).map(str),
            st.sampled_from([math.nan, math.inf, -math.inf]),
            ODD_NUMBERS,
        ),
    )


PRESSURES = _number(range(20, 205, 5))  # the Pro 8's whole envelope, above the caps too
DURATIONS = _number(range(5, 65, 5))
PROGRAMS = mostly(st.sampled_from(list(PROGRAM_KEYS.values())), ODD_TEXT)
LEGS = mostly(st.sampled_from(list(LEGS_KEYS.values())), ODD_TEXT)
BOOLEANS = mostly(
    st.booleans(), st.sampled_from(["on", "off", "yes", "no", "true", "1", "0", 1, 0, 2])
)
#: A language tag as anyone may type it (Home Assistant passes what it is given).
ODD_LANGUAGES = st.one_of(
    st.sampled_from(["xx", "", "*", "EN", "es-ES", "es-419", "../strings", "en\x00", "zh-Hans"]),
    st.text(max_size=6),
    st.text(max_size=3).map(lambda text: f"es{text}\x00"),
)
LANGUAGES = weighted((2, st.sampled_from(["en", "es", "de"])), (3, ODD_LANGUAGES), (1, JUNK))
#: A field no schema of ours knows (``entity_id`` is a target, not a field of our actions).
EXTRA_KEYS = st.sampled_from(["entity_id", "extra", "Pressure", "pressure_mmhg", "minutes"])
#: The same beside a target (an ``entity_id`` there would replace the target).
ENTITY_EXTRA_KEYS = st.sampled_from(["extra", "Pressure", "brightness", "minutes"])


def _fields(
    required: dict[str, st.SearchStrategy[Any]],
    optional: dict[str, st.SearchStrategy[Any]],
    extra: st.SearchStrategy[Any] = JUNK,
    keys: st.SearchStrategy[str] = EXTRA_KEYS,
) -> st.SearchStrategy[dict[str, Any]]:
    """Service data: ``required`` fields may still be MISSING; unknown fields now and then."""
    return st.builds(
        lambda data, extras: {k: v for k, v in {**data, **extras}.items() if v is not MISSING},
        st.fixed_dictionaries(required, optional=optional),
        weighted((5, st.just({})), (1, st.dictionaries(keys, extra, min_size=1, max_size=1))),
    )


def device_ids(targets: Targets) -> st.SearchStrategy[Any]:
    """Mostly the boots; else another integration's device, unloaded boots, unknown ids, junk."""
    wrong = [targets.other_device, targets.unloaded_device, "", "nope", targets.boots.upper(),
             f" {targets.boots}", f"{targets.boots}\x00"]  # fmt: skip
    return mostly(st.just(targets.boots), st.sampled_from([*wrong, MISSING]))


# --- our actions --------------------------------------------------------------------------


def _ours(action: str) -> str:
    return f"{DOMAIN}.{action}"


def actions(targets: Targets) -> st.SearchStrategy[Call]:
    """start_session, check_session, pause_session and resume_session."""
    device = {"device_id": device_ids(targets)}
    values = {
        "program": PROGRAMS,
        "pressure": PRESSURES,
        "duration": DURATIONS,
        "legs": LEGS,
        "override_rest": BOOLEANS,
    }
    start = _fields(device, values).map(
        lambda d: Call(_ours("start_session"), DOMAIN, "start_session", d)
    )
    check = st.builds(
        lambda data, response: Call(
            _ours("check_session"), DOMAIN, "check_session", data, response
        ),
        _fields(device, {**values, "language": LANGUAGES}),
        weighted((5, st.just(True)), (1, st.just(False))),  # it only answers with a response
    )
    pause_resume = st.builds(
        lambda service, data: Call(_ours(service), DOMAIN, service, data),
        st.sampled_from(["pause_session", "resume_session"]),
        _fields(device, {}),
    )
    return weighted((3, start), (2, check), (1, pause_resume))


# --- entity services ------------------------------------------------------------------------


def _entity_call(
    targets: Targets,
    entry: str,
    services: list[str],
    keys: list[str],
    other: str,
    fields: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[Call]:
    """An entity service on the boots' entities ``keys`` (or ``other`` integration's, ...).

    Targets are mostly one entity; now and then several of the boots' at once, when a
    refusal of one need not leave the others unchanged (``Call.single``).
    """
    domain = entry.partition(".")[0]
    ours = [targets.entities[k] for k in keys]
    wrong = [targets.others[other], f"{domain}.nope", f"{domain}.", "not an entity id"]
    one = mostly(
        st.sampled_from(ours),
        st.sampled_from(ours).map(str.upper) | st.sampled_from(wrong),
        TARGET_JUNK,
    ).map(lambda entity_id: ({"entity_id": entity_id}, True))
    # Home Assistant's own update_entity raises KeyError without a target: not ours
    untargeted: list[dict[str, Any]] = [] if domain == "homeassistant" else [{}]
    several = st.sampled_from(
        [{"entity_id": "all"}, {"entity_id": ours}, {"device_id": targets.boots}, *untargeted]
    ).map(lambda target: (target, False))
    required = {k: weighted((8, v), (1, st.just(MISSING))) for k, v in fields.items()}
    return st.builds(
        lambda service, aim, data: Call(entry, domain, service, {**aim[0], **data}, single=aim[1]),
        st.sampled_from(services),
        weighted((6, one), (1, several)),
        _fields(required, {}, keys=ENTITY_EXTRA_KEYS),
    )


def entity_services(targets: Targets) -> st.SearchStrategy[Call]:
    """number.set_value, select's services, switch's and button.press on the boots, and
    Home Assistant's own entity services (update any entity; turn the switches)."""
    chambers = [k for k in targets.entities if k.startswith("chamber_")]
    set_value, select_option = "number.set_value", "select.select_option"
    return weighted(
        (2, _entity_call(targets, set_value, ["set_value"], ["pressure"], "input_number",
                         {"value": PRESSURES})),
        (1, _entity_call(targets, set_value, ["set_value"], ["duration"], "input_number",
                         {"value": DURATIONS})),
        (1, _entity_call(targets, select_option, ["select_option"], ["program"], "input_select",
                         {"option": PROGRAMS})),
        (1, _entity_call(targets, select_option, ["select_option"], ["legs"], "input_select",
                         {"option": LEGS})),
        (1, _entity_call(targets, "select.select_first/last/next/previous",
                         ["select_first", "select_last", "select_next", "select_previous"],
                         ["program", "legs"], "input_select", {})),
        (2, _entity_call(targets, "switch.turn_on/off/toggle", ["turn_on", "turn_off", "toggle"],
                         ["session", *chambers], "input_boolean", {})),
        (1, _entity_call(targets, "button.press", ["press"],
                         ["pause", "resume", "finish_plan", "restart_plan"], "input_button", {})),
        (1, _entity_call(targets, "homeassistant.update_entity", ["update_entity"],
                         sorted(targets.entities), "input_boolean", {})),
        (1, _entity_call(targets, "homeassistant.turn_on/off/toggle",
                         ["turn_on", "turn_off", "toggle"], ["session", *chambers],
                         "input_boolean", {})),
    )  # fmt: skip


# --- the card's websocket and voice -------------------------------------------------------


def websocket(targets: Targets) -> st.SearchStrategy[WsCall]:
    """presso_boots/subscribe with any device id a browser could send."""
    device_id = mostly(
        st.just(targets.boots),
        st.sampled_from([targets.other_device, targets.unloaded_device, "", "nope", MISSING]),
        JSON_JUNK,
    )
    return _fields({"device_id": device_id}, {}, JSON_JUNK).map(
        lambda data: WsCall({"type": f"{DOMAIN}/subscribe", **data})
    )


OTHER_INTENTS = [INTENT_PAUSE, INTENT_RESUME, INTENT_STOP, INTENT_TIME_LEFT]


def intents(targets: Targets) -> st.SearchStrategy[IntentCall]:
    """The boots' intents with their slots as Assist hands them over (``{"value": ...}``)."""
    title = targets.title
    name = mostly(st.just(title), st.sampled_from([f" {title.lower()} ", "other boots", ""]))
    slots = _fields({}, {"name": name, "program": PROGRAMS, "pressure": PRESSURES,
                         "minutes": DURATIONS})  # fmt: skip
    return st.builds(
        lambda intent, values, language: IntentCall(
            intent, {k: {"value": v} for k, v in values.items()}, language
        ),
        weighted((3, st.just(INTENT_START)), (1, st.sampled_from(OTHER_INTENTS))),
        slots,
        weighted((2, st.sampled_from(["en", "es"])), (1, ODD_LANGUAGES)),
    )


def examples(targets: Targets, envelope: range) -> st.SearchStrategy[Example]:
    """Any entry point, after the phone app may have set a pressure of the device's
    ``envelope`` (above the user's cap too) or someone pressed a button on the boots."""
    call = weighted(
        (4, actions(targets)), (4, entity_services(targets)), (1, websocket(targets)),
        (2, intents(targets)),
    )  # fmt: skip
    app = weighted((3, st.none()), (1, st.sampled_from(envelope)))
    button = weighted((5, st.none()), (1, st.sampled_from(["start", "stop", "pause"])))
    return st.builds(Example, call, app, button)

"""Home Assistant core's pylint rules that apply to this integration, checked by reading the AST.

Run: ``uv run --frozen python scripts/core_lint_rules.py`` (exit 1 on findings).

Core's pylint plugins (``pylint/plugins`` in the core repository) are not in the
``homeassistant`` wheel, so this script checks the rules of theirs that apply to a
custom integration, as their README documents them, treating
``custom_components.presso_boots`` as ``homeassistant.components.presso_boots``:

- imports: C7403 relative import inside the integration, C7405 another integration's
  root only, C7406 registry helpers through their namespace, C7407 aliased DOMAIN,
  W7401 deprecated imports;
- C7401/C7402 logger messages (no final period; capitalised above debug);
- C7409 sorted PLATFORMS, C7410 Greek mu, C7411/E7401 entity classes in their
  platform's module, C7412 description fields set to their default, C7413 constants
  that duplicate ``homeassistant.const``, C7414/C7425/C7427 ``datetime.now``;
- E7404 ``super()`` in ``async_added_to_hass``/``async_will_remove_from_hass``,
  E7405 action handlers that swallow exceptions, E7406/E7408/E7418/W7417/W7419
  translated exceptions (key, domain, placeholders), E7409/E7410 MDI icons exist
  (the frontend's icon list), W7402 ``@callback`` on a coroutine, W7405
  ``hass.data[DOMAIN]``, W7411 ``PARALLEL_UPDATES``, W7415 sequential executor
  jobs, W7425/W7427 unique ids naming the domain or a platform, W7428/W7431 flow
  fields translated, W7438 ``step_id`` matching its method.

Type hints (E7402/E7403) are mypy's job here (strict, on the same signatures).
A deliberate exception is explained on its line: ``# core-lint: allow CODE why``.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path
from typing import Any

import homeassistant
import homeassistant.const as ha_const

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "presso_boots"
OWN = "custom_components.presso_boots"
CORE = Path(homeassistant.__file__).parent / "components"
ENTITY_PLATFORMS = {
    "alarm_control_panel", "binary_sensor", "button", "calendar", "camera", "climate", "cover",
    "date", "datetime", "event", "fan", "humidifier", "image", "lawn_mower", "light", "lock",
    "media_player", "notify", "number", "remote", "scene", "select", "sensor", "siren",
    "switch", "text", "time", "todo", "update", "vacuum", "valve", "water_heater", "weather",
}  # fmt: skip
ENTITY_CLASSES = {"".join(w.title() for w in p.split("_")) + "Entity": p for p in ENTITY_PLATFORMS}
IGNORE_ROOT_IMPORT = {
    "assist_pipeline", "automation", "bluetooth", "camera", "cast", "device_automation",
    "device_tracker", "ffmpeg", "ffmpeg_motion", "google_assistant", "hardware",
    "homeassistant", "homeassistant_hardware", "http", "manual", "plex", "recorder", "rest",
    "script", "sensor", "stream", "zha",
}  # fmt: skip
NAMESPACE_IMPORTS = {
    f"homeassistant.helpers.{name}_registry": {"async_get", "async_entries_for_config_entry"}
    for name in ("area", "category", "device", "entity", "floor", "issue", "label")
}
OBSOLETE_IMPORTS = {
    "functools": r"^cached_property$",
    "homeassistant.config_entries": r"^DISABLED_\w*$",
    "homeassistant.helpers.config_validation": r"^PLATFORM_SCHEMA(_BASE)?$",
    "homeassistant.helpers.json": r"^(JSON_DECODE_EXCEPTIONS|JSON_ENCODE_EXCEPTIONS|json_loads)$",
}
DESCRIPTION_DEFAULTS: dict[str, object] = {
    "entity_registry_enabled_default": True, "entity_registry_visible_default": True,
    "force_update": False, "has_entity_name": False, "translation_key": None, "icon": None,
    "entity_category": None, "device_class": None, "native_unit_of_measurement": None,
    "state_class": None, "suggested_display_precision": None, "options": None,
}  # fmt: skip
EXCEPTIONS = {
    "HomeAssistantError", "ServiceValidationError", "ConfigEntryNotReady", "ConfigEntryError",
    "ConfigEntryAuthFailed",
}  # fmt: skip


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node: ast.AST) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ...


class Checker:
    """Collects findings over the integration's modules."""

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.strings: dict[str, Any] = json.loads((PACKAGE / "strings.json").read_text())
        frontend = next(p for p in sys.path if (Path(p) / "hass_frontend").is_dir())
        icons = Path(frontend) / "hass_frontend" / "static" / "mdi" / "iconList.json"
        self.mdi = {icon["name"] for icon in json.loads(icons.read_text())}

    def report(self, path: Path, node: ast.AST | None, code: str, text: str) -> None:
        line = getattr(node, "lineno", 0)
        # an exception is explained where it stands: `# core-lint: allow CODE why`
        if line and f"core-lint: allow {code} " in path.read_text().splitlines()[line - 1]:
            return
        self.findings.append(f"{path.relative_to(ROOT)}:{line}: {code} {text}")

    def run(self) -> list[str]:
        for path in sorted(PACKAGE.glob("*.py")):
            self.module(path, ast.parse(path.read_text()))
        self.icons_json()
        return self.findings

    def module(self, path: Path, tree: ast.Module) -> None:
        if "\u00b5" in path.read_text():
            self.report(path, None, "C7410", "ANSI micro sign; use the Greek mu")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                self.import_from(path, node)
            elif isinstance(node, ast.Call):
                self.call(path, node)
            elif isinstance(node, ast.Subscript):
                self.hass_data(path, node)
            elif isinstance(node, ast.AsyncFunctionDef):
                self.coroutine(path, node)
            elif isinstance(node, ast.ClassDef):
                self.entity_class(path, node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                self.assignment(path, node)
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith("mdi:")
                and node.value[4:] not in self.mdi
            ):
                self.report(path, node, "E7409", f"unknown MDI icon {node.value}")
        self.module_level(path, tree)

    def import_from(self, path: Path, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        module = node.module
        names = {alias.name for alias in node.names}
        if module == OWN or module.startswith(f"{OWN}."):
            self.report(path, node, "C7403", f"use a relative import: {module}")
        if module.startswith("homeassistant.components."):
            parts = module.split(".")
            if parts[2] not in IGNORE_ROOT_IMPORT and (len(parts) > 3 or "const" in names):
                self.report(path, node, "C7405", f"import from the integration's root: {module}")
            if any(a.name == "DOMAIN" and a.asname in (None, "DOMAIN") for a in node.names):
                self.report(path, node, "C7407", f"alias DOMAIN from {parts[2]}")
        if (pattern := OBSOLETE_IMPORTS.get(module)) and any(re.match(pattern, n) for n in names):
            self.report(path, node, "W7401", f"deprecated import from {module}")
        if names & NAMESPACE_IMPORTS.get(module, set()):
            self.report(path, node, "C7406", f"use the {module} namespace")

    def call(self, path: Path, node: ast.Call) -> None:
        func = _name(node.func)
        if (
            isinstance(node.func, ast.Attribute)
            and "LOGGER" in _name(node.func.value)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(message := node.args[0].value, str)
        ):
            if message.endswith("."):
                self.report(path, node, "C7401", f"logger message ends with a period: {message!r}")
            if func != "debug" and message[:1].upper() != message[:1]:
                self.report(path, node, "C7402", f"logger message not capitalised: {message!r}")
        if (
            func in ("now", "utcnow")
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "datetime"
        ):
            self.report(path, node, "C7414", "datetime.now(); use homeassistant.util.dt")
        if func in EXCEPTIONS:
            self.exception(path, node, func)
        if func.endswith("EntityDescription"):
            for keyword in node.keywords:
                default = DESCRIPTION_DEFAULTS.get(keyword.arg or "", ...)
                if default is not ... and _literal(keyword.value) == default:
                    self.report(path, keyword.value, "C7412", f"{keyword.arg} is the default")

    def exception(self, path: Path, node: ast.Call, name: str) -> None:
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if "translation_key" not in keywords:
            self.report(path, node, "W7417", f"{name} without translation_key")
            return
        if "translation_domain" not in keywords:
            self.report(path, node, "E7408", f"{name} with translation_key but no domain")
        if node.args:
            self.report(path, node, "W7419", f"{name}: a message besides translation_key")
        key_node = keywords["translation_key"]
        if not isinstance(key_node, ast.Constant):
            return  # built by a helper; the helper's callers are checked by the tests
        key = str(key_node.value)
        message = self.strings.get("exceptions", {}).get(key, {}).get("message")
        if message is None:
            self.report(path, node, "E7406", f"{key} not in strings.json exceptions")
            return
        given = keywords.get("translation_placeholders")
        if isinstance(given, ast.Dict):
            keys = {str(_literal(k)) for k in given.keys if k is not None}
            wanted = set(re.findall(r"\{(\w+)\}", message))
            if keys != wanted:
                self.report(path, node, "E7418", f"{key}: {sorted(keys)} vs {sorted(wanted)}")

    def hass_data(self, path: Path, node: ast.Subscript) -> None:
        if (
            isinstance(node.value, ast.Attribute)
            and node.value.attr == "data"
            and _name(node.value.value) == "hass"
            and _name(node.slice) == "DOMAIN"
        ):
            self.report(path, node, "W7405", "hass.data[DOMAIN]; use entry.runtime_data")

    def coroutine(self, path: Path, node: ast.AsyncFunctionDef) -> None:
        if any(_name(d) == "callback" for d in node.decorator_list):
            self.report(path, node, "W7402", f"@callback on the coroutine {node.name}")
        if node.name.startswith("async_step_"):
            for call in ast.walk(node):
                for keyword in getattr(call, "keywords", []):
                    step = _literal(keyword.value)
                    if keyword.arg == "step_id" and f"async_step_{step}" != node.name:
                        self.report(path, call, "W7438", f"step_id {step!r} in {node.name}")
        if path.stem == "services":
            for handler in ast.walk(node):
                if isinstance(handler, ast.ExceptHandler) and not any(
                    isinstance(inner, ast.Raise) for inner in ast.walk(handler)
                ):
                    self.report(path, handler, "E7405", f"{node.name} swallows an exception")
        jobs = [
            inner for inner in ast.walk(node)
            if isinstance(inner, ast.Await) and isinstance(inner.value, ast.Call)
            and _name(inner.value.func) == "async_add_executor_job"
        ]  # fmt: skip
        if len(jobs) > 1:
            self.report(path, node, "W7415", f"{node.name}: {len(jobs)} executor jobs in a row")

    def entity_class(self, path: Path, node: ast.ClassDef) -> None:
        for base in node.bases:
            platform = ENTITY_CLASSES.get(_name(base))
            if platform and path.stem != platform:
                self.report(path, node, "C7411", f"{node.name} belongs in {platform}.py")
        for item in node.body:
            if isinstance(item, ast.AsyncFunctionDef) and item.name in (
                "async_added_to_hass",
                "async_will_remove_from_hass",
            ):
                calls_super = any(
                    isinstance(c, ast.Call)
                    and isinstance(c.func, ast.Attribute)
                    and isinstance(c.func.value, ast.Call)
                    and _name(c.func.value.func) == "super"
                    for c in ast.walk(item)
                )
                if not calls_super:
                    self.report(path, item, "E7404", f"{node.name}.{item.name} without super()")

    def assignment(self, path: Path, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None or not any(_name(t) == "_attr_unique_id" for t in targets):
            return
        text = ast.unparse(node.value)
        if "DOMAIN" in text or "presso_boots" in text:
            self.report(path, node, "W7425", f"unique id with the domain: {text}")
        for platform in ENTITY_PLATFORMS:
            if re.search(rf"[\"'_:\-]{platform}[\"'_:\-]", text):
                self.report(path, node, "W7427", f"unique id with the platform {platform}")

    def module_level(self, path: Path, tree: ast.Module) -> None:
        assigned: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                assigned |= {t.id: node.value for t in node.targets if isinstance(t, ast.Name)}
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                assigned[node.target.id] = node.value
        if path.stem in ENTITY_PLATFORMS and "PARALLEL_UPDATES" not in assigned:
            self.report(path, tree, "W7411", "platform module without PARALLEL_UPDATES")
        platforms = assigned.get("PLATFORMS")
        if isinstance(platforms, (ast.List, ast.Tuple)):
            items = [ast.unparse(e) for e in platforms.elts]
            if items != sorted(items):
                self.report(path, platforms, "C7409", "PLATFORMS not sorted")
        for name, value in assigned.items():
            literal = _literal(value)
            if (
                hasattr(ha_const, name)
                and literal is not ...
                and getattr(ha_const, name) == literal
            ):
                self.report(path, value, "C7413", f"{name} duplicates homeassistant.const.{name}")
        if path.stem == "config_flow":
            self.flow_fields(path, tree)

    def flow_fields(self, path: Path, tree: ast.Module) -> None:
        """W7428/W7431: every flow form field has a label in strings.json."""
        import importlib

        flow = importlib.import_module(f"{OWN}.config_flow")
        field = re.compile(r"vol\.(?:Required|Optional)\((\w+)")
        options = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and "Options" in "".join(
                map(ast.unparse, node.bases)
            ):
                options |= set(field.findall(ast.unparse(node)))
        config = set(field.findall(ast.unparse(tree))) - options
        for section, names in (("config", config), ("options", options)):
            steps = self.strings[section]["step"].values()
            labels = {key for step in steps for key in step.get("data", {})}
            for name in sorted(names):
                key = getattr(flow, name, name)
                if key not in labels:
                    code = "W7431" if section == "options" else "W7428"
                    self.report(path, None, code, f"{section} field {key} has no label")

    def icons_json(self) -> None:
        text = (PACKAGE / "icons.json").read_text()
        for name in re.findall(r'"mdi:([a-z0-9-]+)"', text):
            if name not in self.mdi:
                self.findings.append(f"custom_components/presso_boots/icons.json: E7410 mdi:{name}")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    findings = Checker().run()
    print("\n".join(findings))
    print(f"{len(findings)} finding(s)")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()

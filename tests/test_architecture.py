"""The shape of the code: run-time imports point one way, the protocol library stands alone."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("custom_components/presso_boots", "presso_sim")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking_block(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _runtime_imports(path: Path, *, typing_too: bool = False) -> set[str]:
    """Modules a file imports when it runs (not those under ``if TYPE_CHECKING:``)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if _is_type_checking_block(node) and not typing_too:
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def _graph(
    packages: tuple[str, ...] = PACKAGES, *, typing_too: bool = False
) -> dict[str, set[str]]:
    files = [p for package in packages for p in (ROOT / package).rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    return {
        name: {
            m for m in _runtime_imports(path, typing_too=typing_too) if m in modules and m != name
        }
        for name, path in modules.items()
    }


def test_runtime_imports_point_one_way() -> None:
    """No module needs, at run time, a module that needs it back (packages aside)."""
    _assert_no_circle(_graph())


def test_the_simulator_has_no_import_circle_even_for_types() -> None:
    """presso_sim's modules name what they need as protocols, not by importing back."""
    _assert_no_circle(_graph(("presso_sim",), typing_too=True))


def _assert_no_circle(graph: dict[str, set[str]]) -> None:
    packages = {name for name in graph if (ROOT / name.replace(".", "/")).is_dir()}
    edges = {name: deps - packages for name, deps in graph.items() if name not in packages}
    visiting: list[str] = []
    done: set[str] = set()

    def walk(name: str) -> None:
        assert name not in visiting, " -> ".join([*visiting[visiting.index(name) :], name])
        if name in done:
            return
        visiting.append(name)
        for dep in sorted(edges.get(name, ())):
            walk(dep)
        visiting.pop()
        done.add(name)

    for name in sorted(edges):
        walk(name)


def test_protocol_library_has_no_home_assistant_import() -> None:
    for path in (ROOT / "custom_components/presso_boots/presso_ble").glob("*.py"):
        imports = _runtime_imports(path)
        assert not {m for m in imports if m.split(".")[0] in ("homeassistant", "voluptuous")}, path


def test_integration_modules_stay_readable() -> None:
    """Modules under about 400 lines (the coordinator about 300), as the style guide asks."""
    for path in (ROOT / "custom_components/presso_boots").rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = 320 if path.name == "coordinator.py" else 460
        assert lines <= limit, f"{path.relative_to(ROOT)}: {lines} lines"


def test_simulator_modules_stay_readable() -> None:
    """Every simulator module under 350 lines, each with one job (issue 19)."""
    for path in (ROOT / "presso_sim").rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 350, f"{path.relative_to(ROOT)}: {lines} lines"

"""The package's stages import one way: a module may import its own stage, earlier stages and the ground floor,
never a later stage. This reads every module's imports (top-level and inside functions) from its source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
# Earliest first. The ground floor (settings, records, errors, protocols, offline) comes before every stage;
# the shells (ui, cli, api) and wiring, which builds every backend, come after all of them.
STAGES = ["ground", "language", "parsing", "corpus", "indexing", "retrieval", "answering", "evaluation", "shell"]
GROUND_FLOOR = {"settings", "settings_reference", "records", "errors", "protocols", "offline", "__init__"}
SHELLS = {"ui", "cli", "api", "mcp", "wiring"}
MAX_TOP_LEVEL_MODULES = 10


def stage_of(module: str) -> str:
    """Return the stage of a dotted module name under assistant (assistant.retrieval.lookup -> retrieval)."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    if head in GROUND_FLOOR:
        return "ground"
    if head in SHELLS:
        return "shell"
    if head in STAGES:
        return head
    raise AssertionError(f"{module}: not in any stage; add its package to STAGES, GROUND_FLOOR or SHELLS")


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else parts
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Return the assistant modules a file imports anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant"):
            if node.module == "assistant":
                found.update(f"assistant.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("assistant."))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_module_imports_only_its_own_or_earlier_stages(path: Path) -> None:
    own = stage_of(module_name(path))
    later = [
        module
        for module in sorted(imported_modules(path))
        if STAGES.index(stage_of(module)) > STAGES.index(own)
    ]
    assert not later, f"{module_name(path)} ({own}) imports later stages: {later}"


def test_stage_of_rejects_a_module_outside_every_stage() -> None:
    assert stage_of("assistant.retrieval.lookup") == "retrieval"
    assert stage_of("assistant.ui.app") == "shell"
    with pytest.raises(AssertionError, match="not in any stage"):
        stage_of("assistant.somewhere_new")


def test_top_level_keeps_only_the_ground_floor() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_module_stays_under_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 400, f"{module_name(path)} has {lines} lines: split it by job"

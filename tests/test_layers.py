"""The package's layers: imports run one way (docs/ARCHITECTURE.md).

present -> experiments -> model core -> submodels -> population, states and institutions. Every
``import`` of a ``sim`` module, at the top of a file or inside a function, is read with the
standard library's ``ast`` and must not point to a higher layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# Lower number = lower layer. A module may import its own layer or any layer below it.
LAYERS = {
    "present": 4,
    "experiments": 3,
    "core": 2,
    "submodels": 1,
    "base": 0,
}
BASE = ("sim.population", "sim.states", "sim.agents", "sim.kernels")


def layer_of(module: str) -> str:
    """The layer of a dotted ``sim`` module name."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("present", "experiments", "submodels"):
        return parts[1]
    if any(module == b or module.startswith(b + ".") for b in BASE):
        return "base"
    return "core"


def module_name(path: Path) -> str:
    rel = path.relative_to(SIM.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, this: str | None = None) -> list[tuple[int, str]]:
    """Every ``sim`` module imported by the file at ``path`` (module ``this``), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    this = this or module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "sim":
                continue
            # `from sim import x` or `from sim.experiments import store`: each name may be a module.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                is_module = (SIM.parent / candidate.replace(".", "/")).with_suffix(
                    ".py"
                ).exists() or (SIM.parent / candidate.replace(".", "/")).is_dir()
                found.append((node.lineno, candidate if is_module else target))
    return list(dict.fromkeys(found))


FILES = sorted(SIM.rglob("*.py"))


def test_layer_of_known_modules():
    assert layer_of("sim.present.cli") == "present"
    assert layer_of("sim.experiments.runner") == "experiments"
    assert layer_of("sim.model") == "core"
    assert layer_of("sim.pathways.linear") == "core"
    assert layer_of("sim.submodels.matching") == "submodels"
    assert layer_of("sim.population") == "base"
    assert layer_of("sim.agents.siae") == "base"


def test_the_rule_catches_an_upward_import(tmp_path):
    """A submodel importing the runner is reported (the check below is not vacuous)."""
    bad = tmp_path / "probe.py"
    bad.write_text("def f():\n    from sim.experiments.runner import resolve\n", encoding="utf-8")
    assert imported_modules(bad, "sim.submodels.probe") == [(2, "sim.experiments.runner")]
    assert LAYERS[layer_of("sim.experiments.runner")] > LAYERS[layer_of("sim.submodels.probe")]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SIM)) for p in FILES])
def test_no_import_crosses_a_layer_upwards(path):
    here = module_name(path)
    upward = [
        f"line {line}: {here} ({layer_of(here)}) imports {target} ({layer_of(target)})"
        for line, target in imported_modules(path)
        if LAYERS[layer_of(target)] > LAYERS[layer_of(here)]
    ]
    assert not upward, "imports must run present -> experiments -> core -> submodels -> base:\n" + (
        "\n".join(upward)
    )


def test_no_import_cycle():
    """No module imports, directly or through others, a module that imports it back.

    Imports inside functions count too: a lazy import hides a cycle from Python, not from the
    reader who must understand which module depends on which.
    """
    modules = {module_name(p): p for p in FILES}

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    graph = {
        name: {m for _, t in imported_modules(path) if (m := resolve(t)) and m != name}
        for name, path in modules.items()
    }
    # A package's __init__ that re-exports its submodules is not a dependency of those submodules.
    for name in graph:
        graph[name] -= {p for p in graph[name] if name.startswith(p + ".")}
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)

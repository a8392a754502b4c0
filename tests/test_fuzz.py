"""Property-based fuzzing of scenario files: a mutated scenario runs or is refused cleanly.

Hypothesis draws mutations of the shipped scenarios (each made a standalone file, at a tiny
size): a value of another type or out of its bounds (huge, negative, NaN, infinite, a date that
does not exist), a key removed or added or misspelt at any level, a section replaced by a list
or a scalar, a key given twice, another encoding (UTF-16, Latin-1, a NUL), an ``extends`` to
something that is not a scenario (nothing, a directory, itself, a device, a file outside the
scenario's folder, a chain of files) and sizes (structures, places, persons, months).

The property, for ``parcours run FILE --out DIR``, run in this process:

- either exit 0, with a complete run in ``DIR``;
- or exit 2, with one ``error:`` line naming a file of the scenario (and the field, when the
  fault is in a field), no traceback, and no output directory or other file written;

and ``parcours validate FILE`` accepts exactly the files ``run`` accepts.

The default run draws :data:`CI_EXAMPLES` cases (derandomized, so CI always sees the same ones);
the larger run behind the ``fuzz_large`` marker draws :data:`LARGE_EXAMPLES` with a random seed:
``pytest -m fuzz_large tests/test_fuzz.py``.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from cli_helpers import parcours_here
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import load_scenario, scenario_to_dict

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
SHIPPED = ("baseline", "iterative", "linear", "more_phc")
CI_EXAMPLES = 300
LARGE_EXAMPLES = 3000
TINY = {"persons": 60, "months": 3, "person_views": False}
# Fields whose valid values make a run long: mutations keep them small or make them invalid.
SIZE_FIELDS = {("run", "persons"), ("run", "months"), ("territory", "reference_persons")}


def _base(name: str) -> dict:
    """A shipped scenario resolved into one standalone mapping, at a tiny size."""
    data = scenario_to_dict(load_scenario(SCENARIOS / f"{name}.yaml"))
    data["run"].update(TINY)
    data["policy"]["funding"].pop("parameters", None)
    return data


BASES = {name: _base(name) for name in SHIPPED}


def _paths(node, prefix=()) -> list[tuple]:
    """Every path (tuple of keys and indices) in nested data, the root excluded."""
    out = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return out
    for key, value in items:
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


def _get(data, path):
    for key in path:
        data = data[key]
    return data


# ----------------------------------------------------------------------------- values
NUMBERS = st.one_of(
    st.integers(min_value=-5, max_value=120),
    st.sampled_from([0, 1, 6, 7, 600, 601, 10_000, 10_001, 1_000_000, 1_000_001, 5_000_001,
                     2**31, 2**63, 10**12, 10**40, -(10**40)]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.0, 0.5, 1.0, 1.0000001, -0.0, -1e-9, 1e300, -1e300]),
)  # fmt: skip
SCALARS = st.one_of(
    NUMBERS,
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["2025-13-01", "2025-02-30", "0001-01-01", "9999-12-31", "2025-01-01",
                     "aci", "open", "exits", "../x", "a/b", "", " ", "\u00e9\u00e8", "x" * 300]),
)  # fmt: skip
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.text(max_size=8), SCALARS, max_size=3),
)
SMALL_SIZES = st.one_of(
    st.integers(min_value=1, max_value=80),
    st.sampled_from([0, -1, 5_000_001, 10**40, 1.5, "x", None, 601]),
)


@st.composite
def value_mutation(draw, data):
    """Set one existing field to another value (any type; size fields stay small)."""
    paths = _paths(data)
    if not paths:
        return "value: no field left"
    path = draw(st.sampled_from(paths))
    size = path in SIZE_FIELDS
    value = draw(SMALL_SIZES if size else VALUES)
    _get(data, path[:-1])[path[-1]] = value
    return f"set {'.'.join(map(str, path))} = {value!r}"


@st.composite
def numeric_mutation(draw, data):
    """Move a number within its plausible range (often valid: it exercises the model)."""
    paths = [
        p
        for p in _paths(data)
        if isinstance(_get(data, p), int | float)
        and not isinstance(_get(data, p), bool)
        and p not in SIZE_FIELDS
    ]
    if not paths:
        return "numeric: no number left"
    path = draw(st.sampled_from(paths))
    old = _get(data, path)
    if isinstance(old, float) and 0.0 <= old <= 1.0:
        new = draw(st.sampled_from([0.0, 1.0]) | st.floats(min_value=0.0, max_value=1.0))
    else:
        new = old * draw(st.sampled_from([0, 0.5, 2, 10]))
        new = int(round(new)) if isinstance(old, int) else float(new)
    _get(data, path[:-1])[path[-1]] = new
    return f"move {'.'.join(map(str, path))} {old!r} -> {new!r}"


@st.composite
def key_mutation(draw, data):
    """Remove, add, or misspell a key of a mapping at any level."""
    mappings = [()] + [p for p in _paths(data) if isinstance(_get(data, p), dict)]
    where = draw(st.sampled_from(mappings))
    node = _get(data, where)
    kind = draw(st.sampled_from(["remove", "add", "misspell"]))
    if kind == "add" or not node:
        key = draw(st.sampled_from(["extra", "persons", "n", "p", "practise", "zz"]))
        node[key] = draw(VALUES)
        return f"add {key} under {where}"
    key = draw(st.sampled_from(sorted(node, key=str)))
    value = node.pop(key)
    if kind == "misspell":
        key = str(key)
        node[key[:-1] + key[-1].upper() if len(key) > 1 else key + "x"] = value
    return f"{kind} {key} under {where}"


@st.composite
def shape_mutation(draw, data):
    """Replace a section (or a sub-mapping) by a list, a scalar, or nest it deeper."""
    mappings = [p for p in _paths(data) if isinstance(_get(data, p), dict)]
    if not mappings:
        return "shape: no mapping left"
    path = draw(st.sampled_from(mappings))
    parent, key = _get(data, path[:-1]), path[-1]
    kind = draw(st.sampled_from(["list", "scalar", "deeper"]))
    if kind == "list":
        parent[key] = [parent[key]]
    elif kind == "scalar":
        parent[key] = draw(SCALARS)
    else:
        parent[key] = {"inner": parent[key]}
    return f"{kind} at {path}"


@st.composite
def size_mutation(draw, data):
    """Structures, places, staff and vacancies far beyond any territory."""
    fields = ("n", "places", "posts", "phc_places", "vacancies_per_month", "social_workers",
              "caseload", "insertion_officers", "agencies", "creche", "training")  # fmt: skip
    choices = [
        (_get(data, p[:-1]), p[-1])
        for p in _paths(data)
        if p[0] == "territory" and p[-1] in fields and isinstance(_get(data, p[:-1]), dict)
    ]
    if not choices:
        return "size: no field left"
    node, field = draw(st.sampled_from(choices))
    node[field] = draw(st.sampled_from([0, 10_000, 10_001, 1_000_000, 1_000_001, 10**12,
                                        10**40, 1e300, -1, float("inf")]))  # fmt: skip
    return f"size {field} = {node[field]!r}"


@st.composite
def whole_territory_mutation(draw, data):
    """A kind of institution absent (every group n: 0, or no group at all)."""
    section = draw(st.sampled_from(["shelters", "siae", "employers"]))
    territory = data.get("territory")
    if not isinstance(territory, dict) or not isinstance(territory.get(section), dict):
        return f"no {section}: not a mapping any more"
    if draw(st.booleans()):
        territory[section] = {}
    else:
        for group in territory[section].values():
            if isinstance(group, dict):
                group["n"] = 0
    return f"no {section}"


DATA_MUTATIONS = (
    numeric_mutation,
    numeric_mutation,
    value_mutation,
    key_mutation,
    shape_mutation,
    size_mutation,
    whole_territory_mutation,
)

# File-level faults: (name, how the main file is written or what it extends).
FILE_FAULTS = (
    "none",
    "utf16",
    "latin1",
    "nul",
    "bom",
    "duplicate",
    "tab",
    "extends_empty",
    "extends_dir",
    "extends_self",
    "extends_loop_link",
    "extends_device",
    "extends_outside",
    "extends_missing",
    "extends_not_a_scenario",
    "extends_chain",
    "extends_parent_broken",
    "params_dir",
    "params_missing",
)


DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(data) -> str:
    return yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True)


def write_case(folder: Path, data: dict, fault: str, parent_broken: dict | None) -> Path:
    """Write the mutated scenario into ``folder`` with the file-level ``fault``; its path."""
    main = folder / "case.yaml"
    text = _dump(data)
    if fault == "utf16":
        main.write_bytes(text.encode("utf-16"))
    elif fault == "latin1":
        main.write_bytes(("# d\u00e9partement\n" + text).encode("latin-1", "replace"))
    elif fault == "nul":
        main.write_bytes(text.encode() + b"\x00\n")
    elif fault == "bom":
        main.write_bytes(b"\xef\xbb\xbf" + text.encode())
    elif fault == "duplicate":
        main.write_text(text + "name: again\n", encoding="utf-8")
    elif fault == "tab":
        main.write_text(text + "run:\n\tmonths: 3\n", encoding="utf-8")
    elif fault.startswith("extends_") or fault.startswith("params_"):
        main.write_text(_extends_case(folder, data, fault, parent_broken), encoding="utf-8")
    else:
        main.write_text(text, encoding="utf-8")
    return main


def _extends_case(folder: Path, data: dict, fault: str, parent_broken: dict | None) -> str:
    child = {"name": "child"}
    if fault == "extends_empty":
        child["extends"] = ""
    elif fault == "extends_dir":
        (folder / "adir").mkdir()
        child["extends"] = "adir"
    elif fault == "extends_self":
        child["extends"] = "case.yaml"
    elif fault == "extends_loop_link":
        (folder / "loop.yaml").symlink_to(folder / "loop.yaml")
        child["extends"] = "loop.yaml"
    elif fault == "extends_device":
        child["extends"] = "/dev/zero"
    elif fault == "extends_outside":
        outside = folder.parent / f"{folder.name}-outside.yaml"
        outside.write_text(_dump(data), encoding="utf-8")
        child["extends"] = f"../{outside.name}"
    elif fault == "extends_missing":
        child["extends"] = "nowhere.yaml"
    elif fault == "extends_not_a_scenario":
        (folder / "other.yaml").write_text("services:\n  db: {image: x}\n", encoding="utf-8")
        child["extends"] = "other.yaml"
    elif fault == "extends_chain":
        (folder / "link0.yaml").write_text(_dump(data), encoding="utf-8")
        for i in range(1, 20):
            (folder / f"link{i}.yaml").write_text(f"extends: link{i - 1}.yaml\n")
        child["extends"] = "link19.yaml"
    elif fault == "extends_parent_broken":
        (folder / "parent.yaml").write_text(_dump(parent_broken or data), encoding="utf-8")
        child["extends"] = "parent.yaml"
    elif fault == "params_dir":
        (folder / "pdir").mkdir()
        (folder / "parent.yaml").write_text(_dump(data), encoding="utf-8")
        child.update(extends="parent.yaml", policy={"funding": {"parameters": "pdir"}})
    elif fault == "params_missing":
        (folder / "parent.yaml").write_text(_dump(data), encoding="utf-8")
        child.update(extends="parent.yaml", policy={"funding": {"parameters": "none.yaml"}})
    return _dump(child)


@st.composite
def cases(draw):
    """A base scenario, up to three data mutations, and a file-level fault."""
    name = draw(st.sampled_from(SHIPPED))
    data = copy.deepcopy(BASES[name])
    story = [name]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        mutation = draw(st.sampled_from(DATA_MUTATIONS))
        story.append(draw(mutation(data)))
    fault = draw(st.sampled_from(FILE_FAULTS[1:])) if draw(st.booleans()) else "none"
    story.append(fault)
    return data, fault, story


# ----------------------------------------------------------------------------- the property
def check_case(data: dict, fault: str, story: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="parcours-fuzz-"))
    try:
        scenarios, cwd = folder / "scn", folder / "cwd"
        scenarios.mkdir()
        cwd.mkdir()
        broken_parent = data if fault == "extends_parent_broken" else None
        path = write_case(scenarios, data, fault, broken_parent)
        out = cwd / "out"
        run = parcours_here("run", path, "--out", out, "--quiet", "--workers", "1", cwd=cwd)
        validate = parcours_here("validate", path, cwd=cwd)
        where = f"case: {' -> '.join(map(str, story))}\n{run.describe()}"
        assert run.returncode in (0, 2), where
        assert "Traceback" not in run.stderr, where
        assert (run.returncode == 0) == (validate.returncode == 0), (
            f"validate and run disagree\n{where}\nvalidate:\n{validate.describe()}"
        )
        if run.returncode == 0:
            manifest = json.loads((out / "manifest.json").read_text())
            assert manifest["status"] == "complete", where
            assert (out / "summary.parquet").is_file(), where
            return
        errors = [x for x in run.stderr.splitlines() if x.startswith("error:")]
        assert len(errors) == 1, where
        others = [x for x in run.stderr.splitlines() if x.strip() and not x.startswith("error:")]
        assert all(x.startswith("  ") for x in others), where
        message = errors[0]
        files = [str(p) for p in scenarios.rglob("*")] + [str(folder), "/dev/"]
        files += [str(SCENARIOS)]
        assert any(f in message for f in files), f"the message names no file\n{where}"
        assert message.count(": ") >= 2, f"the message names no field or rule\n{where}"
        if fault == "none":  # a defect in the data: the message names the field
            names_field = re.match(r"^error: \S+: [A-Za-z0-9_.\-]+: ", message)
            whole_file = any(rule in message for rule in FILE_RULES)
            assert names_field or whole_file, f"the message names no field\n{where}"
        assert not out.exists(), f"output written despite the error\n{where}"
        assert not any(cwd.iterdir()), f"written in the working directory\n{where}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


FILE_RULES = ("YAML mapping", "not a scenario file", "is not a plain name", "not valid YAML")
"""Rules about a whole file (no field to name), for a defect in the data."""

COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=CI_EXAMPLES, derandomize=True, **COMMON)
@given(cases())
def test_mutated_scenarios_run_or_are_refused_cleanly(case):
    check_case(*case)


@pytest.mark.fuzz_large
@settings(max_examples=LARGE_EXAMPLES, **COMMON)
@given(cases())
def test_mutated_scenarios_run_or_are_refused_cleanly_large(case):
    check_case(*case)

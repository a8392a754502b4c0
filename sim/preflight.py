"""Everything a run checks before it starts, so that ``validate`` can check the same.

A scenario that passes :func:`check_runnable` starts: its funding parameters are readable and in
force at ``run.start`` (:func:`sim.parameters.funding_values`), its budgets fund whole posts and
places (:func:`sim.budget.apply_budgets`), and its size fits the machine
(:func:`check_resources`). ``parcours validate`` runs it, ``parcours run`` and every other
command run it before they write anything, and :class:`~sim.model.InsertionModel` checks the
resources before it allocates the population.

Resources. A run holds one row per person present at the start or arriving later:
``rows = persons x (1 + arrivals_per_month x months)`` (:func:`estimate`), and each row keeps its
status of every month. Measured on the baseline (``benchmarks/bench_limits.py``), a task needs
about :data:`BYTES_PER_ROW` bytes per row, :data:`BYTES_PER_ROW_MONTH` per row and month,
:data:`BYTES_PER_VIEW` more per row with ``person_views``, and :data:`BYTES_FIXED` for the
interpreter and its libraries. A run whose estimate, times the tasks that run at once, exceeds
the memory available (``MemAvailable`` and the cgroup's limit, or ``PARCOURS_MEMORY`` when set,
e.g. ``4G``) is refused with the estimate before anything is allocated. Institutions are Python
objects: at most :data:`MAX_INSTITUTIONS` structures in all.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from sim.budget import apply_budgets
from sim.parameters import benefit_rules, funding_values
from sim.parameters.benefit_table import benefit_scale
from sim.scenario import Scenario, ScenarioError, file_of

BYTES_PER_ROW = 1_000
"""Memory per person row of a task, persons table included [bytes] (measured: about 700)."""
BYTES_PER_ROW_MONTH = 2
"""Memory per person row and month: the status history [bytes] (measured: about 1.3)."""
BYTES_PER_VIEW = 800
"""Extra memory per row with ``run.person_views`` [bytes] (measured: about 550)."""
BYTES_FIXED = 400 * 2**20
"""Memory of the interpreter, its libraries and a run's fixed tables [bytes] (about 260 MiB)."""
MAX_ROWS = 2**31 - 1
"""Most person rows in one run (row indices are 32-bit in places)."""
MAX_INSTITUTIONS = 100_000
"""Most structures (shelters, agencies, SIAE, employers, referent and mediation teams)."""
GIB = 2**30


@dataclass(frozen=True)
class Estimate:
    """The size of one task of a scenario."""

    rows: int  # person rows: the stock at start and every expected arrival
    arrivals: int  # expected arrivals
    months: int  # months simulated (burn-in included)
    bytes: int  # memory the task needs
    institutions: int  # structures of every kind


def estimate(scenario: Scenario) -> Estimate:
    """Rows, memory and institutions of one task of ``scenario``."""
    run, pop, terr = scenario.run, scenario.population, scenario.territory
    months = run.months + int(getattr(run, "burn_in", 0) or 0)
    mean = run.persons * pop.arrivals_per_month * max(months - 1, 0)
    arrivals = int(math.ceil(mean + 5 * math.sqrt(mean)))  # Poisson: a safe upper value
    rows = run.persons + arrivals
    per_row = (
        BYTES_PER_ROW + BYTES_PER_ROW_MONTH * months + (BYTES_PER_VIEW if run.person_views else 0)
    )
    institutions = (
        sum(g.n for g in terr.shelters.values())
        + sum(g.n for g in terr.siae.values())
        + sum(g.n for g in terr.employers.values())
        + terr.france_travail.agencies
        + sum(g.n for g in getattr(terr, "referent_groups", {}).values())
        + sum(g.n for g in getattr(terr, "mediation", {}).values())
    )
    return Estimate(rows, arrivals, months, BYTES_FIXED + rows * per_row, institutions)


def _size(text: str) -> int | None:
    """``"4G"``, ``"512M"`` or a number of bytes -> bytes; None if unreadable."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    factor = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = float(number) * factor
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value > 0 else None


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> tuple[int | None, str]:
    """Bytes of memory a run may use now, and where the figure comes from.

    ``PARCOURS_MEMORY`` (e.g. ``4G``) when set; otherwise the smaller of ``MemAvailable``
    (``/proc/meminfo``) and what the cgroup's memory limit leaves; None where neither is known.
    """
    env = os.environ.get("PARCOURS_MEMORY")
    if env:
        value = _size(env)
        if value is not None:
            return value, "PARCOURS_MEMORY"
    found: list[tuple[int, str]] = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append((int(line.split()[1]) * 1024, "available memory"))
    except (OSError, ValueError, IndexError):
        pass
    limit = _read_int("/sys/fs/cgroup/memory.max")
    used = _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and used is not None:
        found.append((max(limit - used, 0), "the cgroup's memory limit"))
    if not found:
        return None, "unknown"
    return min(found)


def check_resources(scenario: Scenario, concurrent: int = 1, file: str | None = None) -> Estimate:
    """Refuse a scenario too large for the machine, before anything is allocated.

    Args:
        scenario: a validated scenario.
        concurrent: tasks that run at once on this machine (each needs the estimate).
        file: the file errors name (by default, the file that set ``run.persons``).

    Returns:
        The estimate of one task.

    Raises:
        ScenarioError: on ``run.persons``, with the estimate and the memory available.
    """
    size = estimate(scenario)
    named = file or file_of(scenario, "run.persons")
    if size.institutions > MAX_INSTITUTIONS:
        raise ScenarioError(
            file or file_of(scenario, "territory"),
            "territory",
            f"{size.institutions:,} structures in all (shelters, agencies, SIAE, employers); "
            f"at most {MAX_INSTITUTIONS:,}",
        )
    what = (
        f"{scenario.run.persons:,} persons at start and about {size.arrivals:,} arrivals over "
        f"{size.months} months make {size.rows:,} person rows"
    )
    if size.rows > MAX_ROWS:
        raise ScenarioError(named, "run.persons", f"{what}; at most {MAX_ROWS:,}")
    memory, where = available_memory()
    need = size.bytes * max(concurrent, 1)
    if memory is not None and need > memory:
        at_once = f" each, {concurrent} tasks at once" if concurrent > 1 else ""
        hint = (
            f"use --workers {max(1, memory // size.bytes)}, or fewer persons or months"
            if concurrent > 1 and size.bytes <= memory
            else "use fewer persons or months"
            + (" (or run.person_views: false)" if scenario.run.person_views else "")
        )
        raise ScenarioError(
            named,
            "run.persons",
            f"{what}, which need about {size.bytes / GIB:.1f} GiB{at_once}; "
            f"{memory / GIB:.1f} GiB is available ({where}): {hint}",
        )
    return size


def check_runnable(scenario: Scenario, file: str | None = None, concurrent: int = 1) -> list[dict]:
    """Everything a run checks before it starts; the budget report.

    Args:
        scenario: a validated scenario.
        file: the file errors name (by default, the file that set the field at fault).
        concurrent: tasks that will run at once on this machine.

    Returns:
        One report row per budget (see :func:`sim.budget.apply_budgets`).

    Raises:
        ScenarioError: naming the file, the field and the rule.
    """
    values = funding_values(scenario, file)
    benefit_rules(scenario, file or file_of(scenario, "policy.benefits"))
    table = scenario.policy.benefits.table
    benefit_scale(scenario.run.start, table, file or file_of(scenario, "policy.benefits.table"))
    _, report = apply_budgets(scenario, values, file)
    check_resources(scenario, concurrent, file)
    return report

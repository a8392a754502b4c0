"""Budget envelopes: capacities that follow from euros and unit costs.

A scenario may fund a programme by a yearly envelope (``policy.budget: {programme: {funder:
EUR}}``) instead of a fixed capacity, or add capacity with extra euros (``policy.extra_budget:
{programme: EUR}``, what ``parcours allocate`` varies). The capacity is the budget divided by the
unit cost in force (``sim/parameters/funding.yaml``), rounded down; the euros the rounding leaves
are reported. A budget too small for one post or place is a validation error naming the
programme.

- An envelope replaces the programme's capacity. A programme run by several groups of identical
  structures shares the envelope between them in proportion to their current capacity (equally
  if they have none); each structure of a group gets the same whole capacity.
- Extra euros add capacity: to the territory's single service or programme, or, for programmes
  run by groups of structures (SIAE, PHC hosts, shelters), as one more structure like the
  programme's largest group (``<group>_extra``), holding the whole extra capacity.

Budgets are stated for the territory at its ``reference_persons``; like every capacity, the
resulting capacities scale with ``run.persons``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.scenario import (
    MAX_CAPACITY,
    Scenario,
    ScenarioError,
    file_of,
    scenario_from_dict,
    source_of,
    with_source,
)
from sim.scenario.errors import shown, suggestion

SERVICES = ("creche", "mobility", "french", "health", "training")
FULL_TIME_HOURS = 35.0


@dataclass
class Target:
    """One group of identical structures whose capacity a programme's budget sets."""

    node: dict  # the scenario mapping holding the capacity field
    field: str
    n: int  # structures in the group
    unit_cost: float  # EUR per unit of capacity and year
    whole: bool = True  # capacities in whole units


def _targets(data: dict, programme: str, v: dict[str, float]) -> tuple[list[Target], str]:
    terr = data["territory"]
    if programme.startswith("aide_au_poste_") and programme != "aide_au_poste_modulation":
        kind = programme.removeprefix("aide_au_poste_")
        return [
            Target(
                g, "posts", g["n"], v[f"aide_au_poste.{kind}"] * g["weekly_hours"] / FULL_TIME_HOURS
            )
            for g in terr["siae"].values()
            if g["type"] == kind
        ], "post"
    if programme == "phc":
        hosts = [g for g in terr["siae"].values() if g["phc_places"] > 0]
        hosts = hosts or [g for g in terr["siae"].values() if g["type"] == "aci"]
        return [Target(g, "phc_places", g["n"], 12 * v["place_per_month.phc"]) for g in hosts], (
            "PHC place"
        )
    if programme in ("shelter_chrs", "shelter_iml"):
        kind = programme.removeprefix("shelter_")
        return [
            Target(g, "places", g["n"], v[f"place_cost.{kind}"])
            for g in terr["shelters"].values()
            if g["kind"] == kind
        ], f"{kind.upper()} place"
    if programme == "tapaj":
        lt = terr["low_threshold"]
        return [Target(lt, "tapaj_places", 1, 12 * v["place_per_month.tapaj"])], "TAPAJ place"
    if programme in SERVICES:
        return [
            Target(terr["services"], programme, 1, 12 * v[f"place_per_month.{programme}"])
        ], f"{programme} place"
    if programme == "france_travail_advisers":
        ft = terr["france_travail"]
        return [Target(ft, "advisers_per_agency", ft["agencies"], v["staff.adviser"])], (
            "adviser FTE"
        )
    return [], ""


BUDGET_PROGRAMMES = (
    "aide_au_poste_aci",
    "aide_au_poste_ei",
    "aide_au_poste_ai",
    "aide_au_poste_etti",
    "phc",
    "tapaj",
    *SERVICES,
    "france_travail_advisers",
    "shelter_chrs",
    "shelter_iml",
)


def _add_structure(data: dict, programme: str, targets: list[Target], units: int) -> None:
    """Put ``units`` of extra capacity in one new structure cloned from the largest group."""
    template = max(targets, key=lambda t: t.node[t.field] * t.n)
    section = "shelters" if programme.startswith("shelter_") else "siae"
    groups = data["territory"][section]
    name = next(k for k, g in groups.items() if g is template.node)
    clone = dict(template.node, n=1)
    clone[template.field] = units
    if section == "shelters":
        per_place = template.node["social_workers"] / max(template.node["places"], 1)
        clone["social_workers"] = per_place * units
        clone["aava_places"] = 0
        clone["insertion_officer_fte"] = 0.0
    elif programme == "phc":
        clone["posts"] = 0
    else:
        clone["phc_places"] = 0
    groups[f"{name}_extra"] = clone


def _fund(
    data: dict, programme: str, euros: float, add: bool, v: dict[str, float], where: str, file
) -> dict[str, Any]:
    targets, unit_name = _targets(data, programme, v)
    if not targets:
        raise ScenarioError(
            file,
            where,
            f"no capacity can be funded for {shown(programme)}"
            + suggestion(programme, BUDGET_PROGRAMMES)
            + " (budgets fund: "
            + ", ".join(BUDGET_PROGRAMMES)
            + ")",
        )
    if euros < 0:
        raise ScenarioError(file, where, "a budget cannot be negative")
    if add:
        template = max(targets, key=lambda t: t.node[t.field] * t.n)
        units = math.floor(euros / template.unit_cost) if template.unit_cost > 0 else 0
        if units >= 1:
            if (
                template.n == 1
                and programme not in ("phc",)
                and not programme.startswith(("aide_au_poste_", "shelter_"))
            ):
                template.node[template.field] += units
            elif programme == "france_travail_advisers":
                template.node[template.field] += units / template.n
            else:
                _add_structure(data, programme, targets, units)
        return _report(
            programme, "extra", euros, unit_name, template.unit_cost, units, file, where, targets
        )
    if sum(t.n for t in targets) == 0:
        raise ScenarioError(
            file,
            where,
            f"{programme} has no structure in the territory to fund (every group "
            "has n: 0); give a group structures, or use policy.extra_budget to add one",
        )
    current = [t.node[t.field] * t.n for t in targets]
    total_current = sum(current)
    weights = [
        c / total_current if total_current else t.n / sum(x.n for x in targets)
        for c, t in zip(current, targets, strict=True)
    ]
    funded_units, spent = 0, 0.0
    for t, w in zip(targets, weights, strict=True):
        units = math.floor(euros * w / t.unit_cost) if t.unit_cost > 0 else 0
        per_structure = units // t.n if t.n else 0
        t.node[t.field] = per_structure
        funded_units += per_structure * t.n
        spent += per_structure * t.n * t.unit_cost
    cheapest = min(t.unit_cost for t in targets)
    return _report(
        programme, "envelope", euros, unit_name, cheapest, funded_units, file, where, targets, spent
    )


def _report(
    programme, mode, euros, unit_name, unit_cost, units, file, where, targets, spent=None
) -> dict[str, Any]:
    """The report row of one budget; a budget too small for one unit, or too large, is an error."""
    structures = 1 if mode == "extra" else sum(t.n for t in targets)
    if units > MAX_CAPACITY * max(structures, 1):
        raise ScenarioError(
            file,
            where,
            f"{euros:,.0f} EUR a year fund {units:,} units of {programme} (one costs "
            f"{unit_cost:,.0f} EUR a year): more than a structure may hold ({MAX_CAPACITY:,})",
        )
    if euros > 0 and units < 1:
        spread = mode == "envelope" and targets[0].n > 1
        per = f" in each of {targets[0].n} structures" if spread else ""
        raise ScenarioError(
            file,
            where,
            f"{euros:,.0f} EUR a year cannot fund one {unit_name} of {programme} "
            f"(one costs {unit_cost:,.0f} EUR a year{per})",
        )
    spent = units * unit_cost if spent is None else spent
    return {
        "programme": programme,
        "mode": mode,
        "euros": euros,
        "unit": unit_name,
        "unit_cost": unit_cost,
        "capacity": units,
        "spent": spent,
        "remainder": euros - spent,
    }


def apply_budgets(
    scenario: Scenario, values: dict[str, float], file: str | None = None
) -> tuple[Scenario, list[dict[str, Any]]]:
    """The scenario with budget-funded capacities set, and a report of each programme's budget.

    Args:
        scenario: a validated scenario.
        values: the funding parameters in force (:func:`sim.parameters.funding_values`).
        file: the file errors name; by default, the file that set the budget at fault.

    Returns:
        The scenario with ``policy.budget`` and ``policy.extra_budget`` turned into capacities,
        and one report row per funded programme: euros, unit cost, capacity, euros left over.
    """
    policy = scenario.policy
    if not policy.budget and not policy.extra_budget:
        return scenario, []
    data = scenario.model_dump()
    report = []
    for programme, envelope in (policy.budget or {}).items():
        euros = float(sum(envelope.values()))
        where = f"policy.budget.{programme}"
        named = file or file_of(scenario, where)
        report.append(_fund(data, programme, euros, False, values, where, named))
    for programme, euros in policy.extra_budget.items():
        where = f"policy.extra_budget.{programme}"
        named = file or file_of(scenario, where)
        report.append(_fund(data, programme, float(euros), True, values, where, named))
    funded = scenario_from_dict(data, file or file_of(scenario), source_of(scenario))
    return with_source(funded, source_of(scenario)), report

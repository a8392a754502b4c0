"""Budget envelopes: capacities that follow from euros and unit costs.

A scenario may fund a programme by a yearly envelope (``policy.budget: {programme: {funder:
EUR}}``) instead of a fixed capacity, or add capacity with extra euros (``policy.extra_budget:
{programme: EUR}``, what ``parcours allocate`` varies). The capacity is the budget divided by the
unit cost in force (``sim/parameters/funding.yaml``), rounded down; the euros the rounding leaves
are reported. A programme run by several groups of structures shares its budget between them in
proportion to their current capacity (equally if they have none); each structure of a group
gets the same whole capacity. A budget too small for one post or place is a validation error
naming the programme.

Budgets are stated for the territory at its ``reference_persons``; like every capacity, the
resulting capacities scale with ``run.persons``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.scenario import Scenario, ScenarioError, scenario_from_dict

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


def _fund(
    data: dict, programme: str, euros: float, add: bool, v: dict[str, float], where: str, file
) -> dict[str, Any]:
    targets, unit_name = _targets(data, programme, v)
    if not targets:
        raise ScenarioError(
            file,
            where,
            f"no capacity can be funded for {programme!r}; budgets fund: "
            + ", ".join(BUDGET_PROGRAMMES),
        )
    if euros < 0:
        raise ScenarioError(file, where, "a budget cannot be negative")
    current = [t.node[t.field] * t.n for t in targets]
    total_current = sum(current)
    weights = [
        c / total_current if total_current else t.n / sum(x.n for x in targets)
        for c, t in zip(current, targets, strict=True)
    ]
    funded_units, spent = 0.0, 0.0
    for t, w, cur in zip(targets, weights, current, strict=True):
        units = math.floor(euros * w / t.unit_cost) if t.unit_cost > 0 else 0
        new_total = (cur + units) if add else units
        per_structure = new_total // t.n if t.n else 0
        funded = per_structure * t.n - (cur if add else 0)
        t.node[t.field] = per_structure
        funded_units += funded
        spent += funded * t.unit_cost
    cheapest = min(t.unit_cost for t in targets)
    if euros > 0 and funded_units < 1:
        raise ScenarioError(
            file,
            where,
            f"{euros:,.0f} EUR a year cannot fund one {unit_name} of {programme} "
            f"(one costs {cheapest:,.0f} EUR a year in each of {targets[0].n} structures)",
        )
    return {
        "programme": programme,
        "mode": "extra" if add else "envelope",
        "euros": euros,
        "unit": unit_name,
        "unit_cost": cheapest,
        "capacity": funded_units,
        "spent": spent,
        "remainder": euros - spent,
    }


def apply_budgets(
    scenario: Scenario, values: dict[str, float], file: str = "<scenario>"
) -> tuple[Scenario, list[dict[str, Any]]]:
    """The scenario with budget-funded capacities set, and a report of each programme's budget.

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
        report.append(
            _fund(data, programme, euros, False, values, f"policy.budget.{programme}", file)
        )
    for programme, euros in policy.extra_budget.items():
        report.append(
            _fund(
                data,
                programme,
                float(euros),
                True,
                values,
                f"policy.extra_budget.{programme}",
                file,
            )
        )
    return scenario_from_dict(data, file), report

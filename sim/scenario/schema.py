"""A whole scenario: the ``run`` settings and the four sections, validated together."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from sim.scenario.base import Strict
from sim.scenario.behaviour import Behaviour
from sim.scenario.policy import PolicySpec
from sim.scenario.population import PopulationSpec
from sim.scenario.territory import TerritorySpec


class RunSettings(Strict):
    """Run settings."""

    months: int = Field(ge=1, le=600, description="simulated months [month]")
    persons: int = Field(ge=1, le=5_000_000, description="persons present at start [person]")
    seed: int = Field(ge=0, description="seed of numpy.random.SeedSequence")
    start: dt.date = Field(strict=False, description="calendar date of month 0 (YYYY-MM-DD)")
    person_views: bool = Field(description="create one mesa.Agent view per person")
    check_invariants: bool = Field(description="check invariants after every step")


class Scenario(Strict):
    """A whole scenario, validated."""

    name: str
    description: str = ""
    run: RunSettings
    population: PopulationSpec
    territory: TerritorySpec
    policy: PolicySpec
    behaviour: Behaviour

    def practice_of(self, practice: float, kind: str | None = None) -> float:
        """Degree of iterative practice of a structure, after the policy overrides.

        Args:
            practice: the structure's own degree of iterative practice.
            kind: ``shelters``, ``france_travail`` or ``referent_groups``: an override for that
                kind only (``policy.practice_override_by_kind``) comes first.
        """
        if kind is not None:
            by_kind = getattr(self.policy.practice_override_by_kind, kind)
            if by_kind is not None:
                return by_kind
        override = self.policy.practice_override
        return practice if override is None else override

    def practice_overridden(self, kind: str) -> bool:
        """Whether a policy override sets the practice of every structure of ``kind``.

        An override replaces the structures' practice by public too.
        """
        by_kind = getattr(self.policy.practice_override_by_kind, kind)
        return by_kind is not None or self.policy.practice_override is not None

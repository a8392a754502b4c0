"""A whole scenario: the ``run`` settings and the four sections, validated together."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from sim.scenario.base import Strict
from sim.scenario.behaviour import Behaviour
from sim.scenario.errors import PLAIN_NAME
from sim.scenario.policy import PolicySpec
from sim.scenario.population import PopulationSpec
from sim.scenario.practice import Practice, check_practice
from sim.scenario.territory import TerritorySpec


class RunSettings(Strict):
    """Run settings."""

    months: int = Field(ge=1, le=600, description="simulated months [month]")
    persons: int = Field(ge=1, le=5_000_000, description="persons present at start [person]")
    seed: int = Field(ge=0, le=2**63 - 1, description="seed of numpy.random.SeedSequence")
    start: dt.date = Field(strict=False, description="calendar date of month 0 (YYYY-MM-DD)")
    person_views: bool = Field(description="create one mesa.Agent view per person")
    check_invariants: bool = Field(description="check invariants after every step")


class Scenario(Strict):
    """A whole scenario, validated."""

    name: str = Field(
        pattern=PLAIN_NAME,
        max_length=64,
        description="a plain name (letters, digits, '_', '-', '.'): it names the results directory",
    )
    description: str = Field("", max_length=10_000)
    run: RunSettings
    population: PopulationSpec
    territory: TerritorySpec
    policy: PolicySpec
    behaviour: Behaviour
    _source: Any = PrivateAttr(default=None)  # its file, and the file of each field (loading.py)

    @model_validator(mode="after")
    def _known_profiles(self):
        profiles, terr = self.policy.practices, self.territory
        where = [(g.practice, f"territory.shelters.{n}.practice") for n, g in terr.shelters.items()]
        where += [(terr.france_travail.practice, "territory.france_travail.practice")]
        where += [(terr.departement.practice, "territory.departement.practice")]
        where += [
            (g.practice, f"territory.referent_groups.{n}.practice")
            for n, g in terr.referent_groups.items()
        ]
        sections = [(f"territory.shelters.{n}", g) for n, g in terr.shelters.items()] + [
            ("territory.france_travail", terr.france_travail)
        ]
        sections += [(f"territory.referent_groups.{n}", g) for n, g in terr.referent_groups.items()]
        for path, g in sections:
            where += [
                (value, f"{path}.practice_by_public.{public}")
                for public, value in g.practice_by_public.items()
            ]
        by_kind = self.policy.practice_override_by_kind
        where += [
            (getattr(by_kind, kind), f"policy.practice_override_by_kind.{kind}")
            for kind in ("shelters", "france_travail", "referent_groups")
            if getattr(by_kind, kind) is not None
        ]
        for practice, path in where:
            check_practice(practice, profiles, path)
        return self

    def practice_of(self, practice: Practice, kind: str | None = None) -> Practice:
        """A structure's practice, after the policy overrides.

        Args:
            practice: the structure's own practice (a share of iterative practice, or shares of
                the profiles of ``policy.practices``).
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

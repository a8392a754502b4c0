"""Who a capacity group is for: ``eligible:`` conditions, ``priority:`` lists, practice by public.

Any capacity group (shelters, SIAE, employers, service and training places, low-threshold
programmes, referent groups, mediation teams) may declare:

- ``eligible:`` a condition on person attributes and publics. Written as one public
  (``eligible: homeless``), a list of publics of which the person must belong to at least one
  (``eligible: [rsa, long_term_unemployed]``) or a mapping (:class:`Condition`):
  ``{publics: [...], all_publics: [...], not_publics: [...], age: [16, 30],
  min_months_without_work: 12, max_months_without_work: 6, obstacles: {mental_health: 2},
  min_obstacles: 3, benefit: [rsa], housing: [street, emergency_shelter], sex: woman}``.
  ``trial_arm: [1]`` (persons randomised to arm 1 of the trial run in the territory) is set by
  ``parcours trial`` on the groups an arm file adds (:mod:`sim.experiments.trial`).
  Every stated part must hold. A person outside ``eligible`` never takes a place there.
- ``priority:`` an ordered list of publics served first (``[homeless, rsa]``).

Public names are those of :data:`sim.submodels.eligibility.PUBLICS`; an unknown name is refused
with the list of known ones. Conditions are evaluated by
:func:`sim.submodels.eligibility.eligible_mask`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from sim.scenario.base import NonNeg, ObstacleName, Strict
from sim.scenario.errors import did_you_mean, unknown_names
from sim.scenario.practice import Practice
from sim.states import OBSTACLES
from sim.submodels.eligibility import BENEFITS, HOUSINGS, PUBLICS


def _known_public(name: str) -> str:
    if name not in PUBLICS:
        near = did_you_mean(name, list(PUBLICS))
        hint = f"; did you mean `{near}`?" if near else ""
        raise ValueError(f"unknown public{hint} (publics: {', '.join(PUBLICS)})")
    return name


PublicName = Annotated[str, AfterValidator(_known_public)]


def _unique(names: list[str]) -> list[str]:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"a public is listed twice: {', '.join(repeated)}")
    return names


Priority = Annotated[list[PublicName], AfterValidator(_unique)]
"""An ordered list of publics served first (each at most once)."""


class Condition(Strict):
    """Who may take a place: every stated part must hold (see the module docstring)."""

    publics: list[PublicName] = Field(
        default_factory=list, description="belongs to at least one of them (if any is given)"
    )
    all_publics: list[PublicName] = Field(default_factory=list, description="belongs to each")
    not_publics: list[PublicName] = Field(default_factory=list, description="belongs to none")
    age: list[Annotated[float, Field(ge=0, le=120)]] | None = Field(
        None, min_length=2, max_length=2, description="[lowest, highest) age [year]"
    )
    min_months_without_work: NonNeg | None = Field(None, description="[month]")
    max_months_without_work: NonNeg | None = Field(None, description="[month]")
    obstacles: dict[ObstacleName, Annotated[int, Field(ge=1, le=3)]] = Field(
        default_factory=dict, description="each obstacle at or above this severity (1-3)"
    )
    min_obstacles: int | None = Field(
        None, ge=1, le=len(OBSTACLES), description="number of obstacles of severity 1 or more"
    )
    benefit: list[Literal[tuple(BENEFITS)]] | None = None  # type: ignore[valid-type]
    housing: list[Literal[tuple(HOUSINGS)]] | None = None  # type: ignore[valid-type]
    sex: Literal["man", "woman"] | None = None
    trial_arm: list[Annotated[int, Field(ge=0, le=63)]] | None = Field(
        None,
        description="randomised to one of these arms (0 first) of the trial run in the "
        "territory (set by parcours trial on the groups its arm files add)",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data):
        """``eligible: homeless`` and ``eligible: [rsa, qpv]`` are lists of publics."""
        if isinstance(data, str):
            return {"publics": [data]}
        if isinstance(data, list):
            return {"publics": data}
        return data

    @model_validator(mode="after")
    def _consistent(self):
        unknown = [k for k in self.obstacles if k not in OBSTACLES]
        if unknown:
            raise ValueError(
                f"unknown obstacles {unknown_names(unknown, OBSTACLES)}; allowed: "
                + ", ".join(OBSTACLES)
            )
        if self.age is not None and self.age[0] >= self.age[1]:
            raise ValueError(
                f"age must be [lowest, highest) with lowest < highest (got {self.age})"
            )
        low, high = self.min_months_without_work, self.max_months_without_work
        if low is not None and high is not None and low > high:
            raise ValueError("min_months_without_work is above max_months_without_work")
        both = set(self.publics) & set(self.not_publics) | set(self.all_publics) & set(
            self.not_publics
        )
        if both:
            raise ValueError(f"a public is both required and excluded: {', '.join(sorted(both))}")
        return self


PracticeByPublic = dict[PublicName, Practice]
"""Practice for persons of a public (first public listed that applies): a share of iterative
practice, or shares of the profiles of ``policy.practices``."""


class Targeted(Strict):
    """Mixin fields of a capacity group: who it is for and whom it serves first."""

    eligible: Condition | None = Field(
        None, description="who may take its places (a public, a list of publics or a condition)"
    )
    priority: Priority = Field(default_factory=list, description="publics served first, in order")

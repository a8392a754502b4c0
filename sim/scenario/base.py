"""Building blocks of the scenario schema: the strict base model, shares, bounded numbers.

Every block is frozen, refuses unknown keys, does not coerce types (STYLE.md habit 4) and refuses
NaN and infinite numbers. Shares must add up to 1 within :data:`SHARE_TOLERANCE`. Every number
has an upper bound, far above any real value, so that no value can overflow the arithmetic or
exhaust the memory; the message of a value out of range states the bound.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.scenario.errors import did_you_mean
from sim.states import OBSTACLES

SHARE_TOLERANCE = 1e-6

MAX_STRUCTURES = 10_000
"""Most structures in one group (``n``), or France Travail agencies."""
MAX_CAPACITY = 1_000_000
"""Most places, posts or persons per structure (before scaling to ``run.persons``)."""
MAX_AMOUNT = 1_000_000.0
"""Largest staff (FTE), caseload, multiplier or rate of a field without a tighter bound."""
MAX_EUROS = 1e12
"""Largest yearly budget of one programme and funder [EUR/year]."""

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT)]
Count = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
Structures = Annotated[int, Field(ge=0, le=MAX_STRUCTURES)]
Months = Annotated[float, Field(ge=0.0, le=600.0)]
Euros = Annotated[float, Field(ge=0.0, le=MAX_EUROS)]
Weight = Annotated[float, Field(ge=-100.0, le=100.0)]
"""A weight on the logit scale."""


def _known_obstacle(name: str) -> str:
    if name not in OBSTACLES:
        near = did_you_mean(name, list(OBSTACLES))
        hint = f"; did you mean `{near}`?" if near else ""
        raise ValueError(f"unknown obstacle{hint} (obstacles: {', '.join(OBSTACLES)})")
    return name


ObstacleName = Annotated[str, AfterValidator(_known_obstacle)]
"""The key of a mapping by obstacle: one of :data:`sim.states.OBSTACLES`."""


class Strict(BaseModel):
    """Base of every schema block: frozen, unknown keys refused, no coercion, finite numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def check_shares(shares: dict[str, float], what: str) -> None:
    """Refuse shares that do not add up to 1 (within :data:`SHARE_TOLERANCE`)."""
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} shares must add up to 1 (they add up to {total:.6g})")


class Shares(Strict):
    """Base for a set of shares that must add up to 1."""

    @model_validator(mode="after")
    def _adds_up(self):
        check_shares(self.model_dump(), "the")
        return self

"""Building blocks of the scenario schema: the strict base model, shares, bounded numbers.

Every block is frozen, refuses unknown keys and does not coerce types (STYLE.md habit 4). Shares
must add up to 1 within :data:`SHARE_TOLERANCE`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

SHARE_TOLERANCE = 1e-6

Prob = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]
Count = Annotated[int, Field(ge=0)]
Months = Annotated[float, Field(ge=0.0, le=600.0)]


class Strict(BaseModel):
    """Base of every schema block: frozen, unknown keys refused, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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

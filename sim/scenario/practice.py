"""Practice profiles (``policy.practices``) and a structure's practice (a mix of profiles).

Each support logic of seed 003 (section 2, L300-360) is a named *profile*: the same fields for
every logic, whose values say how a referent following it spends the person's months (gates,
phase durations, when training happens, follow-up in the job, share of staff hours spent on
employer mediation). The scenario must define ``linear`` and ``iterative``; any other name is a
further profile (a hybrid practice). A structure's ``practice`` is either a number, the share of
the persons it supports who are followed under the ``iterative`` profile (the rest under
``linear``), or a mapping of profile names to shares that add up to 1.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.base import Months, ObstacleName, Prob, Strict, check_shares
from sim.scenario.errors import unknown_names
from sim.states import OBSTACLES

REQUIRED_PROFILES = ("linear", "iterative")
Practice = float | dict[str, float]


class PracticeProfile(Strict):
    """How a referent following this practice spends a supported person's months.

    Every field is read the same way whichever profile holds it: nothing in the model tests a
    profile's name (DESIGN.md, decision 3).
    """

    dur_diagnostic: Months = Field(description="diagnostic before any other step [month]")
    gates: dict[ObstacleName, int] = Field(
        description="highest severity of each obstacle with which the referent moves on from "
        "obstacle work to the next steps (3: no gate) [severity 0-3]"
    )
    min_confidence: Prob = Field(description="confidence needed to start the project [0-1]")
    wish_first: bool = Field(
        description="job-search prescriptions wait for the person's wish to work"
    )
    dur_resocialisation: Months = Field(description="re-socialisation before the project [month]")
    dur_project: Months = Field(description="building the professional project [month]")
    obstacles_in_parallel: bool = Field(
        description="obstacles are still worked (services asked for) during job search, "
        "low-threshold programmes and the job"
    )
    training: Literal["before_job", "in_job"] = Field(
        description="when the project's training happens: before job search, or once in a job"
    )
    p_training: Prob = Field(
        description="share of projects that include a training, among persons below "
        "training_below_qualification [share]"
    )
    training_below_qualification: int = Field(
        ge=0, le=4, description="qualification level below which a project may include a training"
    )
    dur_training_wait: Months = Field(
        description="longest wait for a training slot before job search starts anyway [month]"
    )
    mediation_share: Prob = Field(
        description="share of the structure's staff hours spent on employer mediation [share]"
    )
    dur_follow_up: Months = Field(description="follow-up in the job after a hire [month]")
    after_failed_job: Literal["job_search", "obstacles"] = Field(
        description="where the pathway resumes after a job that did not work out during the "
        "follow-up: job search with goals revised, or back to obstacle work"
    )

    @model_validator(mode="after")
    def _gates(self):
        missing = [k for k in OBSTACLES if k not in self.gates]
        unknown = [k for k in self.gates if k not in OBSTACLES]
        if missing or unknown:
            raise ValueError(
                f"gates must give a severity for each of {', '.join(OBSTACLES)}"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; unknown: {unknown_names(unknown, OBSTACLES)}" if unknown else "")
            )
        bad = {k: v for k, v in self.gates.items() if not 0 <= v <= 3}
        if bad:
            raise ValueError(f"gates must be severities 0-3 (got {bad})")
        return self


def check_practice(practice: Practice, profiles, what: str) -> None:
    """Refuse a practice that is not a share in [0, 1] or shares of known profiles adding to 1."""
    if isinstance(practice, dict):
        unknown = [k for k in practice if k not in profiles]
        if unknown:
            raise ValueError(
                f"{what}: unknown practice profiles {unknown_names(unknown, profiles)}; defined in "
                "policy.practices: "
                f"{', '.join(profiles)}"
            )
        if any(not 0.0 <= v <= 1.0 for v in practice.values()):
            raise ValueError(f"{what}: shares must be between 0 and 1 (got {practice})")
        check_shares(practice, f"{what}: the practice")
    elif not 0.0 <= practice <= 1.0:
        raise ValueError(
            f"{what}: a practice is a share of iterative practice between 0 and 1, or a mapping "
            f"of profiles to shares (got {practice})"
        )


def practice_shares(practice: Practice) -> dict[str, float]:
    """A practice as shares of named profiles (a number is the share of ``iterative``)."""
    if isinstance(practice, dict):
        return dict(practice)
    return {"linear": 1.0 - float(practice), "iterative": float(practice)}


def iterative_share(practice: Practice) -> float:
    """The share of a practice that follows the ``iterative`` profile."""
    return practice_shares(practice).get("iterative", 0.0)

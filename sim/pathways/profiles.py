"""The practice profiles of a scenario as arrays indexed by a person's ``logic``.

``policy.practices`` names the profiles (``linear``, ``iterative``, then any other in file order:
indices 0, 1, 2...). Each field becomes one array with one entry per profile plus a last,
neutral entry, so that ``array[pop.logic]`` is safe for persons without a referent (``logic`` -1
reads the last entry: no follow-up, no mediation, no gate). Rules read these arrays; none tests a
profile's name (DESIGN.md, decision 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import practice_shares
from sim.scenario.practice import REQUIRED_PROFILES
from sim.states import OBSTACLES, Phase

RESTART = {"job_search": Phase.JOB_SEARCH, "obstacles": Phase.OBSTACLES}


def _months(x: float) -> int:
    return int(round(x))


@dataclass(frozen=True)
class Practices:
    """Every profile's fields, one array entry per profile (and a neutral last entry)."""

    names: tuple[str, ...]
    dur_diagnostic: np.ndarray  # [month]
    gates: np.ndarray  # (obstacles, profiles): highest severity to move on
    min_confidence: np.ndarray
    wish_first: np.ndarray
    dur_resocialisation: np.ndarray  # [month]
    dur_project: np.ndarray  # [month]
    obstacles_in_parallel: np.ndarray
    training_in_job: np.ndarray  # the project's training happens once in a job
    p_training: np.ndarray
    training_below_qualification: np.ndarray
    dur_training_wait: np.ndarray  # [month]
    mediation_share: np.ndarray
    dur_follow_up: np.ndarray  # [month]
    restart_phase: np.ndarray  # Phase after a job that did not work out during follow-up

    @classmethod
    def build(cls, policy) -> Practices:
        """The arrays of ``policy.practices`` (``linear`` and ``iterative`` first)."""
        names = REQUIRED_PROFILES + tuple(n for n in policy.practices if n not in REQUIRED_PROFILES)
        profiles = [policy.practices[n] for n in names]

        def field(get, neutral, dtype):
            return np.array([get(p) for p in profiles] + [neutral], dtype=dtype)

        gates = np.array([[p.gates[o] for p in profiles] + [3] for o in OBSTACLES], dtype=np.int8)
        return cls(
            names=names,
            dur_diagnostic=field(lambda p: _months(p.dur_diagnostic), 0, np.int32),
            gates=gates,
            min_confidence=field(lambda p: p.min_confidence, 0.0, np.float32),
            wish_first=field(lambda p: p.wish_first, False, bool),
            dur_resocialisation=field(lambda p: _months(p.dur_resocialisation), 0, np.int32),
            dur_project=field(lambda p: _months(p.dur_project), 0, np.int32),
            obstacles_in_parallel=field(lambda p: p.obstacles_in_parallel, False, bool),
            training_in_job=field(lambda p: p.training == "in_job", False, bool),
            p_training=field(lambda p: p.p_training, 0.0, np.float32),
            training_below_qualification=field(
                lambda p: p.training_below_qualification, 0, np.int8
            ),
            dur_training_wait=field(lambda p: _months(p.dur_training_wait), 0, np.int32),
            mediation_share=field(lambda p: p.mediation_share, 0.0, float),
            dur_follow_up=field(lambda p: _months(p.dur_follow_up), 0, np.int32),
            restart_phase=field(
                lambda p: (
                    Phase.JOB_SEARCH if p.after_failed_job == "job_search" else Phase.OBSTACLES
                ),
                Phase.NONE,
                np.int8,
            ),
        )

    @property
    def n(self) -> int:
        """Number of profiles."""
        return len(self.names)

    def weights(self, practice) -> np.ndarray:
        """A structure's practice as shares of each profile, in the order of ``names``."""
        shares = practice_shares(practice)
        return np.array([shares.get(n, 0.0) for n in self.names])

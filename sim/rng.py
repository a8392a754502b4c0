"""Named random streams derived from the scenario seed (DESIGN.md, decision 7).

Each random process of the model (arrivals, orientation, obstacle changes, each kind of hiring,
separations, departures...) draws from its own ``numpy.random.Generator``, spawned from one
``numpy.random.SeedSequence`` in a fixed order of names. Two scenarios run with the same seed thus
share common random numbers: a policy change that alters one process does not shift the draws of
the others. Processes draw one number per person (for every row, eligible or not) so that a
person's draw does not depend on who else is eligible.
"""

from __future__ import annotations

import numpy as np

STREAMS = (
    "population",
    "institutions",
    "arrivals",
    "departures",
    "orientation",
    "logic",
    "pathway",
    "services",
    "obstacles",
    "low_threshold",
    "siae_hiring",
    "employer_hiring",
    "immersion",
    "contracts",
    "separations",
    "housing",
    "renewals",  # appended: the streams before them keep their seeds
    "vacancies",
    "targeting",  # referent teams: outreach and the choice of a team
    "staff",  # who the referents see when hours run out; who gets a mediation contact
    "benefits",
    "duties",
    "measure",
)


class Streams:
    """One generator per named process, all derived from one seed."""

    def __init__(self, seed: int | np.random.SeedSequence):
        """Spawn one child SeedSequence per stream name, in the fixed order of ``STREAMS``."""
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.seed_sequence = root
        # The children root.spawn() would give a fresh root, built without spawning, so that
        # the caller's SeedSequence is left untouched and can be used again.
        children = [
            np.random.SeedSequence(
                root.entropy, spawn_key=(*root.spawn_key, i), pool_size=root.pool_size
            )
            for i in range(len(STREAMS))
        ]
        self._gens = {
            name: np.random.default_rng(ss) for name, ss in zip(STREAMS, children, strict=True)
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        """The generator of process ``name``."""
        return self._gens[name]

    def uniform(self, name: str, n: int) -> np.ndarray:
        """``n`` uniform draws in [0, 1) from process ``name`` (one per person row)."""
        return self._gens[name].random(n, dtype=np.float32)

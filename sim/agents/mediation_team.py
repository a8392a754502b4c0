"""Mediation teams: job developers who work the employer side (seed 003, SEVE; seed 004)."""

from __future__ import annotations

import numpy as np

from sim.agents.base import Institution


class MediationTeam(Institution):
    """Job developers taking on job seekers of their public, up to their caseload.

    For the persons it takes on, employers drop the prerequisites a job does not need and are
    more open (the same effect as any mediation, ``behaviour.mediation_openness_gain``).

    Attributes:
        name: its group's name in ``territory.mediation``.
        staff: job developers, FTE.
        places: job seekers it works for at once.
    """

    def __init__(self, model, index: int, name: str, group, scale: float = 1.0):
        """Build one team of a ``MediationGroup``, its staff times ``scale``."""
        super().__init__(model, index)
        self.name = name
        self.staff = group.staff * scale
        self.places = int(np.floor(self.staff * group.caseload))

    @property
    def followed(self) -> int:
        """Job seekers it works for now."""
        return int(np.count_nonzero(self.model.pop.mediator == self.index))

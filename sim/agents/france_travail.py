"""France Travail agencies: advisers, registration, orientation, CER (DOMAIN.md)."""

from __future__ import annotations

import numpy as np

from sim.agents.base import Institution
from sim.states import ReferentKind


class FranceTravailAgency(Institution):
    """An agency whose advisers support the persons oriented to it.

    Attributes:
        advisers: advisers in support, FTE.
        caseload_capacity: persons its advisers can support at once.
        practice: shares of the practice profiles (``model.practices.names``) among the persons
            its advisers support.
        global_support_places: places in "accompagnement global" (adviser + social worker).
        staff_hours: the advisers' hours a month for the persons followed (``territory.staff``).
    """

    def __init__(self, model, index: int, spec, practice, scale: float = 1.0, staff=None):
        """Build one agency of the ``FranceTravailSpec``, its capacities times ``scale``.

        ``staff`` is the territory's ``StaffSpec``; without it the agency has no staff hours.
        """
        super().__init__(model, index)
        self.advisers = spec.advisers_per_agency * scale
        self.caseload_capacity = int(np.floor(self.advisers * spec.caseload))
        self.practice = practice
        self.global_support_places = int(round(spec.global_support_places * scale))
        self.staff_hours = (
            self.advisers * staff.hours_per_fte * staff.share_in_support if staff else 0.0
        )

    @property
    def supported(self) -> int:
        """Persons whose referent is an adviser of this agency."""
        pop = self.model.pop
        referent = self.model.referents.n_shelters + self.index
        mine = (pop.referent_kind == ReferentKind.FRANCE_TRAVAIL) & (pop.referent == referent)
        return int(np.count_nonzero(mine))

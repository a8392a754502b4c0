"""AHI structures: CHU/HU, CHRS, IML and OACAS "lieu à vivre" (seed 003), and hotel rooms."""

from __future__ import annotations

import numpy as np

from sim.agents.base import Institution
from sim.states import EmploymentSupport, ReferentKind, ShelterKind


class Shelter(Institution):
    """A shelter with places, social workers who are their residents' referents, and a practice.

    Hotels (``ShelterKind.HOTEL``) are rooms the SIAO books: places, but no staff.

    Attributes:
        kind: ShelterKind.
        places: places (persons).
        family_places: places suited to families (the others suit single adults; a hotel's rooms
            suit any household and count 0 here).
        social_workers: social workers (TS), FTE.
        caseload_capacity: persons its social workers can support at once.
        practice: shares of the practice profiles (``model.practices.names``) among the persons
            it supports.
        employment_support: EmploymentSupport (every TS, employment referent, CIP).
        insertion_officer_fte: dedicated insertion officers, FTE.
        staff_fte: social workers and insertion officers, FTE.
        staff_hours: their hours a month for the persons followed (``territory.staff``).
        prescribes_iae: whether it prescribes IAE pathways directly (possible since 2020).
        aava_places: AAVA places it runs.
    """

    def __init__(
        self, model, index: int, name: str, group, practice, scale: float = 1.0, staff=None
    ):
        """Build one structure of a ``ShelterGroup``, its capacities times ``scale``.

        ``staff`` is the territory's ``StaffSpec`` (hours per FTE, share in support); without
        it the structure has no staff hours.
        """
        super().__init__(model, index)
        self.name = name
        self.kind = ShelterKind[group.kind.upper()]
        self.places = int(round(group.places * scale))
        self.family_places = int(round(self.places * (group.family_places or 0.0)))
        self.social_workers = group.social_workers * scale
        self.caseload_capacity = int(np.floor(self.social_workers * group.caseload))
        self.practice = practice
        self.employment_support = EmploymentSupport[group.employment_support.upper()]
        self.insertion_officer_fte = group.insertion_officer_fte * scale
        self.prescribes_iae = group.prescribes_iae
        self.aava_places = int(round(group.aava_places * scale))
        self.staff_fte = self.social_workers + self.insertion_officer_fte
        self.staff_hours = (
            self.staff_fte * staff.hours_per_fte * staff.share_in_support if staff else 0.0
        )

    @property
    def residents(self) -> int:
        """Persons housed in this shelter now."""
        return int(np.count_nonzero(self.model.pop.shelter == self.index))

    @property
    def supported(self) -> int:
        """Persons whose referent is one of this shelter's social workers."""
        pop = self.model.pop
        mine = (pop.referent_kind == ReferentKind.SHELTER) & (pop.referent == self.index)
        return int(np.count_nonzero(mine))

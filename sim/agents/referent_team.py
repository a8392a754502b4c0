"""Referent teams of a programme, beside shelters and France Travail (seed 004 initiatives)."""

from __future__ import annotations

import numpy as np

from sim.agents.base import Institution
from sim.states import EmploymentSupport, ReferentKind


class ReferentTeam(Institution):
    """A support team with its own public (``eligible``), caseload and practice.

    Examples are PERLE (shelter residents, iterative, seed 004 fiche 2), Working First 13 (IPS
    for people with psychiatric disorders, fiche 42) or street educators reaching young people of
    priority areas (fiche 4).

    Attributes:
        name: its group's name in ``territory.referent_groups``.
        staff: referents, FTE.
        caseload_capacity: persons it can support at once.
        practice: shares of the practice profiles (``model.practices.names``) among the persons
            it supports.
        employment_support: EmploymentSupport.
        prescribes_iae: whether it prescribes IAE pathways.
        p_outreach: monthly probability of reaching an eligible person outside any support.
        staff_hours: its referents' hours a month for the persons followed (``territory.staff``).
    """

    def __init__(
        self, model, index: int, name: str, group, practice, scale: float = 1.0, staff=None
    ):
        """Build one team of a ``ReferentGroup``, its staff times ``scale``.

        ``staff`` is the territory's ``StaffSpec``; without it the team has no staff hours.
        """
        super().__init__(model, index)
        self.name = name
        self.staff = group.staff * scale
        self.caseload_capacity = int(np.floor(self.staff * group.caseload))
        self.practice = practice
        self.employment_support = EmploymentSupport[group.employment_support.upper()]
        self.prescribes_iae = group.prescribes_iae
        self.p_outreach = group.p_outreach
        self.staff_hours = (
            self.staff * staff.hours_per_fte * staff.share_in_support if staff else 0.0
        )

    @property
    def supported(self) -> int:
        """Persons whose referent is this team."""
        pop, ref = self.model.pop, self.model.referents
        mine = (pop.referent_kind == ReferentKind.GROUP) & (
            pop.referent == ref.first_team + self.index
        )
        return int(np.count_nonzero(mine))

"""The Département: funder of the RSA, orientation of its recipients, the social track (DOMAIN.md).

The Département funds the RSA allowance, its own social referents and the intensive support
measure of seed 002 (their funders are set in ``policy.funding.cofinancing``). It decides each
new RSA recipient's orientation (CASF L.262-29): the professional track, with France Travail,
for a recipient available for work; the social track, with its own social referents ("PSSI",
seed 002 L47), when housing or health stand in the way for now. Its social referents are one
more referent structure: a caseload, a practice, and a budget of staff hours drawn on like every
other referent structure's (:mod:`sim.submodels.staff`).
"""

from __future__ import annotations

import numpy as np

from sim.agents.base import Institution
from sim.states import OB, EmploymentSupport, Housing, ReferentKind

HEALTH_OBSTACLES = ("mental_health", "physical_health", "addiction")


class Departement(Institution):
    """The Département's insertion service: social referents, orientation rule, measure places.

    Attributes:
        social_referents: social referents of the social track, FTE.
        caseload_capacity: persons they can support at once (FTE x caseload).
        practice: shares of the practice profiles (``model.practices.names``) among the persons
            its social referents support.
        employment_support: EmploymentSupport (its referents search at the base intensity).
        prescribes_iae: whether its referents prescribe IAE pathways (a Département is an
            authorised prescriber).
        staff_hours: its social referents' hours a month for the persons followed
            (``territory.staff``).
        social_track_min_health: health severity (mental, physical, addiction) from which a new
            recipient is oriented to the social track.
        social_track_homeless: whether recipients on the street or in an emergency shelter are.
        measure_places: persons in the seed 002 intensive support measure at once.
    """

    def __init__(self, model, index: int, spec, practice, scale: float = 1.0, staff=None):
        """Build the Département of a ``DepartementSpec``, its capacities times ``scale``.

        ``staff`` is the territory's ``StaffSpec``; without it the social referents have no
        staff hours.
        """
        super().__init__(model, index)
        self.social_referents = spec.social_referents * scale
        self.caseload_capacity = int(np.floor(self.social_referents * spec.caseload))
        self.practice = practice
        self.employment_support = EmploymentSupport.EVERY_TS
        self.prescribes_iae = True
        self.staff_hours = (
            self.social_referents * staff.hours_per_fte * staff.share_in_support if staff else 0.0
        )
        self.social_track_min_health = spec.social_track_min_health
        self.social_track_homeless = spec.social_track_homeless
        self.measure_places = int(round(spec.measure_places * scale))

    def orients_to_social_track(self, pop, rows: np.ndarray) -> np.ndarray:
        """Whether the rule orients each of ``rows`` (new RSA recipients) to the social track.

        A health obstacle at or above ``social_track_min_health``, or, if
        ``social_track_homeless``, the street or an emergency shelter (CASF L.262-29: "des
        difficultés tenant notamment aux conditions de logement, à l'absence de logement ou à
        son état de santé").
        """
        health = np.zeros(rows.size, dtype=bool)
        for name in HEALTH_OBSTACLES:
            health |= pop.obstacles[OB[name], rows] >= self.social_track_min_health
        if self.social_track_homeless:
            health |= pop.housing[rows] <= Housing.EMERGENCY_SHELTER
        return health

    @property
    def supported(self) -> int:
        """Persons whose referent is one of the Département's social referents."""
        pop = self.model.pop
        return int(np.count_nonzero(pop.referent_kind == ReferentKind.DEPARTEMENT))

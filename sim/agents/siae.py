"""Insertion employers (SIAE): ACI, EI, AI, ETTI (seed 003; targets C5, C6, C7)."""

from __future__ import annotations

import numpy as np

from sim.agents.base import Institution
from sim.states import Selection, SiaeType, Status

MIN_MONTHS = {SiaeType.ACI: 4, SiaeType.EI: 4, SiaeType.AI: 1, SiaeType.ETTI: 1}  # seed 003
MAX_MONTHS = 24  # an IAE pathway lasts at most 24 months in all, over every SIAE (seed 003)
EXTENDED_MAX_MONTHS = 60  # legal extensions for 50+ and disabled employees (Code du travail
# L5132-5, L5132-11-1, L5132-15-1: up to 60 months); CVG pathways up to 5 years (seed 003 L956)


class Siae(Institution):
    """An insertion employer with funded posts and a selection rule.

    Attributes:
        type: SiaeType.
        posts: funded posts (persons at once).
        weekly_hours: hours of its CDDI (20-35 h in ACI/EI).
        selection: Selection rule (open, screening on readiness, performance-driven).
        insertion_officers: insertion officers (CIP), FTE.
        phc_places: Premières Heures en Chantier places it hosts.
        active_mediation: trained in active mediation with employers.
        dur_mean: mean pathway length, months.
        max_months: longest IAE pathway of its employees (24, up to 60 in CVG), months.
        extension_50_plus, extension_disabled: legal extensions of the cap to 60 months.
        extension_training_months: months added to finish a qualifying training.
        cdi_inclusion: offers the CDI inclusion at 57+ after 12 months (seed 003 L763).
        follow_up_months: follow-up after an exit to a job, months.
        partnership_staff: partnership officers (housing, health, employment), FTE.
        services_during_contract: support open to its employees ("health", "housing").
    """

    def __init__(self, model, index: int, name: str, group, scale: float = 1.0):
        """Build one structure of a ``SiaeGroup``, its capacities times ``scale``."""
        super().__init__(model, index)
        self.name = name
        self.type = SiaeType[group.type.upper()]
        self.posts = int(round(group.posts * scale))
        self.weekly_hours = group.weekly_hours
        self.selection = Selection[group.selection.upper()]
        self.insertion_officers = group.insertion_officers * scale
        self.phc_places = int(round(group.phc_places * scale))
        self.active_mediation = group.active_mediation
        self.dur_mean = group.dur_mean
        self.min_months = MIN_MONTHS[self.type]
        self.max_months = group.max_months
        self.extension_50_plus = group.extension_50_plus
        self.extension_disabled = group.extension_disabled
        self.extension_training_months = group.extension_training_months
        self.cdi_inclusion = group.cdi_inclusion
        self.follow_up_months = group.follow_up_months
        self.partnership_staff = group.partnership_staff * scale
        self.services_during_contract = tuple(group.services_during_contract)

    @property
    def employees(self) -> int:
        """Persons in a CDDI or mission with this structure now."""
        pop = self.model.pop
        return int(np.count_nonzero((pop.status == Status.SIAE) & (pop.siae == self.index)))

"""Ordinary employers, grouped by sector (DOMAIN.md, employers)."""

from __future__ import annotations

from sim.agents.base import Institution


class Employer(Institution):
    """An ordinary employer: vacancies, hours, contract mix, prerequisites and openness.

    Prerequisites come in two layers: what the employer asks (``requires_licence``,
    ``max_french``, ``min_experience``) and what the job needs (``needs_licence``,
    ``needs_experience``). Active mediation with the employer drops what the job does not need
    (seed 003: a driving licence "alors même que l'emploi ne le requiert pas") and raises openness.

    Attributes:
        sector: sector name.
        vacancies_per_month: mean vacancies open to this public per month.
        weekly_hours: hours of its jobs.
        p_cdi, p_cdd_long, p_short: contract mix of its hires.
        max_french: highest French-language obstacle it accepts (0-3).
        openness: probability of hiring an applicant who meets its prerequisites.
        rel_women_apply: how often women apply here relative to men (sectors whose jobs draw
            mostly male applications, seed 004 L526).
    """

    def __init__(self, model, index: int, sector: str, group, scale: float = 1.0):
        """Build one employer of an ``EmployerGroup``, its vacancies times ``scale``."""
        super().__init__(model, index)
        self.sector = sector
        self.vacancies_per_month = group.vacancies_per_month * scale
        self.weekly_hours = group.weekly_hours
        self.p_cdi = group.contracts.cdi
        self.p_cdd_long = group.contracts.cdd_long
        self.p_short = group.contracts.short
        self.max_french = group.max_french
        self.requires_licence = group.requires_licence
        self.needs_licence = group.needs_licence
        self.min_experience = group.min_experience
        self.needs_experience = group.needs_experience
        self.openness = group.openness
        self.rel_women_apply = group.rel_women_apply

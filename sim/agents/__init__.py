"""Mesa agents: institutions (one class per kind) and the person view."""

from sim.agents.departement import Departement
from sim.agents.employer import Employer
from sim.agents.france_travail import FranceTravailAgency
from sim.agents.low_threshold import LowThresholdProgramme
from sim.agents.mediation_team import MediationTeam
from sim.agents.person import Person
from sim.agents.referent_team import ReferentTeam
from sim.agents.service import Service
from sim.agents.shelter import Shelter
from sim.agents.siae import Siae

__all__ = [
    "Departement",
    "Employer",
    "FranceTravailAgency",
    "LowThresholdProgramme",
    "MediationTeam",
    "Person",
    "ReferentTeam",
    "Service",
    "Shelter",
    "Siae",
]

"""State codes stored in the population's arrays.

Every categorical attribute of a person is an ``enum.IntEnum`` whose values are stored in a small
integer NumPy array (STYLE.md habit 3). The names follow the domain (DOMAIN.md); French words are
kept where no English word fits and are explained in the README glossary.
"""

from enum import IntEnum

import numpy as np

_COMPARISONS = frozenset(
    (np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal)
)


class Code(IntEnum):
    """A state code: an ``IntEnum`` that NumPy compares with an array as a plain int.

    NumPy takes a Python ``int`` as a value of the array's own type, but an ``int`` subclass,
    such as an ``IntEnum`` member, as an int64: ``pop.status == Status.JOB`` would first cast
    the whole int8 column to int64, several times slower. NumPy hands a ufunc with a member
    among its operands to the member's ``__array_ufunc__``, which puts a plain int in a
    comparison (the same result) and an int64 elsewhere (the same result type as before).
    """

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Call ``ufunc`` with each code replaced by its value (a plain int in comparisons)."""
        if method == "__call__" and len(inputs) == 2 and ufunc in _COMPARISONS:
            a, b = inputs  # the months' few hundred comparisons: the short way
            a = int(a) if isinstance(a, Code) else a
            return ufunc(a, int(b) if isinstance(b, Code) else b, **kwargs)
        value = int if ufunc in _COMPARISONS else np.int64
        inputs = tuple(value(x) if isinstance(x, Code) else x for x in inputs)
        return getattr(ufunc, method)(*inputs, **kwargs)


class Status(Code):
    """Where a person is this month: exactly one status per person."""

    NOT_ARRIVED = 0  # scheduled arrival, not yet in the territory
    OUTSIDE = 1  # outside any support
    WAITING = 2  # oriented, waiting for a referent (caseload full)
    SUPPORTED = 3  # followed by a referent, see Phase
    LOW_THRESHOLD = 4  # PHC, TAPAJ or AAVA, see Programme
    TRAINING = 5  # in a training slot (pre-hire training)
    IMMERSION = 6  # PMSMP immersion in a firm (one month)
    SIAE = 7  # CDDI or mission in a SIAE, see SiaeType
    JOB = 8  # ordinary job, see Contract
    INCAPACITY = 9  # AAH / ESAT route, out of the labour market
    LEFT = 10  # left the territory


class Phase(Code):
    """Phase of a supported person's pathway (seed 003, section 2)."""

    NONE = 0
    DIAGNOSTIC = 1
    OBSTACLES = 2  # "lever les freins": remove obstacles
    RESOCIALISATION = 3
    PROJECT = 4  # build a professional project
    TRAINING = 5  # waiting for or in training
    JOB_SEARCH = 6
    IN_JOB = 7  # support continuing in the job ("maintien dans l'emploi")


class Logic(Code):
    """Practice profile a person's referent follows (index into ``policy.practices``).

    Every scenario names its profiles ``linear`` and ``iterative`` first (indices 0 and 1) and may
    add others (a hybrid practice is a third profile, index 2...). A profile is data (the fields of
    :class:`sim.scenario.PracticeProfile`): only :mod:`sim.pathways` knows the names, and no rule
    anywhere branches on them (DESIGN.md, decision 3; ``tests/test_symmetry.py``).
    """

    NONE = -1
    LINEAR = 0  # "lever les freins", train-then-place
    ITERATIVE = 1  # "emploi d'abord", place-then-train


class Sex(Code):
    """Sex recorded for breakdowns by public."""

    MAN = 0
    WOMAN = 1


class Household(Code):
    """Household composition."""

    ALONE = 0
    COUPLE = 1
    SINGLE_PARENT = 2


class Benefit(Code):
    """Benefit status: a minimum benefit (seed 000: RSA, ASS, AAH), unemployment insurance, none.

    Exactly one per person. It changes over the run (:mod:`sim.submodels.benefits`): RSA entries
    and exits, unemployment insurance after a job, the AAH on the incapacity route.
    """

    NONE = 0
    RSA = 1
    ASS = 2
    AAH = 3
    UNEMPLOYMENT = 4  # ARE, unemployment insurance after a job of 6 months or more


MINIMUM_BENEFITS = (Benefit.RSA, Benefit.ASS, Benefit.AAH)


class BenefitHousehold(Code):
    """Household kinds of the benefit table (``sim/parameters/benefit_amounts.csv``).

    Couples and single parents have one child, aged 6, or aged 1 when the person has a child
    under 3 (the table's inputs are in ``benefit_amounts.json``).
    """

    ALONE = 0
    COUPLE = 1
    COUPLE_YOUNG_CHILD = 2
    SINGLE_PARENT = 3
    SINGLE_PARENT_YOUNG_CHILD = 4


class HousingCosts(Code):
    """Housing kinds of the benefit table: none (street, shelters) or a social-housing tenant."""

    NO_HOUSING_COSTS = 0
    TENANT = 1


class Track(Code):
    """Track the Département orients an RSA recipient to (CASF L.262-29)."""

    NONE = 0
    PROFESSIONAL = 1  # France Travail
    SOCIAL = 2  # the Département's social referents (seed 002 L47: "PSSI")


class Housing(Code):
    """Housing status (DOMAIN.md, persons)."""

    STREET = 0
    EMERGENCY_SHELTER = 1  # CHU / HU, or a hotel room booked by the SIAO
    CHRS = 2  # insertion shelter
    ADAPTED = 3  # IML, pension de famille, OACAS lieu à vivre
    ORDINARY = 4


class ShelterKind(Code):
    """Kind of AHI structure; the housing status its residents have."""

    CHU = 0  # emergency shelter (CHU/HU)
    CHRS = 1
    IML = 2  # intermédiation locative (adapted housing)
    OACAS = 3  # OACAS "lieu à vivre" (adapted housing)
    HOTEL = 4  # hotel rooms booked night by night by the SIAO: no social workers (DOMAIN.md)


SHELTER_HOUSING = {
    ShelterKind.CHU: Housing.EMERGENCY_SHELTER,
    ShelterKind.CHRS: Housing.CHRS,
    ShelterKind.IML: Housing.ADAPTED,
    ShelterKind.OACAS: Housing.ADAPTED,
    ShelterKind.HOTEL: Housing.EMERGENCY_SHELTER,
}


class PlaceType(Code):
    """Which shelter places suit a household (a single adult, or a family: couple or parent)."""

    SINGLE = 0
    FAMILY = 1


class Allocation(Code):
    """A dwelling allocated and not yet moved into (the search time between offer and entry)."""

    NONE = 0
    SOCIAL = 1  # ordinary social housing
    HOUSING_FIRST = 2  # a Logement d'abord dwelling with support


class SiaeType(Code):
    """Kind of insertion employer (SIAE)."""

    ACI = 0
    EI = 1
    AI = 2
    ETTI = 3


class Selection(Code):
    """How a SIAE chooses among the candidates prescribed to it."""

    OPEN = 0  # no screening, random order
    SCREENING = 1  # screening on readiness (a floor on employability)
    PERFORMANCE = 2  # ranks on employability, high floor


class Programme(Code):
    """Low-threshold programme (seed 003)."""

    NONE = -1
    PHC = 0  # Premières Heures en Chantier
    TAPAJ = 1
    AAVA = 2


class Contract(Code):
    """Contract of an ordinary job."""

    NONE = -1
    CDI = 0
    CDD_LONG = 1  # CDD of 6 months or more
    SHORT = 2  # short CDD or temp work


DURABLE_CONTRACTS = (Contract.CDI, Contract.CDD_LONG)


class ReferentKind(Code):
    """Which kind of structure supports a person."""

    NONE = -1
    SHELTER = 0  # a social worker (TS) of an AHI structure
    FRANCE_TRAVAIL = 1  # an adviser of a France Travail agency
    GROUP = 2  # a team of territory.referent_groups (a programme's own referents)
    DEPARTEMENT = 3  # a social referent of the Département (social track)


class EmploymentSupport(Code):
    """How a shelter organises employment support (seed 003)."""

    EVERY_TS = 0  # every social worker, case by case
    EMPLOYMENT_REFERENT = 1  # social workers plus an employment referent
    INSERTION_OFFICERS = 2  # dedicated insertion officers (CIP)


# Obstacles (DOMAIN.md: "obstacles", each a severity 0-3). Order fixes the rows of
# Population.obstacles.
OBSTACLES = (
    "mental_health",
    "physical_health",
    "addiction",
    "mobility",
    "childcare",
    "french",
    "digital",
    "right_to_work",
    "debt",
    "justice",
)
OB = {name: k for k, name in enumerate(OBSTACLES)}
SEVERITIES = 4  # severities 0 (none) to 3


class Service(Code):
    """Services with capacity that reduce obstacles."""

    NONE = -1
    CRECHE = 0
    MOBILITY = 1
    FRENCH = 2
    HEALTH = 3  # health and addiction care


# Which obstacle each service works on.
SERVICE_OBSTACLES = {
    Service.CRECHE: ("childcare",),
    Service.MOBILITY: ("mobility",),
    Service.FRENCH: ("french",),
    Service.HEALTH: ("mental_health", "physical_health", "addiction"),
}
# Obstacles that the referent works on directly (no service capacity).
REFERENT_OBSTACLES = ("digital", "right_to_work", "debt")

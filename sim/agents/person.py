"""The person view: a ``mesa.Agent`` whose attributes read and write one row of the population.

Persons' state lives in :class:`sim.population.Population` (one NumPy array per attribute) so that
the monthly step is vectorised. A ``Person`` is a thin view of one row: ``person.status`` reads
``model.pop.status[person.row]`` and assigning to it writes the array. Views are made on demand,
when someone looks at a person (``model.person(row)``, ``model.persons(rows)``: the explorer, a
notebook, a test), and registered with the model then; building a model makes none (DESIGN.md
decision 1: 190,000 views nobody used cost more than the model's first year).
"""

from __future__ import annotations

import mesa

from sim.population import FIELDS
from sim.states import (
    OB,
    OBSTACLES,
    Benefit,
    Contract,
    Household,
    Housing,
    Logic,
    Phase,
    Programme,
    ReferentKind,
    Service,
    Sex,
    Status,
)

CODED = {
    "status": Status,
    "phase": Phase,
    "phase_reached": Phase,
    "logic": Logic,
    "sex": Sex,
    "household": Household,
    "benefit": Benefit,
    "housing": Housing,
    "programme": Programme,
    "contract": Contract,
    "referent_kind": ReferentKind,
    "service": Service,
}
"""Fields stored as codes and read back as members of their enum (``Status.SUPPORTED``).

A code without a member reads as the plain number: ``logic`` is the index of the referent's
practice profile in ``policy.practices``, and a scenario may add profiles after ``linear`` (0)
and ``iterative`` (1); the profile's name is ``person.practice``.
"""


def _field(name: str) -> property:
    coded = CODED.get(name)

    def get(self):
        value = self.model.pop.column(name)[self.row].item()
        if coded is None or value not in coded._value2member_map_:
            return value
        return coded(value)

    def set_(self, value):
        self.model.pop.column(name)[self.row] = value

    what = f"a ``{coded.__name__}`` member: a name and its code" if coded else "a value"
    return property(
        get, set_, doc=f"This person's ``{name}``, {what} (a view of the population row)."
    )


def _obstacle(name: str) -> property:
    k = OB[name]

    def get(self):
        return int(self.model.pop.column("obstacles")[k, self.row])

    def set_(self, value):
        if not 0 <= int(value) <= 3:
            raise ValueError(f"obstacle severity must be 0-3, got {value!r}")
        self.model.pop.column("obstacles")[k, self.row] = value

    return property(get, set_, doc=f"Severity 0-3 of the {name} obstacle.")


class Person(mesa.Agent):
    """One person, as a view of row ``row`` of ``model.pop``.

    Every attribute of :data:`sim.population.FIELDS` is available under its name, and each
    obstacle as ``obstacle_<name>`` (e.g. ``person.obstacle_french``). Coded attributes
    (:data:`CODED`) read as enum members, which give both the name and the code:
    ``person.status`` is ``Status.SUPPORTED`` (``.name`` "SUPPORTED", equal to the code 3).
    """

    def __init__(self, model, row: int):
        """Register the view of row ``row`` with ``model`` (use ``model.person(row)``)."""
        super().__init__(model)
        self.row = int(row)

    @property
    def practice(self) -> str | None:
        """The name of the practice profile this person's referent follows (``None``: none)."""
        index = int(self.model.pop.logic[self.row])
        return None if index < 0 else self.model.practices.names[index]

    def pathway(self) -> list[dict]:
        """This person's month-by-month record, if the model keeps person histories."""
        return self.model.recorder.history_of(self.row)

    def __repr__(self) -> str:
        """Short description for notebooks."""
        return f"Person(row={self.row}, status={self.status.name})"


for _name in FIELDS:
    setattr(Person, _name, _field(_name))
for _name in OBSTACLES:
    setattr(Person, f"obstacle_{_name}", _obstacle(_name))

"""Low-threshold programmes: PHC, TAPAJ, AAVA (seed 003; CASF R.345-3 for AAVA)."""

from __future__ import annotations

from sim.agents.base import Institution
from sim.states import Programme


class LowThresholdProgramme(Institution):
    """A low-threshold programme: no selection, short hours, a stipend or a wage.

    PHC places are hosted by ACI (``Siae.phc_places``) and lead to a CDDI in the host; AAVA places
    are run by shelters (``Shelter.aava_places``) for their residents; TAPAJ places are the
    territory's. This agent describes the programme (its places and the rules the scenario sets);
    the monthly rules in :mod:`sim.submodels.matching` and :mod:`sim.submodels.contracts` read the
    same values.

    Attributes:
        programme: Programme.
        places: places in the territory (sum over hosts).
        duration: months before the programme ends.
        hours_start, hours_end: weekly hours in the first and last month (PHC: 4 to 20 h).
        p_drop: probability of leaving each month (TAPAJ: no commitment).
    """

    def __init__(self, model, index, programme, places, duration, hours_start, hours_end, p_drop):
        """Build the programme with its rules."""
        super().__init__(model, index)
        self.programme = Programme(programme)
        self.places = places
        self.duration = duration
        self.hours_start = hours_start
        self.hours_end = hours_end
        self.p_drop = p_drop

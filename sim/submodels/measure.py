"""The intensive support measure of seed 002, "soutien intensif préalable à l'emploi" (phase 2).

As the call is written (seed 002):

- **Public** (L13, L47): RSA recipients oriented to the social track ("PSSI"), or discouraged
  (confidence below ``policy.measure.discouraged_below``) although several referents have
  followed them (at least ``min_past_referents`` supports started). Prescribed by their referent
  (L27): they must be followed (status SUPPORTED) and keep their referent during the measure
  (a relay, L23).
- **Places**: the Département buys ``territory.departement.measure_places`` at once; candidates
  wait in random order, or, with ``policy.funding.measure.prioritise_mobilisable`` while a
  variable part is paid (an assumption, off by default: no source says a provider does so),
  the most employable first.
- **Length** (L27): ``policy.measure.dur_measure`` months (6), renewable ``max_renewals`` times
  (once): a measure that ends is renewed when the person still belongs to the public, is still
  followed and was not mobilised onto an action during it (assumption: a mobilised person moves
  on).
- **Price** (L51-53, :class:`~sim.submodels.funding.Ledger`): per 6-month measure, a fixed part
  (engineering) paid when it starts or is renewed, and, with ``policy.funding.measure
  .variable_part``, a variable part the first time the person is mobilised onto an employment
  or training action during it (an immersion, a training, a low-threshold programme, a CDDI, a
  job).
- **Effect** (L33-36: confidence, social links, concrete steps; assumptions for their size):
  confidence rises by ``behaviour.confidence_gain_measure`` a month, and the referent's work on
  obstacles is multiplied by ``behaviour.rel_measure`` (:mod:`sim.submodels.obstacles`).

The measure ends with the support (:func:`~sim.submodels.transitions.release_referent`).
"""

from __future__ import annotations

import numpy as np

from sim.population import NEVER
from sim.states import Benefit, Status, Track
from sim.submodels.capacity import allocate
from sim.submodels.matching import employability


def public(model) -> np.ndarray:
    """Whether each person belongs to the measure's public and can be prescribed it now."""
    pop, spec = model.pop, model.policy.measure
    discouraged = (pop.confidence < spec.discouraged_below) & (
        pop.n_supports >= spec.min_past_referents
    )
    return (
        pop.present()
        & (pop.benefit == Benefit.RSA)
        & (pop.status == Status.SUPPORTED)
        & (pop.referent >= 0)
        & ((pop.track == Track.SOCIAL) | discouraged)
    )


def update(model) -> None:
    """Measures end or are renewed, and free places go to prescribed recipients."""
    pop, t, spec = model.pop, model.t, model.policy.measure
    dur = max(1, int(round(spec.dur_measure)))
    eligible = public(model)
    due = pop.measure & (pop.t_measure_end <= t)
    renew = np.flatnonzero(
        due & eligible & ~pop.measure_mobilised & (pop.n_measures <= spec.max_renewals)
    )
    ended = np.flatnonzero(due)
    pop.measure[ended] = False
    pop.t_measure_end[ended] = NEVER
    _start(model, renew, t + dur)
    model.flows["measure_renewals"] += renew.size
    if not spec.enabled:
        return
    cand = np.flatnonzero(eligible & ~pop.measure & (pop.n_measures == 0))
    free = np.array([model.departement.measure_places - np.count_nonzero(pop.measure)])
    tie = model.streams.uniform("measure", pop.n)[cand]
    rule = model.policy.funding.measure
    key = -employability(model, cand) if rule.variable_part and rule.prioritise_mobilisable else tie
    admitted = allocate(cand, np.zeros(cand.size, dtype=np.int64), free, key)
    _start(model, admitted, t + dur)
    model.flows["measure_starts"] += admitted.size
    model.queues["measure"] = cand.size - admitted.size


def _start(model, rows: np.ndarray, end: int) -> None:
    pop = model.pop
    pop.measure[rows] = True
    pop.measure_mobilised[rows] = False
    pop.t_measure_end[rows] = end
    pop.n_measures[rows] += 1
    model.ledger.measure_starts(rows)

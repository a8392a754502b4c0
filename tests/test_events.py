"""The events table and the seeds' indicators computed from it (issue 13, item 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small_scenario

from sim.events import (
    EVENT_INDICATORS,
    EVENTS,
    LABELS,
    employment_from_events,
    ever_durable_from_events,
    iae_exit_table,
    iae_exits,
    siae_frame,
    support_exit_rates,
    support_exits,
)
from sim.indicators import METADATA
from sim.model import InsertionModel
from sim.outcomes import observed as observed_rows
from sim.population import NEVER


@pytest.fixture(scope="module")
def run_with_events():
    """One small baseline run (30 months, so that 24-month indicators have persons) with events."""
    model = InsertionModel(small_scenario(**{"run.months": 30}), events=True)
    model.warm_up()
    model.held_at_start = np.flatnonzero(model.pop.employed())  # jobs found in the burn-in
    model.run()
    return model, model.events.frame()


def test_events_rebuild_months_employed_and_first_job_exactly(run_with_events):
    model, events = run_with_events
    pop = model.pop
    assert model.burn_in > 0 and model.held_at_start.size > 0, "premise: a warm start with jobs"
    months_employed, t_first_job = employment_from_events(events, pop.n, model.t + 1)
    assert (pop.months_employed > 0).sum() > 100, "expected a run in which many persons work"
    diff = np.flatnonzero(months_employed != pop.months_employed)
    assert diff.size == 0, (
        f"months_employed rebuilt from the events differs for {diff.size} persons, e.g. row "
        f"{diff[:1]}: {months_employed[diff[:1]]} against {pop.months_employed[diff[:1]]}"
    )
    # A job held on the eve of month 0 (found in the burn-in) is not a first job, in the table
    # (the month-0 cohort's first event is at month -1) as in the model.
    diff = np.flatnonzero(t_first_job != pop.t_first_job)
    assert diff.size == 0, f"t_first_job rebuilt from the events differs for {diff.size} persons"


def test_every_arrival_has_one_first_event_and_ever_durable_agrees(run_with_events):
    model, events = run_with_events
    pop = model.pop
    first = events[(events["event"] == "status") & (events["from"] == "NOT_ARRIVED")]
    arrived = np.flatnonzero(observed_rows(pop))  # not those who left during the burn-in
    assert np.array_equal(np.sort(first["person"].to_numpy()), arrived), (
        "expected exactly one event from NOT_ARRIVED for every person who arrived"
    )
    # In the month of entry; the month-0 cohort of a warm start at month -1, on the eve of
    # month 0, in the position the burn-in left them in.
    month, entry = first["month"].to_numpy(), pop.t_entry[first["person"].to_numpy()]
    eve = month == -1
    assert (month[~eve] == entry[~eve]).all(), "expected the first event in the month of entry"
    assert eve.sum() > 100 and (entry[eve] == 0).all()
    ever = ever_durable_from_events(events, pop.t_entry)
    observed = pop.durable_24 >= 0
    ind = model.indicators()
    value = ind[(ind.indicator == "ever_durable_employment_24m") & (ind.public == "all")]
    assert observed.sum() > 100, "expected persons observed 24 months after entry"
    assert value["value"].iloc[0] == pytest.approx(ever[observed].mean()), (
        "ever_durable_employment_24m should be the share rebuilt from the events"
    )
    durable_24 = pop.durable_24[observed] == 1
    assert (ever[observed] | ~durable_24).all(), "a person durable at 24 months was durable once"


def test_siae_exits_agree_with_the_siae_results(run_with_events):
    model, events = run_with_events
    exits = iae_exits(events)
    table = siae_frame(model)
    # The SIAE's counters count the exits its contracts see (ends, breaks, hires elsewhere);
    # the events also see departures from the territory and the incapacity route.
    gone = exits["to"].isin(["LEFT", "INCAPACITY"]).to_numpy()
    assert gone.any(), "expected some SIAE employees to leave the territory in 30 months"
    per_siae = np.bincount(exits["siae"][~gone], minlength=model.n_siae)
    assert per_siae.sum() > 20, "expected SIAE exits in the run"
    assert np.array_equal(per_siae, table["exits"].to_numpy()), (
        "every exit the SIAE counters record should be one siae_exit event, and no other"
    )
    to_job = exits["to"].str.startswith("JOB_").to_numpy()
    assert np.array_equal(
        np.bincount(exits["siae"][to_job], minlength=model.n_siae),
        table["positive_exits"].to_numpy(),
    ), "exits to an ordinary job in the events should be the SIAE's counted positive exits"


def test_indicators_from_events_only_when_kept(run_with_events):
    model, _ = run_with_events
    names = set(model.indicators()["indicator"])
    assert set(EVENT_INDICATORS) <= names, "a run with events adds the indicators from events"
    assert names == set(METADATA), (
        f"every indicator of a run with events is described in sim.indicators: without "
        f"metadata {names - set(METADATA)}, described but not computed {set(METADATA) - names}"
    )
    off = InsertionModel(small_scenario(**{"run.months": 3, "run.persons": 200}))
    off.run()
    assert off.events is None
    assert not set(EVENT_INDICATORS) & set(off.indicators()["indicator"]), (
        "a run without events has no indicator computed from them"
    )


def _events(rows) -> pd.DataFrame:
    """A hand-built events table from (person, month, event, from, to, structure) tuples."""
    frame = pd.DataFrame(rows, columns=["person", "month", "event", "from", "to", "structure"])
    frame["event"] = pd.Categorical(frame["event"], categories=list(EVENTS))
    for col in ("from", "to"):
        frame[col] = pd.Categorical(frame[col], categories=list(dict.fromkeys(LABELS)))
    return frame


def test_hand_built_support_exits_give_known_rates():
    # Five ends of support: to a job, to a SIAE, to training, to another referent the same
    # month, to the street of "outside"; and one to the waiting list.
    events = _events(
        [
            (0, 3, "support_end", "SUPPORTED", "JOB_CDI", 4),
            (1, 4, "support_end", "SUPPORTED", "SIAE_ACI", 4),
            (2, 5, "support_end", "SUPPORTED", "TRAINING", 4),
            (3, 6, "support_end", "SUPPORTED", "SUPPORTED", 4),
            (3, 6, "support_start", "SUPPORTED", "SUPPORTED", 9),
            (4, 6, "support_end", "SUPPORTED", "OUTSIDE", 4),
            (5, 7, "support_end", "SUPPORTED", "WAITING", 4),
        ]
    )
    exits = support_exits(events)
    assert list(exits["destination"]) == [
        "job",
        "job",
        "training",
        "other_support",
        "other",
        "waiting",
    ]
    rates = support_exit_rates(exits)
    assert rates["support_exits"] == 6
    assert rates["positive_exit_rate"] == pytest.approx(4 / 6), "job x2, training, other support"
    assert rates["insertion_rate"] == pytest.approx(2 / 6), "an ordinary job and a SIAE contract"


def test_hand_built_iae_exits_give_known_destinations():
    events = _events(
        [
            (0, 5, "siae_exit", "SIAE_ACI", "JOB_CDI", 1),
            (1, 5, "siae_exit", "SIAE_ACI", "JOB_CDD_LONG", 1),
            (2, 6, "siae_exit", "SIAE_ACI", "JOB_SHORT", 1),
            (3, 7, "siae_exit", "SIAE_ACI", "WAITING", 2),
            (4, 7, "siae_exit", "SIAE_AI", "SIAE_ETTI", 3),
            (5, 8, "siae_exit", "SIAE_AI", "OUTSIDE", 3),
            # person 3 finds a short job two months after the exit, person 5 never
            (3, 9, "status", "SUPPORTED", "JOB_SHORT", 7),
        ]
    )
    exits = iae_exits(events)
    assert list(exits["destination"]) == [
        "durable",
        "durable",
        "transitional",
        "other",
        "other_positive",
        "other",
    ]
    table = iae_exit_table(exits).set_index(["siae_type", "destination"])
    assert table.loc[("ACI", "durable"), "share"] == pytest.approx(2 / 4)
    assert table.loc[("AI", "other_positive"), "share"] == pytest.approx(1 / 2)
    later = iae_exits(events, within=2)
    assert later["destination"].iloc[3] == "transitional", "a job within 2 months of the exit"
    assert iae_exits(events, within=1)["destination"].iloc[3] == "other", "2 months is too late"
    assert later["destination"].iloc[5] == "other"


def test_hand_built_employment_history():
    # Person 0: arrives month 0, SIAE from 2, a CDI from 5; person 1 works months 1-2 only.
    events = _events(
        [
            (0, 0, "status", "NOT_ARRIVED", "OUTSIDE", -1),
            (0, 2, "status", "SUPPORTED", "SIAE_ACI", 0),
            (0, 5, "status", "SIAE_ACI", "JOB_CDI", 3),
            (1, 1, "status", "NOT_ARRIVED", "JOB_SHORT", 2),
            (1, 3, "status", "JOB_SHORT", "OUTSIDE", -1),
        ]
    )
    months_employed, t_first = employment_from_events(events, 3, 8)
    assert list(months_employed) == [6, 2, 0], "months 2-7 for person 0, 1-2 for person 1"
    assert list(t_first) == [2, 1, NEVER]
    ever = ever_durable_from_events(events, np.array([0, 1, 0]))
    assert list(ever) == [True, False, False]


def test_support_events_name_every_referent_kind_the_departement_included(run_with_events):
    model, events = run_with_events
    pop, ref = model.pop, model.referents
    starts = events[events["event"] == "support_start"].sort_values(["person", "month"])
    last = starts.groupby("person")["structure"].last()
    held = np.flatnonzero(pop.referent >= 0)
    assert np.array_equal(last.reindex(held).to_numpy(), pop.referent[held]), (
        "expected each supported person's last support_start to name the referent held at the end"
    )
    dep = starts["structure"] == ref.departement
    assert dep.any(), "expected the Département's social referents to start supports in the run"
    assert (starts.loc[dep, "structure"] == ref.n - 1).all(), (
        "the Département's social referents are the last referent structure"
    )
    ends = events[events["event"] == "support_end"]
    assert ends["structure"].between(0, ref.n - 1).all(), (
        f"support_end must name a referent structure in 0..{ref.n - 1}"
    )

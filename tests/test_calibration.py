"""Calibration: the targets file, the statistics, the loss, identifiability, resuming, backends."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml
from cli_helpers import parcours, parcours_here
from conftest import ROOT, SCENARIOS, run_small

from sim.experiments import target_statistics as statistics
from sim.experiments.calibration import calibrate, evaluate_task, loss
from sim.experiments.calibration_targets import Target, check_truth, load_targets, parse_truth
from sim.experiments.sweeps import value_at
from sim.scenario import ScenarioError, load_scenario, scenario_to_dict
from sim.states import Benefit, Status

TARGETS = ROOT / "calibration" / "targets.yaml"
SHARED_TARGETS = ROOT.parent / "shared" / "calibration-targets.md"
CALIBRATION_RUN = ROOT / "calibration" / "runs" / "calibration-baseline-20261130d"
# A small territory over 4 years: two yearly anchors (months 23 and 35) for C1 and C2.
SMALL = {"persons": 3000, "months": 48}
TWO_PARAMS = """
targets:
  - {name: c1, id: C1, value: 0.12, tolerance: 0.02, statistic: rsa_job_entry_yearly,
     source: test}
  - {name: c2, id: C2, value: 0.17, tolerance: 0.03, statistic: rsa_job_loss_yearly,
     source: test}
  - {name: c3, id: C3, value: 0.067, tolerance: 0.02, statistic: quarterly_job_entry_3y_plus,
     source: test}
parameters:
  - {path: behaviour.p_break, low: 0.002, high: 0.03, start: 0.012, why: test}
  - {path: behaviour.p_search_alone, low: 0.05, high: 0.5, start: 0.25, why: test}
"""


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(SCENARIOS / "baseline.yaml")


@pytest.fixture
def two_params(tmp_path) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(TWO_PARAMS)
    return path


# ----------------------------------------------------------------------------- targets file
def _value(scenario, path: str):
    return value_at(scenario_to_dict(scenario), path)


def test_shipped_targets_file_is_valid_and_cites_every_target(baseline):
    spec = load_targets(TARGETS, baseline)
    ids = {t.id for t in spec.targets} | {n.id for n in spec.not_reproduced}
    if SHARED_TARGETS.exists():  # every published figure is either a target or set aside
        published = set(re.findall(r"^\| (C\d+) \|", SHARED_TARGETS.read_text(), re.M))
        assert published and {i for i in ids if re.fullmatch(r"C\d+", i)} == published
    others = [t for t in spec.targets if not re.fullmatch(r"C\d+", t.id)]
    assert all(t.source for t in others), "targets from other public statistics cite them"
    assert all(p.why for p in spec.parameters)


def test_baseline_takes_the_calibrated_values(baseline):
    """Each fitted value of the baseline is the calibration run's, to 3 significant digits."""
    run = CALIBRATION_RUN / "calibrated.yaml"
    calibrated = yaml.safe_load(run.read_text())
    assert calibrated["provenance"]["run_id"] == CALIBRATION_RUN.name
    text = (SCENARIOS / "baseline.yaml").read_text()
    fitted = {p.path for p in load_targets(TARGETS, baseline).parameters}
    assert set(calibrated["parameters"]) == fitted
    for path, value in calibrated["parameters"].items():
        assert _value(baseline, path) == pytest.approx(value, rel=5e-3), path
    cite = f"calibrated, run {CALIBRATION_RUN.name}"
    key_lines = [line for line in text.splitlines() if cite in line]
    assert len(key_lines) == len(fitted)  # each cites the run
    pending = [line for line in text.splitlines() if "to be calibrated" in line]
    assert not pending, "a value fitted by the run still says it waits for a calibration"


@pytest.mark.parametrize(
    ("edit", "field", "allowed"),
    [
        (lambda d: d["targets"][0].update(statistic="nope"), "targets.0.statistic", "allowed:"),
        (lambda d: d["targets"][0].update(tolerance=0), "targets.0.tolerance", "greater than 0"),
        (lambda d: d["targets"][0].update(id="X1"), "targets.0.id", "pattern"),
        (lambda d: d["parameters"][0].update(start=0.5), "parameters.0", "within"),
        (lambda d: d["parameters"][0].update(path="behaviour.nope"), "parameters.0.path", "not"),
        (
            lambda d: d["parameters"][0].update(path="territory.france_travail.agencies"),
            "parameters.0.path",
            "integer: true",
        ),
        (lambda d: d["parameters"][0].update(high=1.5), "parameters.0.path", "1.5"),
        (lambda d: d["parameters"].append(d["parameters"][0]), "", "repeated"),
    ],
)
def test_bad_targets_files_are_refused_naming_the_field(tmp_path, baseline, edit, field, allowed):
    data = yaml.safe_load(TWO_PARAMS)
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        load_targets(path, baseline)
    assert str(path) in str(err.value) and field in err.value.field and allowed in str(err.value)


def test_parse_truth():
    assert parse_truth(["behaviour.p_break=0.02"]) == {"behaviour.p_break": 0.02}
    for bad in ("behaviour.p_break", "behaviour.p_break=high", "=0.2"):
        with pytest.raises(ScenarioError):
            parse_truth([bad])


def test_a_truth_gives_every_fitted_parameter_and_nothing_else(baseline):
    params = load_targets(TARGETS, baseline).parameters
    truth = {p.path: p.start for p in params}
    assert check_truth(truth, params) == {p.path: p.cast(p.start) for p in params}
    with pytest.raises(ScenarioError, match="not a parameter of the targets file"):
        check_truth({**truth, "behaviour.no_such_thing": 0.1}, params)
    with pytest.raises(ScenarioError, match="every fitted parameter needs a true value"):
        check_truth(dict(list(truth.items())[1:]), params)


# ----------------------------------------------------------------------------- statistics
def _fake_model(
    history: list[list[int]],
    benefit: list[int],
    months_at_entry=None,
    wish=None,
    benefits=None,
    burn_in=0,
):
    """A finished run reduced to what the statistics read: statuses (months x persons), the
    benefit at entry, and the benefit statuses (months x persons; the benefit at entry if None).

    Without a burn-in (``burn_in=0``) unless given: the run starts empty at month 0.
    """
    h = np.array(history, dtype=np.int8)
    n = h.shape[1]
    pop = SimpleNamespace(
        benefit_at_entry=np.array(benefit),
        t_entry=np.zeros(n, dtype=np.int32),
        months_without_work_at_entry=np.array(months_at_entry or [0.0] * n, dtype=np.float32),
        wish=np.array(wish or [True] * n),
        n=n,
        size=n,
    )
    b = np.array(benefits, dtype=np.int8) if benefits is not None else np.tile(benefit, (len(h), 1))
    recorder = SimpleNamespace(history=h, benefit_history=b.astype(np.int8))
    return SimpleNamespace(pop=pop, recorder=recorder, t=h.shape[0] - 1, burn_in=burn_in)


J, S, OUT, L = Status.JOB, Status.SIAE, Status.OUTSIDE, Status.LEFT
RSA, NONE = Benefit.RSA, Benefit.NONE


def test_yearly_entries_and_losses_counted_by_hand():
    # 48 months: the yearly anchors after the burn-in are months 23 and 35 (a year later: 35, 47).
    months = 48
    people = {  # status at months 23, 35, 47 (constant in between)
        "out, then a job": (OUT, J, J),  # C1: 1 of 1 at 23; at 35 employed
        "out, out, job": (OUT, OUT, J),  # C1: 0 at 23, 1 at 35
        "job, lost, out": (J, OUT, OUT),  # C2: lost at 23; at 35 out -> C1 denominator
        "siae kept as job": (S, J, J),  # C2: kept (a CDDI then a job)
        "left": (OUT, L, L),  # not present a year later: in no denominator
        "not rsa": (OUT, J, J),  # other benefit: ignored
    }
    history = np.zeros((months, len(people)), dtype=np.int8)
    for i, (s23, s35, s47) in enumerate(people.values()):
        history[:24, i], history[24:36, i], history[36:, i] = s23, s35, s47
    model = _fake_model(history.tolist(), [RSA] * 5 + [NONE])
    # Without a job at 23 and present at 35: persons 0, 1 -> 1 found one (0). At 35: persons 1,
    # 2 -> 1 found one (1). C1 = 2 / 4.
    assert statistics.rsa_job_entry_yearly(model) == pytest.approx(2 / 4)
    # Employed at 23: persons 2, 3 -> 1 lost it. At 35: persons 0, 3 -> none lost. C2 = 1 / 4.
    assert statistics.rsa_job_loss_yearly(model) == pytest.approx(1 / 4)

    # After a burn-in of a year or more the history is settled from month 0: the anchor month 11
    # joins (everyone as at 23: persons 0, 1, 4 without a job and present at 23 -> none has one;
    # persons 2, 3 employed -> both still are). C1 = 2 / 7, C2 = 1 / 6.
    warm = _fake_model(history.tolist(), [RSA] * 5 + [NONE], burn_in=12)
    assert statistics.rsa_job_entry_yearly(warm) == pytest.approx(2 / 7)
    assert statistics.rsa_job_loss_yearly(warm) == pytest.approx(1 / 6)
    # A shorter burn-in leaves part of the year to skip: anchors from month 23 again.
    short = _fake_model(history.tolist(), [RSA] * 5 + [NONE], burn_in=6)
    assert statistics.rsa_job_entry_yearly(short) == pytest.approx(2 / 4)


def test_work_during_the_year_counts_short_jobs_that_c1_misses():
    # 48 months, anchors 23 and 35. Person 0 works months 26-28 only: a job during the year
    # after 23, none at 35 (C1 misses it). Person 1 finds a job at 40 and keeps it. Person 2
    # never works. Person 3 is on no benefit: out of both. Person 4 leaves the RSA for the ASS
    # at 35: counted at 23 (on the RSA then, works in the year) but not at 35.
    months = 48
    ASS = Benefit.ASS
    history = np.full((months, 5), OUT, dtype=np.int8)
    history[26:29, 0] = J
    history[40:, 1] = J
    history[30:33, 3] = J
    history[30, 4] = S
    benefits = np.full((months, 5), RSA, dtype=np.int8)
    benefits[:, 3] = NONE
    benefits[35:, 4] = ASS
    model = _fake_model(history.tolist(), [RSA, RSA, RSA, NONE, RSA], benefits=benefits)
    # At 23: persons 0, 1, 2, 4 without a job -> 0 and 4 work in months 24-35: 2. At 35:
    # persons 0, 1, 2 -> 1 works in months 36-47: 1. 3 / 7.
    assert statistics.rsa_work_during_year(model) == pytest.approx(3 / 7)
    # C1 on the same history sees only person 1: of persons 0, 1, 2, 4 (on the RSA at entry)
    # without a job at 23 and again at 35, only 1 has one a year later. 1 / 8.
    assert statistics.rsa_job_entry_yearly(model) == pytest.approx(1 / 8)


def test_yearly_rsa_exits_and_entries_counted_by_hand():
    # 48 months: yearly anchors at months 23 and 35, each compared with a year later.
    months = 48
    ASS, AAH = Benefit.ASS, Benefit.AAH
    NA = Status.NOT_ARRIVED
    people = {  # (status, benefit) at months 23, 35, 47, constant in between
        "stays on the RSA": ((OUT, RSA), (OUT, RSA), (OUT, RSA)),
        "leaves, then comes back": ((OUT, RSA), (J, NONE), (OUT, RSA)),
        "from the ASS": ((OUT, ASS), (OUT, RSA), (OUT, RSA)),
        "from nothing": ((OUT, NONE), (OUT, NONE), (OUT, RSA)),
        "arrives on it": ((NA, RSA), (OUT, RSA), (OUT, RSA)),
        "leaves the territory": ((OUT, RSA), (L, RSA), (L, RSA)),
        "AAH": ((OUT, AAH), (OUT, AAH), (OUT, AAH)),
    }
    history = np.zeros((months, len(people)), dtype=np.int8)
    benefits = np.zeros((months, len(people)), dtype=np.int8)
    for i, cells in enumerate(people.values()):
        for (lo, hi), (status, benefit) in zip(((0, 24), (24, 36), (36, 48)), cells, strict=True):
            history[lo:hi, i], benefits[lo:hi, i] = status, benefit
    model = _fake_model(history.tolist(), [NONE] * len(people), benefits=benefits)
    # Exits: on the RSA and present at 23 and 35: persons 0, 1 -> 1 left. At 35 and 47: persons
    # 0, 2, 4 (1 is off it at 35; 5 gone) -> none left. 1 / 5.
    assert statistics.rsa_exit_yearly(model) == pytest.approx(1 / 5)
    # Entries: on the RSA at 35: persons 0, 2, 4 -> the ASS is a minimum benefit, the arrival
    # was not in the territory: 1 entry (4). At 47: persons 0, 1, 2, 3, 4 -> 1 and 3 had no
    # minimum benefit at 35: 2 entries. 3 / 8.
    assert statistics.rsa_entry_yearly(model) == pytest.approx(3 / 8)


def test_months_without_work_and_quarterly_entries_by_hand():
    months = 16
    history = np.full((months, 3), OUT, dtype=np.int8)
    history[5, 1] = J  # person 1 worked at month 5
    history[15, :] = [J, J, OUT]  # at month 15 (a quarter after 12): persons 0 and 1 in a job
    model = _fake_model(history.tolist(), [RSA] * 3, months_at_entry=[40.0, 40.0, 2.0])
    assert list(statistics.months_without_work_at(model, 12)) == [52, 7, 14]
    # The only anchor is month 12 (12 + 3 < 16): person 0 (52 months) is the only one with
    # 3 years or more, and finds a job; under a year: person 1 only, who finds one too.
    assert statistics.quarterly_job_entry_3y_plus(model) == 1.0
    assert statistics.quarterly_job_entry_under_1y(model) == 1.0
    model.pop.wish[:] = [False, True, True]  # not a jobseeker: out of the denominator
    assert np.isnan(statistics.quarterly_job_entry_3y_plus(model))


def test_siae_leavers_employed_by_hand():
    months = 24
    history = np.full((months, 3), OUT, dtype=np.int8)
    history[:13, :] = S  # all three leave a SIAE at month 13
    history[19, 0] = J  # 6 months later: person 0 employed, person 1 not, person 2 gone
    history[19:, 2] = L
    model = _fake_model(history.tolist(), [RSA, NONE, RSA])
    assert statistics.siae_leavers_employed_6m(model) == pytest.approx(1 / 2)
    assert statistics.siae_leavers_employed_6m_rsa(model) == pytest.approx(1.0)


def test_statistics_on_a_run_are_shares():
    model = run_small(**{"run.months": 48})  # yearly anchors at months 11, 23 and 35
    values = statistics.compute(model, list(statistics.STATISTICS))
    for name, value in values.items():
        assert 0.0 <= value <= 1.0, name
    shares = [values[f"siae_share_{t}"] for t in ("aci", "ai", "ei", "etti")]
    assert sum(shares) == pytest.approx(1.0)


def test_loss_counts_distances_in_tolerances():
    def target(statistic, value, tolerance, weight):
        return Target(
            name=statistic, id="C1", value=value, tolerance=tolerance, weight=weight,
            statistic=statistic, source="x",
        )  # fmt: skip

    targets = [
        target("rsa_job_loss_yearly", 0.1, 0.02, 2),
        target("shelter_occupancy", 0.9, 0.05, 1),
    ]
    means = {"rsa_job_loss_yearly": 0.14, "shelter_occupancy": 0.85}  # 2 and 1 tolerances off
    assert loss(means, targets) == pytest.approx((2 * 2**2 + 1 * 1**2) / 3)
    assert np.isnan(loss({**means, "shelter_occupancy": float("nan")}, targets))


def test_replications_of_every_trial_share_their_seeds():
    small = load_scenario(SCENARIOS / "baseline.yaml", {"run.persons": 800, "run.months": 36})
    task = {
        "id": "t",
        "trial": 0,
        "replication": 0,
        "scenario": scenario_to_dict(small),
        "entropy": 7,
        "spawn_key": [1],
        "statistics": ["rsa_job_entry_yearly", "shelter_occupancy"],
    }
    first = evaluate_task(task)["values"]
    assert first == evaluate_task(dict(task))["values"]
    other = evaluate_task({**task, "spawn_key": [2]})["values"]
    assert first != other  # a replication's seed does matter


# ----------------------------------------------------------------------------- pipeline
def test_known_parameters_are_recovered(tmp_path, two_params):
    """Identifiability: targets made by the model at known values are fitted back to them."""
    truth = {"behaviour.p_break": 0.02, "behaviour.p_search_alone": 0.1}
    # Three replications: at 3,000 persons the yearly job loss of RSA recipients (C2) moves by
    # several points between seeds; with two, the truth's own noise could outweigh p_break.
    result = calibrate(
        SCENARIOS / "baseline.yaml", two_params, trials=30, replications=3, workers=2,
        truth=truth, out=tmp_path / "ident", **SMALL,
    )  # fmt: skip
    rec = result.recovery.set_index("parameter")
    assert rec["recovered"].all(), rec
    assert (rec["error_share_of_range"] <= 0.2).all()
    # The starting point is far from the truth: the fit did move.
    start = result.trials.iloc[0]
    assert start["behaviour.p_break"] == 0.012 and start["loss"] > result.trials["loss"].min()
    fit = pd.read_csv(result.out / "fit.csv")
    assert list(fit["target"]) == ["c1", "c2", "c3"]
    assert "Identifiability" in (result.out / "fit.md").read_text()


def test_outputs_provenance_and_continuing_a_study(tmp_path, two_params):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    first = calibrate(
        SCENARIOS / "baseline.yaml", two_params, trials=3, replications=1, workers=1,
        storage=storage, out=tmp_path / "a", **SMALL,
    )  # fmt: skip
    for name in ("calibrated.yaml", "fit.md", "fit.csv", "fit.png", "trials.csv"):
        assert (first.out / name).stat().st_size > 0, name
    calibrated = yaml.safe_load((first.out / "calibrated.yaml").read_text())
    prov = calibrated["provenance"]
    assert prov["run_id"] == "a" and prov["trials_complete"] == 3 and prov["replications"] == 1
    assert prov["targets_used"] == ["C1 c1", "C2 c2", "C3 c3"]
    assert set(calibrated["parameters"]) == {"behaviour.p_break", "behaviour.p_search_alone"}
    fit = first.fit
    assert (
        fit["within_tolerance"].tolist()
        == ((fit["simulated"] - fit["published"]).abs() <= fit["tolerance"]).tolist()
    )

    # An interrupted trial (asked, never told) is marked failed, and the study continues.
    study = optuna.load_study(study_name="baseline-calibration", storage=storage)
    study.ask()
    second = calibrate(
        SCENARIOS / "baseline.yaml", two_params, trials=5, replications=1, workers=1,
        storage=storage, out=tmp_path / "b", **SMALL,
    )  # fmt: skip
    table = second.trials
    assert (table["state"] == "COMPLETE").sum() == 5
    assert table["state"].tolist()[3] == "FAIL"
    kept = first.trials.set_index("trial")["loss"]
    assert table.set_index("trial").loc[kept.index, "loss"].tolist() == kept.tolist()

    # The same storage with other targets is refused, and nothing is written.
    other = tmp_path / "other.yaml"
    other.write_text(TWO_PARAMS.replace("value: 0.12", "value: 0.2"))
    with pytest.raises(ScenarioError, match="another scenario, targets file"):
        calibrate(
            SCENARIOS / "baseline.yaml", other, trials=6, replications=1, workers=1,
            storage=storage, out=tmp_path / "c", **SMALL,
        )  # fmt: skip
    assert not (tmp_path / "c").exists()


def test_dask_backend_gives_the_same_trials(tmp_path, two_params):
    runs = {
        backend: calibrate(
            SCENARIOS / "baseline.yaml",
            two_params,
            trials=4,
            replications=2,
            workers=2,
            backend=backend,
            out=tmp_path / backend,
            persons=800,
            months=40,
        )  # fmt: skip
        for backend in ("local", "dask")
    }
    local, dask = (runs[b].trials.drop(columns="trial") for b in ("local", "dask"))
    pd.testing.assert_frame_equal(local, dask)


# ----------------------------------------------------------------------------- command line
def test_cli_calibrate_end_to_end(tmp_path, two_params):
    out = tmp_path / "cli"
    done = parcours(
        "calibrate", SCENARIOS / "baseline.yaml", "--targets", two_params, "--trials", "2",
        "--replications", "1", "--workers", "1", "--persons", "800", "--months", "40",
        "--out", out, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.describe()
    assert "calibrated parameters:" in done.stdout and "behaviour.p_break" in done.stdout
    assert (out / "calibrated.yaml").exists()
    shown = parcours_here("results", "show", out, cwd=tmp_path)
    assert shown.returncode == 0 and "| c1 | C1 |" in shown.stdout
    listed = parcours_here("results", "list", tmp_path, cwd=tmp_path)
    assert "calibration  baseline" in listed.stdout
    for command in ("resume", "report"):  # a study, not tasks: say how to continue instead
        refused = parcours_here(command, out, cwd=tmp_path)
        assert refused.returncode == 2 and f"sqlite:///{out / 'study.db'}" in refused.stderr


def test_cli_calibrate_bad_input_writes_nothing(tmp_path, two_params):
    out = tmp_path / "never"
    bad = tmp_path / "bad.yaml"
    bad.write_text(TWO_PARAMS.replace("rsa_job_loss_yearly", "job_loss"))
    done = parcours_here(
        "calibrate", SCENARIOS / "baseline.yaml", "--targets", bad, "--trials", "2",
        "--out", out, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert str(bad) in done.stderr and "targets.1.statistic" in done.stderr
    assert "allowed:" in done.stderr
    done = parcours_here(
        "calibrate", SCENARIOS / "baseline.yaml", "--targets", two_params, "--trials", "2",
        "--truth", "behaviour.p_break=0.01", "--out", out, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2 and "behaviour.p_search_alone" in done.stderr
    assert not out.exists()


def test_apply_calibration_rewrites_only_the_fitted_lines(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    from apply_calibration import apply, find_line

    scenario = tmp_path / "baseline.yaml"
    original = (SCENARIOS / "baseline.yaml").read_text()
    scenario.write_text(original.replace("p_break: 0.", "p_break: 0.9"))  # moved on purpose
    calibrated = yaml.safe_load((CALIBRATION_RUN / "calibrated.yaml").read_text())
    run = tmp_path / "calibrated.yaml"
    run.write_text(yaml.safe_dump(calibrated))
    changed = apply(run, scenario, TARGETS, digits=3)
    params = calibrated["parameters"]
    assert len(changed) == len(params)
    lines_before, lines_after = original.split("\n"), scenario.read_text().split("\n")
    pairs = zip(lines_before, lines_after, strict=True)
    differing = [i for i, (a, b) in enumerate(pairs) if a != b]
    assert len(differing) <= len(params)  # nothing but the fitted lines changed
    applied = load_scenario(scenario)
    for path, value in params.items():
        assert _value(applied, path) == pytest.approx(value, rel=5e-3), path
    with pytest.raises(KeyError):
        find_line(lines_after, "behaviour.employability.nope")

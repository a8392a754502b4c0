"""A trial's results as text for the terminal (``parcours trial``, ``parcours resume``)."""

from __future__ import annotations

import math


def _num(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a" if value is None or math.isnan(value) else "inf"
    return format(value, fmt)


def _value(outcome: str, value) -> str:
    """Shares in percent, months as months."""
    if outcome.startswith("months"):
        return _num(value, ".2f")
    return _num(None if value is None else 100 * value, ".1f") + (
        "%" if value is not None and math.isfinite(value) else ""
    )


def _diff(outcome: str, value) -> str:
    if outcome.startswith("months"):
        return _num(value, "+.2f")
    return _num(None if value is None else 100 * value, "+.1f") + (
        " pt" if value is not None and math.isfinite(value) else ""
    )


def trial_text(result: dict, power: bool = False) -> str:
    """A finished trial's effects, Kaplan-Meier summary, spill-overs and balance as text."""
    spec = result["manifest"]["trial"]
    eff = result["effects"]
    lines = [
        f"Trial: {spec['size']} persons enrolled over {spec['enrol_months']} months, arms "
        f"{', '.join(spec['arms'])} (reference {spec['arms'][0]}), outcomes over "
        f"{spec['horizon']} months after enrolment; intervals: 95% across "
        f"{result['manifest']['replications']} replications"
    ]
    itt = eff[eff["comparison"] == "itt"]
    header = f"{'outcome':<20}{'arm':<14}{'reference':>11}{'arm mean':>11}{'ITT effect':>13}"
    header += f"{'95% CI':>24}{'RR':>7}{'95% CI':>16}"
    if power:
        header += f"{'power (tests)':>15}{'power (formula)':>17}{'N for 80%':>11}"
    lines += ["", "Intention-to-treat effects", header]
    for r in itt.itertuples():
        o = r.outcome
        ci = f"[{_diff(o, r.itt_low)}, {_diff(o, r.itt_high)}]"
        rr = _num(getattr(r, "rr", float("nan")), ".2f")
        rr_ci = f"[{_num(r.rr_low, '.2f')}, {_num(r.rr_high, '.2f')}]" if o[0] != "m" else ""
        line = (
            f"{o:<20}{r.arm:<14}{_value(o, r.mean_reference):>11}{_value(o, r.mean_arm):>11}"
            f"{_diff(o, r.itt):>13}{ci:>24}{rr if o[0] != 'm' else '':>7}{rr_ci:>16}"
        )
        if power:
            n80 = _num(r.n_for_80_power, ",.0f")
            line += f"{_num(100 * r.power_empirical, '.0f') + '%':>15}"
            line += f"{_num(100 * r.power_analytic, '.0f') + '%':>17}{n80:>11}"
        lines.append(line)
    if power:
        lines.append(
            f"power: of a real trial of {spec['size']} persons at alpha = {spec['alpha']}: the "
            "share of replications whose test rejects no effect, and the normal formula at the "
            "mean effect; N for 80%: persons a real trial would need (all arms)"
        )
    left = itt.drop_duplicates("arm")
    for r in left.itertuples():
        lines.append(
            f"left the territory or incapacity before the horizon: {r.arm} "
            f"{100 * r.left_arm:.1f}%, {spec['arms'][0]} {100 * r.left_reference:.1f}%"
        )
    spill = eff[eff["comparison"] == "spillover"]
    if len(spill):
        lines += [
            "",
            "Against the same territory without the arms' groups (same persons, same seeds)",
            f"{'outcome':<20}{'arm':<14}{'without':>11}{'with':>11}{'difference':>13}"
            f"{'95% CI':>24}",
        ]
        for r in spill.itertuples():
            o = r.outcome
            ci = f"[{_diff(o, r.itt_low)}, {_diff(o, r.itt_high)}]"
            lines.append(
                f"{o:<20}{r.arm:<14}{_value(o, r.mean_reference):>11}"
                f"{_value(o, r.mean_arm):>11}{_diff(o, r.itt):>13}{ci:>24}"
            )
        lines.append(
            f"(the {spec['arms'][0]} row is the trial's spill-over onto its controls; the "
            "territory's indicators with and without are in trial_effects.parquet)"
        )
    lines += _ensemble_lines(result)
    km = result["km"]
    marks = sorted({1, 3, 6, 12, 24, spec["horizon"]} & set(range(1, spec["horizon"] + 1)))
    lines += ["", "Kaplan-Meier: share still without a job, months after enrolment"]
    lines.append(f"{'arm':<14}" + "".join(f"{m:>9}" for m in marks))
    for arm, g in km.groupby("arm", observed=True):
        g = g.set_index("month")
        lines.append(f"{arm:<14}" + "".join(f"{100 * g.loc[m, 'survival']:>8.1f}%" for m in marks))
    bal = result["balance"]
    gap = bal.groupby(["attribute", "level"])["share"].agg(lambda s: s.max() - s.min())
    lines += [
        "",
        f"Balance: largest gap between arms in the share of a stratum level: "
        f"{100 * gap.max():.1f} pt ({'/'.join(gap.idxmax())})",
    ]
    return "\n".join(lines)


def _ensemble_lines(result: dict) -> list[str]:
    """With ``--ensemble``: each ITT effect over the posterior's parameter sets."""
    ens = result.get("ensemble")
    if ens is None or not len(ens):
        return []
    from sim.experiments.ensemble import robustness_text

    m = result["manifest"]["ensemble"]
    lines = [
        "",
        f"Over the posterior {m['file']}: {len(m['sets'])} parameter sets x {m['seeds_per_set']} "
        "seeds; interval of the set means (2.5-97.5%), the parameters' share of the variance",
        f"{'outcome':<20}{'arm':<14}{'ITT effect':>13}{'interval over sets':>28}"
        f"{'parameters':>12}  sign",
    ]
    for r in ens.itertuples():
        o = r.outcome
        interval = f"[{_diff(o, r.low)}, {_diff(o, r.high)}]"
        share = _num(
            None if not math.isfinite(r.share_parameters) else 100 * r.share_parameters, ".0f"
        )
        lines.append(
            f"{o:<20}{r.arm:<14}{_diff(o, r.mean):>13}{interval:>28}{share + '%':>12}  "
            f"{robustness_text(r._asdict())}"
        )
    return lines

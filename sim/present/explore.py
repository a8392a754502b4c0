"""The explorer: a Mesa SolaraViz page to move policy levers and watch a territory month by month.

``parcours explore [SCENARIO]`` serves it (:func:`serve`); from Python, :func:`page` returns the
page as an element (to show in a notebook, or to serve with ``solara run sim.present.explore``,
which reads the scenario from the ``PARCOURS_EXPLORE_SCENARIO`` environment variable).

The sidebar has Mesa's controls (Reset, Play/Pause, Step) and sliders for the main levers: the
share of iterative practice (``policy.practice_override``), the SIAE posts (every group of
``territory.siae`` scaled), the PHC places per host structure, the results-based modulation of
the aide au poste (``policy.funding.modulation.enabled``) and the number of persons. Each slider
starts at the scenario's value and shows its value (Mesa's inputs do not: the page draws them
with :func:`lever_inputs`). As in every SolaraViz page, a lever takes effect when the model is
reset (the Reset button). The charts follow the run: persons by status, waiting lists, and
running indicators among the persons present (employed, in a durable job, homeless); their
captions and the levers panel name the same month (months count from 0).

:class:`ExplorerModel` is the Mesa model the page drives: its keyword arguments are the levers.
It holds the :class:`~sim.model.InsertionModel` it runs as ``sim``, rather than being one, so
that SolaraViz (which reads and resets ``Model.scenario`` under Mesa 3.5) only sees a plain Mesa
model with the levers as its parameters.
"""

from __future__ import annotations

import functools
import os
import socket
import warnings
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.experiments.runner import resolve
from sim.model import InsertionModel
from sim.scenario import Scenario, iterative_share, load_scenario

SCENARIO_ENV = "PARCOURS_EXPLORE_SCENARIO"
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
DEFAULT_PERSONS = 2000

STATUSES = {
    "n_outside": "outside support",
    "n_waiting": "waiting for a referent",
    "n_supported": "supported",
    "n_low_threshold": "low threshold (PHC, TAPAJ, AAVA)",
    "n_training": "training",
    "n_immersion": "immersion",
    "n_siae": "SIAE",
    "n_job": "ordinary job",
    "n_incapacity": "incapacity route",
}
QUEUES = {
    "n_waiting": "referent",
    "queue_services": "services",
    "queue_training": "training",
    "queue_low_threshold": "low threshold",
    "queue_siae": "SIAE",
    "queue_shelter": "shelter",
}
INDICATORS = {
    "share_employed": "employed (job or SIAE)",
    "share_durable": "durable job",
    "share_homeless": "homeless",
}


def phc_hosts(scenario: Scenario) -> list[str]:
    """The SIAE groups that host PHC places (``aci_phc_hosts`` if none does and it exists)."""
    siae = scenario.territory.siae
    hosts = [name for name, g in siae.items() if g.phc_places > 0]
    if not hosts and "aci_phc_hosts" in siae:
        hosts = ["aci_phc_hosts"]
    return hosts


def mean_practice(scenario: Scenario) -> float:
    """The scenario's share of the ``iterative`` profile, averaged over referents' capacity."""
    override = scenario.policy.practice_override
    if override is not None:
        return iterative_share(override)
    terr = scenario.territory
    weights, values = [], []
    for g in terr.shelters.values():
        weights.append(g.n * g.social_workers * g.caseload)
        values.append(iterative_share(g.practice))
    ft = terr.france_travail
    weights.append(ft.agencies * ft.advisers_per_agency * ft.caseload)
    values.append(iterative_share(ft.practice))
    total = sum(weights)
    return float(np.dot(weights, values) / total) if total > 0 else float(np.mean(values))


def lever_overrides(
    scenario: Scenario,
    iterative_share: float | None = None,
    siae_posts_scale: float = 1.0,
    phc_places: int | None = None,
    modulation: bool | None = None,
) -> dict[str, Any]:
    """The dotted-path overrides (see :func:`sim.experiments.runner.resolve`) that set the levers.

    Args:
        scenario: the scenario the levers apply to.
        iterative_share: the practice of every structure (``policy.practice_override``); None
            keeps each structure's own.
        siae_posts_scale: factor on the posts of every SIAE group (rounded to whole posts).
        phc_places: PHC places per structure of each group hosting PHC (see :func:`phc_hosts`);
            None keeps the scenario's.
        modulation: whether the aide au poste has a results-based modulated part; None keeps
            the scenario's.
    """
    out: dict[str, Any] = {"run.person_views": False}
    out["policy.practice_override"] = None if iterative_share is None else float(iterative_share)
    for name, g in scenario.territory.siae.items():
        out[f"territory.siae.{name}.posts"] = int(round(g.posts * float(siae_posts_scale)))
    if phc_places is not None:
        for name in phc_hosts(scenario):
            out[f"territory.siae.{name}.phc_places"] = int(phc_places)
    if modulation is not None:
        out["policy.funding.modulation.enabled"] = bool(modulation)
    return out


class ExplorerModel(mesa.Model):
    """The model the explorer page drives: one run of a scenario with the levers applied.

    Every argument is a keyword argument, as SolaraViz needs to rebuild the model on Reset.

    Args:
        scenario_path: the scenario file.
        iterative_share: share of iterative practice, applied to every structure when
            ``same_practice`` is true.
        same_practice: apply ``iterative_share`` to every structure; otherwise each structure
            keeps its own practice (or the scenario's ``policy.practice_override``).
        siae_posts_scale: factor on the posts of every SIAE group.
        phc_places: PHC places per host structure; None keeps the scenario's.
        modulation: results-based modulation of the aide au poste; None keeps the scenario's.
        persons: persons at start (capacities scale with them).
        seed: the run's seed; None keeps the scenario's.

    Attributes:
        sim: the :class:`~sim.model.InsertionModel` being run (person views off).
        levers: the levers in force, by name.
        series: one row per month of the running indicators (see :data:`INDICATORS`).
    """

    def __init__(
        self,
        scenario_path: str | Path = DEFAULT_SCENARIO,
        iterative_share: float = 0.2,
        same_practice: bool = False,
        siae_posts_scale: float = 1.0,
        phc_places: int | None = None,
        modulation: bool | None = None,
        persons: int = DEFAULT_PERSONS,
        seed: int | None = None,
    ):
        """Resolve the scenario with the levers and build the simulation."""
        base = load_scenario(scenario_path)
        share = float(iterative_share) if same_practice else base.policy.practice_override
        overrides = lever_overrides(base, share, siae_posts_scale, phc_places, modulation)
        scenario = resolve(base, seed=seed, persons=int(persons), overrides=overrides)
        super().__init__(rng=scenario.run.seed)
        self.scenario_path = str(scenario_path)
        self.sim = InsertionModel(scenario)
        self.sim.warm_up()  # the page starts at month 0, on the territory in its steady state
        policy, siae = scenario.policy, scenario.territory.siae
        hosts = phc_hosts(scenario)
        self.levers = {
            "scenario": scenario.name,
            "practice_override": policy.practice_override,
            "siae_posts_scale": float(siae_posts_scale),
            "siae_posts": sum(g.n * g.posts for g in siae.values()),
            "siae_posts_run": int(self.sim.siae_posts.sum()),
            "phc_places": siae[hosts[0]].phc_places if hosts else 0,
            "phc_hosts": sum(siae[h].n for h in hosts),
            "phc_places_run": int(self.sim.siae_phc_places.sum()),
            "modulation": policy.funding.modulation.enabled,
            "persons": scenario.run.persons,
            "reference_persons": scenario.territory.reference_persons,
            "seed": scenario.run.seed,
            "months": scenario.run.months,
        }
        self.series: list[dict[str, float]] = []

    def step(self) -> None:
        """Run one month; stop at the scenario's last month."""
        if self.sim.t + 1 >= self.sim.months:
            self.running = False
            return
        self.sim.step()
        pop = self.sim.pop
        present = pop.present()
        n = max(int(present.sum()), 1)
        self.series.append(
            {
                "month": self.sim.t,
                "share_employed": np.count_nonzero(present & pop.employed()) / n,
                "share_durable": np.count_nonzero(present & pop.durable()) / n,
                "share_homeless": np.count_nonzero(present & pop.homeless()) / n,
            }
        )
        if self.sim.t + 1 >= self.sim.months:
            self.running = False

    def frame(self) -> pd.DataFrame:
        """The monthly records so far (``recorder.frame()``) with the running indicators."""
        frame = self.sim.recorder.frame()
        if frame.empty:
            return frame
        return frame.merge(pd.DataFrame(self.series), on="month", how="left")


# ----------------------------------------------------------------------------- the page
def _figure(
    frame: pd.DataFrame, columns: dict[str, str], ylabel: str, months: int, percent: bool = False
):
    """A line chart of ``columns`` (labels as values) over the run's months, as a Figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    ax = fig.subplots()
    if frame.empty:
        ax.text(0.5, 0.5, "press Step or Play", ha="center", va="center", transform=ax.transAxes)
    else:
        for column, label in columns.items():
            values = frame[column] * (100 if percent else 1)
            ax.plot(frame["month"], values, label=label, marker="." if len(frame) < 3 else None)
        fig.legend(fontsize=7, loc="outside right upper")
    ax.set_xlim(0, max(months - 1, 1))
    ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1] * 1.05, 1))
    ax.set_xlabel("month")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return fig


def month_text(model: ExplorerModel) -> str:
    """The month the page shows, as the captions and the levers panel both say it."""
    last = f"months 0 to {model.sim.months - 1}"
    if model.sim.t < 0:
        return f"no month run yet ({last})"
    return f"month {model.sim.t} ({last})"


def _caption(frame: pd.DataFrame, columns: dict[str, str], percent: bool) -> str:
    """The last month's values as text (also what the page's tests read)."""
    if frame.empty:
        return "no month run yet"
    last = frame.iloc[-1]
    values = [
        f"{label} {100 * last[c]:.1f}%" if percent else f"{label} {int(last[c])}"
        for c, label in columns.items()
    ]
    return f"month {int(last['month'])}: " + "; ".join(values)


def _chart(key: str, title: str, columns: dict[str, str], ylabel: str, percent: bool = False):
    """A page component: a titled chart of ``columns`` and a caption of the last month."""

    def component(model: ExplorerModel):
        import solara

        frame = model.frame()
        with solara.Card(title, classes=[f"parcours-chart parcours-chart-{key}"]) as card:
            fig = _figure(frame, columns, ylabel, model.sim.months, percent)
            solara.FigureMatplotlib(fig, format="png")
            solara.Text(_caption(frame, columns, percent), classes=[f"parcours-caption-{key}"])
        return card

    component.__name__ = f"{key}_chart"
    return component


statuses_chart = _chart("statuses", "Persons by status", STATUSES, "persons")
waiting_chart = _chart("waiting", "Waiting lists", QUEUES, "persons waiting")
indicators_chart = _chart(
    "indicators", "Indicators among persons present", INDICATORS, "% of present", percent=True
)


def levers_panel(model: ExplorerModel):
    """A page component: the levers in force in the current run and its month."""
    import solara

    lv = model.levers
    practice = lv["practice_override"]
    lines = [
        f"scenario: {lv['scenario']} ({lv['persons']:,} persons, seed {lv['seed']})",
        month_text(model),
        "iterative practice: "
        + (
            "each structure's own"
            if practice is None
            else f"{iterative_share(practice):.2f} everywhere"
        ),
        f"SIAE posts: x{lv['siae_posts_scale']:.2f} of the scenario's "
        f"({lv['siae_posts_run']} posts in this run)",
        f"PHC places: {lv['phc_places']} per host ACI at {lv['reference_persons']:,} persons, "
        f"{lv['phc_hosts']} hosts ({lv['phc_places_run']} places in this run)",
        f"results-based modulation: {'on' if lv['modulation'] else 'off'}",
    ]
    with solara.Card("Levers in force", classes=["parcours-levers"]) as card:
        solara.Title(f"Parcours explorer: {lv['scenario']}")
        solara.Style(TAB_CSS)
        for line in lines:
            solara.Text(line, classes=["parcours-lever"])
            solara.HTML(tag="br")
        solara.Text("Move a lever, then press Reset to apply it.", style={"font-style": "italic"})
    return card


def model_params(scenario_path: str | Path, persons: int = DEFAULT_PERSONS) -> dict[str, Any]:
    """The SolaraViz ``model_params``: fixed values and one input per lever.

    The inputs start at the scenario's own values.
    """
    scn = load_scenario(scenario_path)
    hosts = phc_hosts(scn)
    params: dict[str, Any] = {
        "scenario_path": str(scenario_path),
        "iterative_share": {
            "type": "SliderFloat",
            "value": round(mean_practice(scn), 2),
            "label": "Share of iterative practice",
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
        },
        "same_practice": {
            "type": "Checkbox",
            "value": scn.policy.practice_override is not None,
            "label": "Apply it to every structure (else each keeps its own)",
        },
        "siae_posts_scale": {
            "type": "SliderFloat",
            "value": 1.0,
            "label": "SIAE posts (x the scenario's)",
            "min": 0.0,
            "max": 3.0,
            "step": 0.1,
        },
        "modulation": {
            "type": "Checkbox",
            "value": scn.policy.funding.modulation.enabled,
            "label": "Results-based modulation of the aide au poste",
        },
        "persons": {
            "type": "SliderInt",
            "value": int(persons),
            "label": "Persons at start",
            "min": 500,
            "max": 20000,
            "step": 500,
        },
        "seed": scn.run.seed,
    }
    if hosts:
        current = scn.territory.siae[hosts[0]].phc_places
        n_hosts = sum(scn.territory.siae[h].n for h in hosts)  # stated at reference_persons
        params["phc_places"] = {
            "type": "SliderInt",
            "value": int(current),
            "label": f"PHC places per host ({n_hosts} ACI)",
            "min": 0,
            "max": max(30, 2 * int(current)),
            "step": 1,
        }
    return params


TAB_NAME = "Territory, month by month"
"""The name of the page's one tab (Mesa calls it "Page 0")."""
TAB_CSS = f"""
.v-tabs .v-tab {{ font-size: 0 !important; letter-spacing: 0; }}
.v-tabs .v-tab::after {{ content: "{TAB_NAME}"; font-size: 0.875rem; letter-spacing: 0.09em; }}
"""
"""Names the tab: Mesa 3's SolaraViz writes "Page <n>" into its tabs, with no way to name them."""


def lever_inputs(user_params: dict, on_change=None):
    """Mesa's ``UserInputs`` with every slider showing its value.

    SolaraViz draws its model inputs with :func:`mesa.visualization.solara_viz.UserInputs`,
    whose sliders show no value; :func:`page` has the sidebar use this one instead. The inputs
    are those of :func:`model_params`: sliders (int, float) and check boxes.
    """
    import solara

    for name, options in user_params.items():

        def change_handler(value, name=name):
            on_change(name, value)

        kind = options.get("type")
        label = options.get("label", name)
        if kind in ("SliderInt", "SliderFloat"):
            slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
            slider(
                label,
                value=options.get("value"),
                on_value=change_handler,
                min=options.get("min"),
                max=options.get("max"),
                step=options.get("step"),
                thumb_label="always",
            )
        elif kind == "Checkbox":
            solara.Checkbox(label=label, on_value=change_handler, value=options.get("value"))
        else:
            raise ValueError(f"{kind} is not an input type of the explorer")


@functools.cache
def _use_lever_inputs() -> None:
    """Have SolaraViz's model inputs (``ModelCreator``) draw :func:`lever_inputs`."""
    import solara
    from mesa.visualization import solara_viz

    solara_viz.UserInputs = solara.component(lever_inputs)


def page(scenario_path: str | Path = DEFAULT_SCENARIO, persons: int = DEFAULT_PERSONS):
    """The explorer page for ``scenario_path``: a Mesa ``SolaraViz`` element."""
    from mesa.visualization import SolaraViz

    _use_lever_inputs()
    params = model_params(scenario_path, persons)
    values = {
        k: v["value"] if isinstance(v, dict) and "type" in v else v for k, v in params.items()
    }
    model = ExplorerModel(**values)
    components = [
        (statuses_chart, 0),
        (waiting_chart, 0),
        (indicators_chart, 0),
        (levers_panel, 0),
    ]
    return SolaraViz(
        model,
        components=components,
        model_params=params,
        name=f"Parcours explorer: {model.levers['scenario']}",
        play_interval=200,
    )


@functools.cache
def _page_component():
    import solara

    @solara.component
    def Page():
        """The page ``solara run sim.present.explore`` serves (scenario from the environment)."""
        return page(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)

    return Page


def __getattr__(name: str):
    # ``Page`` is built on first use so that importing this module does not import solara.
    if name == "Page":
        return _page_component()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------- serving
def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def serve(
    scenario_path: str | Path | None = None,
    port: int = 8765,
    host: str = "127.0.0.1",
    open_browser: bool = True,
) -> None:
    """Serve the explorer page for ``scenario_path`` with solara, until interrupted.

    The scenario is validated first (:class:`~sim.scenario.ScenarioError` otherwise). Port 0
    picks a free port. The server makes no request outside this machine: the page's assets are
    served from the installed ``solara-assets``, and solara's telemetry and version check are
    off.
    """
    path = Path(scenario_path or DEFAULT_SCENARIO)
    load_scenario(path)
    path = path.resolve()
    port = port or free_port(host)
    os.environ[SCENARIO_ENV] = str(path)
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    print(f"Parcours explorer for {path.name}: http://{host}:{port}  (Ctrl-C to stop)", flush=True)

    import click
    from solara.__main__ import cli
    from solara.server import settings

    settings.telemetry.mixpanel_enable = False
    # Served over plain http on an address (not "localhost"): solara warns about its cookie.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none", category=UserWarning)
    # Mesa 3.3's ComponentsView calls a hook after an early return (fixed in 3.5); solara warns.
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    args = ["run", "sim.present.explore", "--host", host, "--port", str(port), "--production"]
    args += ["--no-check-version", "--open" if open_browser else "--no-open"]
    try:
        cli.main(args=args, prog_name="solara", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C: uvicorn has shut down
        print("explorer stopped", flush=True)

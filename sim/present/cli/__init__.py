"""The ``parcours`` command line: a thin layer over the experiments (DESIGN.md, decision 9).

The model and its dependencies are imported only by the commands that run it, so that
``parcours validate`` answers at once. Bad input (an invalid scenario, an unknown sweep path, an
existing output directory) prints one message naming the file, the field and what is allowed,
exits with code 2 and writes nothing. An interrupted run (Ctrl-C) keeps its finished tasks and
says how to complete it with ``parcours resume``.

One module per group of commands, registered on ``main`` here:

- ``experiments``: run, compare, sweep, resume;
- ``planning``: allocate;
- ``explain``: explain (why one scenario differs from another);
- ``trial``: trial (a randomised controlled trial inside the territory); ``trial_tables``: its
  text output;
- ``calibration``: calibrate, sensitivity;
- ``results``: results list, results show, report;
- ``scenarios``: validate, explore;
- ``definitions``: indicators (their units and definitions);
- ``common``: the shared options, error handling and exit codes, progress, printing of results;
- ``tables``: the text tables and the JSON result.

A new command goes into the module of its group (or a new one) and is added to ``main`` below.
"""

from __future__ import annotations

import click

from sim.present.cli.calibration import calibrate, sensitivity
from sim.present.cli.common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, handles_errors
from sim.present.cli.definitions import indicators
from sim.present.cli.ensemble import add_ensemble_options
from sim.present.cli.experiments import compare, resume, run, sweep
from sim.present.cli.explain import explain
from sim.present.cli.planning import allocate
from sim.present.cli.results import report, results_group
from sim.present.cli.scenarios import explore, validate
from sim.present.cli.tables import allocation_report, difference_table, summary_table
from sim.present.cli.trial import trial

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "allocation_report",
    "difference_table",
    "handles_errors",
    "main",
    "summary_table",
]


@click.group()
@click.version_option(package_name="parcours")
def main() -> None:
    """Parcours: simulate insertion pathways in France under a policy scenario."""


for _command in (
    run,
    compare,
    sweep,
    trial,
    allocate,
    explain,
    calibrate,
    sensitivity,
    resume,
    report,
    validate,
    results_group,
    explore,
    indicators,
):
    main.add_command(_command)

for _command in (run, compare, sweep, allocate, explain):  # --ensemble POSTERIOR
    add_ensemble_options(_command)

"""The ``parcours`` command line: a thin layer over the experiments (DESIGN.md, decision 9).

Each command's module is imported only when that command runs (``main`` is a :class:`LazyGroup`,
click's documented pattern), and the model and its dependencies only by the commands that run
it, so that ``parcours validate`` and ``parcours results show`` answer at once. ``parcours
--help`` imports every command's module, to list each with its short help. Bad input (an invalid
scenario, an unknown sweep path, an existing output directory) prints one message naming the
file, the field and what is allowed, exits with code 2 and writes nothing. An interrupted run
(Ctrl-C) keeps its finished tasks and says how to complete it with ``parcours resume``.

One module per group of commands, registered in :data:`COMMANDS` below:

- ``experiments``: run, compare, sweep, resume;
- ``planning``: allocate;
- ``explain``: explain (why one scenario differs from another);
- ``trial``: trial (a randomised controlled trial inside the territory); ``trial_tables``: its
  text output;
- ``calibration``: calibrate, sensitivity;
- ``results``: results list, results show, results verify, report;
- ``scenarios``: validate, explore;
- ``definitions``: indicators (their units and definitions);
- ``common``: the shared options, error handling and exit codes, progress, printing of results;
- ``tables``: the text tables and the JSON result.

A new command goes into the module of its group (or a new one) and is added to
:data:`COMMANDS` below.
"""

from __future__ import annotations

import importlib

import click

COMMANDS = {
    "run": "experiments:run",
    "compare": "experiments:compare",
    "sweep": "experiments:sweep",
    "trial": "trial:trial",
    "allocate": "planning:allocate",
    "explain": "explain:explain",
    "calibrate": "calibration:calibrate",
    "sensitivity": "calibration:sensitivity",
    "resume": "experiments:resume",
    "report": "results:report",
    "validate": "scenarios:validate",
    "results": "results:results_group",
    "explore": "scenarios:explore",
    "indicators": "definitions:indicators",
}
"""Each command's name and where it is defined: ``module:attribute`` in this package."""

WITH_ENSEMBLE = ("run", "compare", "sweep", "allocate", "trial", "explain")
"""The commands that take ``--ensemble POSTERIOR`` (:mod:`sim.present.cli.ensemble`)."""

# Names this package exported before its commands were loaded lazily, and where they live now.
_EXPORTS = {
    "EXIT_BAD_INPUT": "common",
    "EXIT_INTERRUPTED": "common",
    "handles_errors": "common",
    "allocation_report": "tables",
    "difference_table": "tables",
    "summary_table": "tables",
}

__all__ = ["COMMANDS", "LazyGroup", "main", *_EXPORTS]


class LazyGroup(click.Group):
    """A click group whose commands are imported from their module when first asked for.

    Args:
        lazy: Command name to ``module:attribute`` (a module of this package).
        prepare: Called once on each command when it is loaded (e.g. to add options).
    """

    def __init__(self, *args, lazy: dict[str, str], prepare=None, **kwargs):
        """A group with the commands of ``lazy`` not yet imported."""
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)
        self.prepare = prepare

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, in alphabetical order (as click lists them)."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, imported (and prepared) the first time it is asked for."""
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            if self.prepare is not None:
                self.prepare(cmd_name, command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def _prepare(name: str, command: click.Command) -> None:
    if name in WITH_ENSEMBLE:  # --ensemble POSTERIOR
        from sim.present.cli.ensemble import add_ensemble_options

        add_ensemble_options(command)


@click.group(cls=LazyGroup, lazy=COMMANDS, prepare=_prepare)
@click.version_option(package_name="parcours")
def main() -> None:
    """Parcours: simulate insertion pathways in France under a policy scenario."""


def __getattr__(name: str):
    """The names re-exported from :mod:`~sim.present.cli.common` and ``tables``, on demand."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

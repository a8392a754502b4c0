"""Commands that look at a scenario without writing results: validate, explore."""

from __future__ import annotations

import click

from sim.present.cli.common import allow_dir_option, fail, handles_errors


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@allow_dir_option
@handles_errors
def validate(scenario) -> None:
    """Check SCENARIO (and the files it extends) as a run would, without running it.

    The schema, the funding parameters in force at run.start, the budgets and the size against
    the memory available: everything a run checks before it starts.
    """
    from sim.preflight import check_runnable, estimate
    from sim.scenario import load_scenario

    scn = load_scenario(scenario)
    check_runnable(scn)
    size = estimate(scn)
    click.echo(
        f"{scenario}: valid scenario {scn.name!r} ({scn.run.persons} persons, "
        f"{scn.run.months} months, seed {scn.run.seed}; about {size.rows:,} person rows, "
        f"{size.bytes / 2**30:.2f} GiB per task)"
    )


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to serve on (0: any free port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@allow_dir_option
@handles_errors
def explore(scenario, port, host, no_browser) -> None:
    """Move policy levers and watch SCENARIO [baseline] run, in a web page (Mesa SolaraViz)."""
    import socket

    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as err:
        fail(f"--host: {host!r} is not an address this machine can listen on ({err})")
    from sim.present.explore import serve

    try:
        serve(scenario, port=port, host=host, open_browser=not no_browser)
    except OSError as err:
        fail(f"--host/--port: cannot listen on {host}:{port} ({err.strerror or err})")

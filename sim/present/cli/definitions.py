"""The command that lists the indicators with their units and definitions: indicators."""

from __future__ import annotations

import json

import click

from sim.present.cli.common import json_option


@click.command()
@json_option
def indicators(as_json) -> None:
    """List the indicators: unit, direction and definition of each."""
    from sim.present.cli.tables import indicator_table, metadata_json

    if as_json:
        click.echo(json.dumps(metadata_json()))
        return
    click.echo(indicator_table())

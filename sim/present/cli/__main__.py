"""``python -m sim.present.cli``: the ``parcours`` command line."""

from sim.present.cli import main

main()

"""The figure style shared by every plot: palette, line styles, markers and font sizes.

Colours follow the Okabe-Ito palette (distinguishable by colour-blind readers); lines also differ
by style and marker, so that the plots stay readable in greyscale print. The style sits here, in
the lowest layer that draws figures (a sensitivity or calibration run writes its own figure), so
that :mod:`sim.present.plots` and the experiments' figures take it from one place without
``experiments`` importing ``present``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
RC = {"font.size": 9, "axes.titlesize": 10, "figure.dpi": 110}  # matplotlib rcParams


def figure_style() -> AbstractContextManager:
    """A context in which figures are drawn with :data:`RC`, whatever the global settings."""
    import matplotlib

    return matplotlib.rc_context(RC)

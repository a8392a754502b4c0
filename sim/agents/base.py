"""Common base of institution agents and the columnar table built from them."""

from __future__ import annotations

import mesa
import numpy as np


class Institution(mesa.Agent):
    """An institution: a Mesa agent with an ``index`` among the institutions of its kind.

    Static characteristics are plain attributes set from the scenario. The model keeps, for each
    kind, the same characteristics as NumPy arrays (see :func:`table`) so that rules on persons
    stay vectorised; the agent answers questions about its own current state from those arrays.
    """

    def __init__(self, model, index: int):
        """Register the agent with ``model`` at position ``index`` of its kind."""
        super().__init__(model)
        self.index = index


def table(agents: list, *attributes: str) -> dict[str, np.ndarray]:
    """Arrays of the given attributes, in the order of ``agents``."""
    return {a: np.array([getattr(ag, a) for ag in agents]) for a in attributes}

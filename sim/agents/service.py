"""Services with capacity that reduce obstacles, and pre-hire training (DOMAIN.md)."""

from __future__ import annotations

from sim.agents.base import Institution


class Service(Institution):
    """A service of the territory with places: crèche, mobility aid, French, health, training.

    Attributes:
        kind: "creche", "mobility", "french", "health" or "training".
        places: persons it serves at once.
    """

    def __init__(self, model, index: int, kind: str, places: int):
        """Build the service ``kind`` with ``places`` places."""
        super().__init__(model, index)
        self.kind = kind
        self.places = places

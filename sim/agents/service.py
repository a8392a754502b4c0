"""Services with capacity that reduce obstacles, and pre-hire training (DOMAIN.md)."""

from __future__ import annotations

from sim.agents.base import Institution


class Service(Institution):
    """A service of the territory with places: crèche, mobility, French, health, training.

    The open places of each service (``territory.services``) are one agent each; every group of
    places aimed at a public (``territory.service_groups``) is another.

    Attributes:
        kind: "creche", "mobility", "french", "health" or "training".
        places: persons it serves at once.
        group: its name in ``territory.service_groups``, or None for the open places.
    """

    def __init__(self, model, index: int, kind: str, places: int, group: str | None = None):
        """Build the service ``kind`` with ``places`` places."""
        super().__init__(model, index)
        self.kind = kind
        self.places = places
        self.group = group

"""Random draws derived from the scenario seed, keyed so that scenarios share them (DESIGN.md 7).

Each random process of the model (orientation, obstacle changes, each kind of hiring, separations,
departures...) has its own stream, named in ``STREAMS`` and derived from one
``numpy.random.SeedSequence``. Within a month, a draw is a function of the seed, the process,
the month, a label naming the draw in the process (``"leave"``, ``"incapacity"``...) and the
person's row, and of nothing else: a counter-based generator (the SplitMix64 output function of
the row under a 64-bit key made from the seed, process, month and label). Hence:

- **Common random numbers.** A person's draw does not depend on who else draws, on how many
  draws were made before it, by this process or another, nor on the policy: two scenarios run
  with the same seed give the same number to the same person for the same purpose, and differ
  only where their policies do.
- **Only what is needed is drawn.** A process draws for the rows at risk this month (the
  employed for a break, the persons outside support for an orientation), not for every row.
- **No state.** A month's draws do not depend on the months before, so a run can start from a
  snapshot of the model at any month and continue with the draws it would have had.

Draws other than uniforms (Poisson counts of vacancies and housing allocations) come from
``numpy.random.Generator(Philox(key))`` with the same keys (:meth:`Streams.generator`). The
persons and the arrival months are drawn once, when the model is built, from sequential
generators of their own streams (``streams["population"]``, ``streams["arrivals"]``).
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from sim.kernels import keyed_uniforms

STREAMS = (
    "population",
    "institutions",
    "arrivals",
    "departures",
    "orientation",
    "logic",
    "pathway",
    "services",
    "obstacles",
    "low_threshold",
    "siae_hiring",
    "employer_hiring",
    "immersion",
    "contracts",
    "separations",
    "housing",
    "renewals",  # appended: the streams before them keep their seeds
    "vacancies",
    "targeting",  # referent teams: outreach and the choice of a team
    "staff",  # who the referents see when hours run out; who gets a mediation contact
    "benefits",
    "duties",
    "measure",
)

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment: the golden ratio in 64 bits
KEYED = 2**31  # spawn-key offset of the keyed streams' bases (apart from the sequential ones)


def mix64(x: int) -> int:
    """SplitMix64's output function on a Python int (a bijection of 64-bit words)."""
    x &= MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def uniforms(key: int, rows: np.ndarray) -> np.ndarray:
    """One uniform float32 in [0, 1) per row: the top 24 bits of mix64(key + row x GAMMA).

    For a fixed key these are SplitMix64's outputs for the states ``key + row x GAMMA``, i.e.
    the SplitMix64 sequence seeded with ``key``, read at positions ``row``. Computed by a
    compiled loop (:func:`sim.kernels.keyed_uniforms`).
    """
    rows = np.asarray(rows).astype(np.int64, copy=False)  # one compiled version for all
    return keyed_uniforms(np.uint64(key & MASK), rows.reshape(-1))


def _label_hash(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


class Streams:
    """The random streams of one run, all derived from one seed (see the module docstring)."""

    def __init__(self, seed: int | np.random.SeedSequence):
        """Derive one stream per name in ``STREAMS``, in that fixed order."""
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.seed_sequence = root

        # Children as root.spawn() would give them, built without spawning, so that the caller's
        # SeedSequence is left untouched and can be used again.
        def child(*key: int) -> np.random.SeedSequence:
            return np.random.SeedSequence(
                root.entropy, spawn_key=(*root.spawn_key, *key), pool_size=root.pool_size
            )

        self._gens = {name: np.random.default_rng(child(i)) for i, name in enumerate(STREAMS)}
        self._base = {
            name: int(child(i, KEYED).generate_state(1, np.uint64)[0])
            for i, name in enumerate(STREAMS)
        }
        self._labels: dict[str, int] = {}
        self.month = 0
        self._used: set[tuple[str, str]] = set()

    def __getitem__(self, name: str) -> np.random.Generator:
        """The sequential generator of ``name``, for what is drawn once when the model is built."""
        return self._gens[name]

    def start_month(self, month: int) -> None:
        """Key the draws that follow by ``month`` (the model calls it at the start of a step)."""
        self.month = int(month)
        self._used.clear()

    def close_month(self) -> None:
        """End the month's check of repeated draws (the model calls it at the end of a step).

        A phase called again by hand after a step (in a test, a notebook) draws this month's
        numbers again; within a step the same purpose is still drawn once.
        """
        self._used.clear()

    def key(self, process: str, label: str = "") -> int:
        """The 64-bit key of a draw: the seed, ``process``, this month and ``label``.

        Raises:
            RuntimeError: the same draw was asked for twice this month (two purposes would get
                the same numbers): give each purpose its own label.
        """
        if (process, label) in self._used:
            raise RuntimeError(
                f"draw {process!r}/{label!r} made twice in month {self.month}: give each"
                " purpose its own label"
            )
        self._used.add((process, label))
        h = self._labels.get(label)
        if h is None:
            h = self._labels[label] = _label_hash(label)
        return mix64(mix64(self._base[process] ^ h) + (self.month & MASK) * GAMMA)

    def uniform(self, process: str, rows: np.ndarray | int, label: str = "") -> np.ndarray:
        """A uniform float32 in [0, 1) for each of ``rows`` (an int n: rows 0 to n - 1).

        The draw of a row depends only on the seed, ``process``, the month, ``label`` and the
        row: not on the other rows drawn, nor on the draws made before.
        """
        if isinstance(rows, int | np.integer):
            rows = np.arange(int(rows))
        return uniforms(self.key(process, label), rows)

    def draws(self, process: str, label: str = ""):
        """This month's draws of ``process`` under ``label``, for the rows asked for, on demand.

        Returns a function of ``rows`` giving each row the uniform :meth:`uniform` would give
        it: a phase that needs the same purpose's numbers for several groups of rows (those
        placed, then those still waiting) asks for each group when it knows it, and draws
        nothing for the rows never asked for. The draw counts as made (once) when this is
        called.
        """
        return functools.partial(uniforms, self.key(process, label))

    def chance(self, process: str, mask: np.ndarray, p, label: str) -> np.ndarray:
        """Whether each row where ``mask`` holds draws below ``p`` (False elsewhere).

        ``p`` is a probability, or one per row of ``mask``. The draws are keyed like
        :meth:`uniform`: a row's outcome depends only on the seed, the process, the month, the
        label and the row.
        """
        rows = np.flatnonzero(mask)
        out = np.zeros(np.shape(mask), dtype=bool)
        if rows.size:
            p = np.asarray(p)
            out[rows] = self.uniform(process, rows, label) < (p[rows] if p.ndim else p)
        return out

    def generator(self, process: str, label: str = "") -> np.random.Generator:
        """A generator for this month's non-uniform draws of ``process`` under ``label``."""
        return np.random.Generator(np.random.Philox(key=self.key(process, label)))

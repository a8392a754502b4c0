"""The reference: a one-rule Mesa model over the same persons and months as the full model.

One ``mesa.Agent`` per person of the stock (``run.persons``), each with a status; every month
the agents are activated in random order (``AgentSet.shuffle_do``, Mesa's usual loop) and apply
one rule: a person without a job finds one with probability 0.05, a person with a job loses it
with probability 0.02. This is the cheapest thing a Mesa model of these persons can do each month
with one agent object per person: the full model (``sim.model.InsertionModel``: nine phases, every
mechanism) is measured against it, in the same benchmark run (``bench_speed.py``).

Usage (prints one JSON line: build and run times in seconds)::

    .venv/bin/python benchmarks/mesa_loop.py PERSONS MONTHS
"""

from __future__ import annotations

import json
import sys
import time

import mesa

P_FIND = 0.05  # per month, a person without a job finds one (a round figure: any value will do)
P_LOSE = 0.02  # per month, a person with a job loses it


class Person(mesa.Agent):
    """A person with one state: employed or not."""

    def __init__(self, model):
        """Register the person, without a job."""
        super().__init__(model)
        self.employed = False

    def step(self) -> None:
        """The one rule: find or lose a job."""
        u = self.random.random()
        self.employed = u >= P_LOSE if self.employed else u < P_FIND


class OneRule(mesa.Model):
    """``persons`` persons, one rule a month."""

    def __init__(self, persons: int, seed: int = 1):
        """Create the persons."""
        super().__init__(rng=seed)
        Person.create_agents(self, persons)

    def step(self) -> None:
        """Every person applies the rule, in random order."""
        self.agents.shuffle_do("step")


def run(persons: int, months: int) -> dict:
    """Build and run the reference model; return its times and the employed share at the end."""
    t0, c0 = time.perf_counter(), time.process_time()
    model = OneRule(persons)
    t1 = time.perf_counter()
    for _ in range(months):
        model.step()
    t2, c2 = time.perf_counter(), time.process_time()
    employed = sum(a.employed for a in model.agents) / persons
    return {
        "persons": persons,
        "months": months,
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "cpu_s": c2 - c0,
        "employed": employed,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]), int(sys.argv[2]))), flush=True)

"""The sizes an experiment may have, checked before anything runs (stated in each message).

Kept apart from the modules that run experiments so that the command line can state them
without importing the model.
"""

MAX_TASKS = 100_000
"""Most tasks (scenarios x points x replications) in one experiment."""
MAX_REPLICATIONS = 10_000
"""Most replications of one scenario and point."""
MAX_SCENARIOS = 100
"""Most scenarios in one comparison."""
MAX_ALLOCATIONS = 1_000
"""Most allocations of an allocation grid, unless asked for more (``--yes``)."""
MAX_LHS = 100_000
"""Most points of a Latin hypercube."""
MAX_EVALUATIONS = 10_000
"""Most allocations the optimiser may try."""

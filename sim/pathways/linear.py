"""The staircase seed 003 attributes to the linear logic, "lever les freins" (L300-311, L356-360).

Phases in a fixed order, each held for its profile's duration: diagnostic -> obstacle removal ->
re-socialisation -> professional project -> training -> job search ("il importe dans un premier
temps de lever les freins, de « socialiser » les personnes, puis de les amener à élaborer un
projet professionnel ... de les « outiller » par de la formation technique et enfin ... de les
aider à chercher un travail", L307-311). The referent applies readiness gates: a person leaves
obstacle removal only when every obstacle is at most the profile's gate for it (``gates``), and
starts the project only with confidence of at least ``min_confidence``. A profile with zero
durations and open gates (the iterative one) passes every step in the first month.

The gates govern what the referent prescribes (immersions, IAE, contacts with employers), not
the person's own job search, which goes on (:mod:`sim.submodels.matching`).

Each person seen takes these steps in one compiled pass with the rest of the referents' work
(:func:`sim.kernels.pathway_month`, its staircase's steps 1 to 5); this module holds their
statement.
"""

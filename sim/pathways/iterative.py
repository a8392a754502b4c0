"""What seed 003 attributes to the iterative logic, "emploi d'abord" (L313-360, L388).

- **Entry by the wish** (L388: "Porte d'entrée : l'envie"): under a profile with ``wish_first``,
  the referent starts job-search prescriptions only once the person wishes to work; until then
  obstacles and confidence are worked (:mod:`sim.pathways.linear`, step 2).
- **Support in the job** (``dur_follow_up``, both profiles: seed 001 L117 lists "l'accompagnement
  de la reprise d'emploi" in an obstacle-first measure; seed 003 L330-334 "le suivi à la prise de
  poste"): the referent keeps the person for the profile's months after a hire
  (:mod:`sim.submodels.matching`), which lowers the risk of a break when the person is seen
  (:mod:`sim.submodels.contracts`); obstacles are still worked if the profile works them in
  parallel.
- **Training in the job** (L359: "Chercher ensuite à former en cours d'emploi"): under a profile
  with ``training: in_job``, a project that includes a training has it once in a job, in the
  territory's training slots, during the follow-up.
- **Goals revised after a job that did not work out** (L360: "Ajuster au fur et à mesure,
  objectifs et stratégies, à partir de l'objectif premier : l'Emploi"): after a break or an end
  during the follow-up, the pathway resumes at the profile's ``after_failed_job`` phase, job
  search at once with the same referent, or obstacle work to find the causes (L357)
  (:mod:`sim.submodels.contracts`).

Entry by the wish and training in the job are steps of the staircase, support in the job a step
of the referents' work (:func:`sim.kernels.pathway_month`); this module holds their statement.
"""

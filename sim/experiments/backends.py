"""Where tasks run: in this process, on local worker processes, or on a Dask cluster.

A backend applies one function to a list of tasks (plain mappings with a unique ``id``) and
yields the results as they complete. Local workers are processes started with "spawn"; the
default number of workers is the number of cores, and one worker runs in this process. With Dask,
``scheduler="tcp://host:8786"`` joins an existing cluster (its workers need Parcours installed and
the run directory on a shared file system) and ``backend="dask"`` without a scheduler starts a
local cluster for the session.

The experiment runner (:mod:`sim.experiments.execution`) and the calibration
(:mod:`sim.experiments.calibration`) both run their tasks through :func:`backend_session`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed as futures_completed
from contextlib import contextmanager

BACKENDS = ("local", "dask")


def local_pool(workers: int):
    """A pool of ``workers`` local processes (started with "spawn"), to reuse across calls."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def backend_session(
    workers: int, backend: str = "local", scheduler: str | None = None, pool=None
) -> Iterator[Callable[[Callable, list[dict]], Iterator]]:
    """One backend kept open across batches: yields ``run(fn, tasks)``, an iterator of results.

    ``run`` applies ``fn`` to each task (a mapping with a unique ``id``) and yields the results
    as they complete: in this process (one worker), on local processes (or a given ``pool``),
    or on Dask (``backend="dask"`` starts a local cluster; ``scheduler`` joins an existing one).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    if pool is None and (backend == "dask" or scheduler):
        with _dask_client(workers, scheduler) as client:
            from dask.distributed import as_completed

            def run_dask(fn, tasks):
                keys = [f"parcours-{t['id']}-{uuid.uuid4().hex[:8]}" for t in tasks]
                for future in as_completed(client.map(fn, tasks, pure=False, key=keys)):
                    yield future.result()

            yield run_dask
        return
    if pool is None and workers <= 1:
        yield lambda fn, tasks: (fn(t) for t in tasks)
        return
    own = pool is None
    pool = local_pool(workers) if own else pool

    def run_local(fn, tasks):
        futures = [pool.submit(fn, t) for t in tasks]
        try:
            for future in futures_completed(futures):
                yield future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise

    try:
        yield run_local
    finally:
        if own:
            pool.shutdown(cancel_futures=True)


@contextmanager
def _dask_client(workers: int, scheduler: str | None):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(
            n_workers=max(workers, 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

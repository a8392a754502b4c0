"""Where tasks run: in this process, on local worker processes, or on a Dask cluster.

A backend applies one function to a list of tasks (plain mappings with a unique ``id``) and
yields the results as they complete. Local workers are processes started with "spawn"; the
default number of workers is the number of cores, and one worker runs in this process. With Dask,
``scheduler="tcp://host:8786"`` joins an existing cluster (its workers need Parcours installed and
the run directory on a shared file system) and ``backend="dask"`` without a scheduler starts a
local cluster for the session.

Local workers die with their parent: each watches the process that started it (a thread checks
its parent's pid every :data:`WATCH_SECONDS`) and exits when that process is gone, so that a killed
run leaves no worker computing tasks nobody will collect. A scheduler address is checked
(:func:`check_scheduler`) before anything is written: its form, its host, and, within
:data:`CONNECT_SECONDS`, a connection whose first bytes are a Dask scheduler's handshake; an
address where nothing, or something else, answers is refused naming it.

The experiment runner (:mod:`sim.experiments.execution`) and the calibration
(:mod:`sim.experiments.calibration`) both run their tasks through :func:`backend_session`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed as futures_completed
from contextlib import contextmanager

BACKENDS = ("local", "dask")
PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies (Linux)
WATCH_SECONDS = 1.0
"""How often a local worker checks that the process that started it is alive [s]."""
CONNECT_SECONDS = 5.0
"""How long to wait for a Dask scheduler to answer [s]."""
GREETING_BYTES = 256
"""Bytes of a scheduler's first message read to recognise it."""
MAX_WORKERS = 256
"""Most local worker processes."""
ADDRESS = re.compile(
    r"^(?:(?P<scheme>tcp|tls)://)?(?P<host>\[[0-9a-fA-F:.]+\]|[^:/\s]+):(?P<port>\d+)$"
)


class BackendError(ValueError):
    """A backend cannot be used (an unusable scheduler address): bad input, nothing written."""


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this process the moment its parent dies (no-op elsewhere).

    ``PR_SET_PDEATHSIG`` fires when the thread that started the process exits: the pools of this
    module are created and shut down by one thread (:func:`local_pool`'s callers).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the watchdog thread alone
        return


def _watch_parent(parent: int) -> None:
    """Initialiser of local workers: exit as soon as ``parent`` is no longer this one's parent.

    The kernel kills the worker with its parent (Linux); a thread checking the parent every
    :data:`WATCH_SECONDS` does it elsewhere, and covers a parent that died before the request.
    """
    _die_with_parent()
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(WATCH_SECONDS)

    threading.Thread(target=watch, name="parcours-parent-watch", daemon=True).start()


def local_pool(workers: int):
    """A pool of ``workers`` local processes (started with "spawn"), to reuse across calls.

    Each worker exits when the process that started it dies.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=min(workers, MAX_WORKERS),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )


def check_scheduler(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Refuse a Dask scheduler address that is malformed, unknown or does not answer.

    Args:
        address: ``tcp://HOST:PORT`` (or ``tls://``, or ``HOST:PORT``).
        timeout: seconds to wait for the connection.

    Raises:
        BackendError: naming the address and what is wrong, within about ``timeout`` seconds.
    """
    m = ADDRESS.match(address.strip())
    if m is None:
        raise BackendError(
            f"--scheduler {address!r}: not a scheduler address; expected tcp://HOST:PORT"
        )
    host, port = m.group("host").strip("[]"), int(m.group("port"))
    if not 0 < port < 65536:
        raise BackendError(f"--scheduler {address}: port {port} is not between 1 and 65535")
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise BackendError(f"--scheduler {address}: unknown host {host!r} ({err})") from None
    if m.group("scheme") in (None, "tcp"):
        try:
            greeting = _greeting(host, port, timeout)
        except OSError as err:
            reason = "no answer" if isinstance(err, TimeoutError) else err.strerror or str(err)
            raise BackendError(
                f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s ({reason})"
            ) from None
        if not _is_dask_handshake(greeting):
            raise BackendError(
                f"--scheduler {address}: something answers there, but not a Dask scheduler"
            )


def _greeting(host: str, port: int, timeout: float) -> bytes:
    """The first bytes a server sends on connection (a Dask scheduler sends its handshake)."""
    deadline = time.monotonic() + timeout
    data = b""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        while len(data) < GREETING_BYTES:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                chunk = sock.recv(GREETING_BYTES - len(data))
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
    if not data:
        raise TimeoutError("no answer")
    return data


def _is_dask_handshake(data: bytes) -> bool:
    """Whether ``data`` starts like the handshake of Dask's TCP protocol.

    A message is its length and its number of frames (little-endian 64-bit integers), the
    frames' lengths, then msgpack frames; the handshake names ``compression`` and
    ``pickle-protocol``. Anything else (an HTTP proxy's reply, say) is not a scheduler.
    """
    if len(data) < 16:
        return False
    total, frames = struct.unpack("<QQ", data[:16])
    sane = 16 <= total <= 1 << 20 and 1 <= frames <= 64
    return sane and (b"pickle-protocol" in data or b"compression" in data)


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
        raise BackendError(f"--backend {backend!r}: unknown; allowed: {', '.join(BACKENDS)}")
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
        check_scheduler(scheduler)
        try:
            client, cluster = Client(scheduler, timeout=f"{CONNECT_SECONDS:g}s"), None
        except (OSError, TimeoutError) as err:
            raise BackendError(
                f"--scheduler {scheduler}: the Dask scheduler did not answer ({err})"
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=max(min(workers, MAX_WORKERS), 1),
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

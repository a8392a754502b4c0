"""Freed memory kept for the next month's arrays, instead of handed back to the system.

A month allocates and frees several hundred temporary arrays the size of a column (1.5 MB at
190,000 rows). glibc's ``malloc`` serves blocks that large with ``mmap`` and unmaps them when
they are freed, or trims the top of its heap: each new temporary's pages are then faulted in and
zeroed again by the kernel. At 100,000 persons that took about a fifth of a run
(``benchmarks/README.md``). :func:`keep_freed_memory` asks ``malloc`` to serve every block from
its heap (``M_MMAP_MAX = 0``) and to keep up to 1 GiB of freed memory at its top
(``M_TRIM_THRESHOLD``): a process's memory then stays near its peak use instead of going up and
down each month.

It is called when a model is built, once per process, on Linux with glibc; elsewhere it does
nothing. ``PARCOURS_MALLOC=system`` leaves the allocator as it is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # mallopt's parameters (glibc's malloc.h)
KEEP_FREED = 1 << 30  # bytes of freed memory kept at the top of the heap

_done = False


def keep_freed_memory() -> bool:
    """Tune glibc's ``malloc`` (module docstring); True if it is tuned, now or before."""
    global _done
    if _done:
        return True
    if os.environ.get("PARCOURS_MALLOC", "") == "system" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _done = bool(libc.mallopt(M_MMAP_MAX, 0)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREED)
        )
    except (OSError, AttributeError):
        return False
    return _done

"""What machine a benchmark ran on, printed at the top of its figures."""

from __future__ import annotations

import os
import platform

GB = 1024**3


def describe() -> str:
    """Python version, system, cores and memory of this machine."""
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / GB:.1f} GB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()},"
        f" {os.cpu_count()} CPUs{mem}"
    )

"""What machine a benchmark ran on, printed at the top of its figures."""

from __future__ import annotations

import os
import platform
import resource
import sys

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


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far, in bytes (``VmHWM``, else getrusage)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def load() -> str:
    """The load averages over 1, 5 and 15 minutes, as ``uptime`` prints them."""
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"

"""The machine a benchmark ran on, as Markdown lines: CPU, OS, Python, library versions, load.

Benchmarks run as scripts (``python benchmarks/bench_x.py``), so they import this as ``_machine``.
"""

from __future__ import annotations

import importlib
import os
import platform


def cpu_name():
    """The CPU's model name from /proc/cpuinfo where there is one, else platform's word."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def load_line(when="start"):
    """``load average at <when> (1, 5, 15 min): a, b, c``, or '' where the OS has none."""
    if not hasattr(os, "getloadavg"):
        return ""
    return f"load average at {when} (1, 5, 15 min): " + ", ".join(
        f"{x:.2f}" for x in os.getloadavg())


def describe(*modules):
    """Markdown bullet lines: the machine, Python and each named module's version (``jax`` with
    its backend), and the load average now."""
    versions = []
    for name in modules:
        module = importlib.import_module(name)
        version = f"{name} {module.__version__}"
        if name == "jax":
            version += f" on {module.default_backend()}"
        versions.append(version)
    lines = [f"- {cpu_name()}, {os.cpu_count()} logical CPUs, {platform.platform()}, "
             f"Python {platform.python_version()}"]
    if versions:
        lines.append("- " + ", ".join(versions))
    if load_line():
        lines.append("- " + load_line())
    return "\n".join(lines)


def busy_cpu_s():
    """CPU-seconds every process on the machine has used since boot (Linux), else None: the
    difference over a timed run, less the run's own CPU time, is what others took meanwhile."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

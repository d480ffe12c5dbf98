"""What every demo shares: a report that records its key numbers and its checks against the
seed document, and the progress messages."""

from __future__ import annotations

import numpy as np

from ..report import Report
from ..report._background import FigureRenderer

__all__ = ["DemoReport", "Steps", "mse"]

# A demo report holds dozens of figures: they render in a worker process while the demo trains
# its next model (one worker, started with the first figure, shared by every demo).
RENDERER = FigureRenderer()


class DemoReport(Report):
    """A :class:`~nnfit.report.Report` that also keeps the demo's numbers and checks.

    Attributes
    ----------
    numbers : dict
        Key results by name (floats, lists, small dicts): what tests and scripts read.
    checks : list of dict
        Each comparison with the seed: ``check``, ``expected``, ``got``, ``tolerance``, ``passed``.
    quick : bool
        Whether the demo ran in quick mode.
    """

    def __init__(self, title, subtitle=None, *, quick=False, dpi=None):
        super().__init__(title, subtitle, dpi=dpi or (72 if quick else 100), renderer=RENDERER)
        self.numbers = {}
        self.checks = []
        self.quick = quick

    def check(self, name, got, expected, *, atol=0.0, rtol=0.0, note=""):
        """Compare ``got`` with ``expected`` (arrays allowed); a failure becomes a warning.

        Passes when ``|got - expected| <= atol + rtol * |expected|`` everywhere.

        Returns
        -------
        bool
        """
        g = np.asarray(got, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        same = g.shape == e.shape
        diff = float(np.max(np.abs(g - e))) if same and g.size else float("nan")
        ok = bool(same and np.all(np.abs(g - e) <= atol + rtol * np.abs(e)))
        tolerance = " + ".join(t for t in (f"{atol:g}" if atol else "",
                                           f"{rtol:g}·|expected|" if rtol else "") if t) or "exact"
        self.checks.append({"check": name, "expected": _show(e), "got": _show(g),
                            "max |difference|": f"{diff:.3g}", "tolerance": tolerance,
                            "passed": ok})
        if not ok:
            shape = "" if same else f" (shape {g.shape}, expected {e.shape})"
            self.add_warning(f"Check failed: {name}: expected {_show(e)}, got {_show(g)}{shape}, "
                             f"max |difference| {diff:.3g} (tolerance {tolerance})."
                             f"{' ' + note if note else ''}")
        return ok

    def check_true(self, name, condition, detail):
        """Record a yes/no check (``detail`` says what was seen); a failure becomes a warning."""
        ok = bool(condition)
        self.checks.append({"check": name, "expected": "true", "got": detail,
                            "max |difference|": "–", "tolerance": "–", "passed": ok})
        if not ok:
            self.add_warning(f"Check failed: {name}: {detail}.")
        return ok

    def add_checks_table(self, caption="Checks against the seed document"):
        """The checks so far as a table."""
        import pandas as pd

        frame = pd.DataFrame(self.checks, columns=["check", "expected", "got", "max |difference|",
                                                    "tolerance", "passed"])
        frame["passed"] = frame["passed"].map({True: "yes", False: "NO"})
        return self.add_table(frame, caption)


def _show(a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return f"{float(a):.10g}"
    if a.size > 4:
        return f"{a.size} values from {a.ravel()[0]:.6g} to {a.ravel()[-1]:.6g}"
    return "[" + ", ".join(f"{v:.10g}" for v in a.ravel()) + "]"


class Steps:
    """Tell ``progress`` (a ``callable(str)`` or None) which step runs, numbered."""

    def __init__(self, progress):
        self.progress = progress
        self.count = 0

    def __call__(self, text):
        self.count += 1
        if self.progress is not None:
            self.progress(text)


def mse(y, y_hat):
    """Mean squared error of two arrays of shape (n,)."""
    r = np.asarray(y, dtype=np.float64).ravel() - np.asarray(y_hat, dtype=np.float64).ravel()
    return float(np.mean(r ** 2))

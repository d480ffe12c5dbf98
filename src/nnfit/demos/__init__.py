"""The five seed documents, each reproduced end to end as one self-contained HTML report.

Contract
--------
``DEMOS`` maps each demo's name to ``(module, title)``, in the seeds' order. A demo module
(``nnfit.demos.seed000`` ...) exposes

- ``TITLE``: the report's title; ``SUMMARY``: one line for the index page;
- ``build(quick=False, progress=None) -> nnfit.report.Report``: run every analysis of its seed
  and return the report. ``quick=True`` is the fast version for tests (fewer epochs where
  training is slow), with the same sections; ``progress`` is an optional ``callable(str)``
  told which step runs. The report carries ``.numbers`` (a dict of the key results, for tests
  and scripts) and ``.checks`` (the comparisons with the seed's own numbers; a failed one is
  also a report warning).

:func:`run_demo` builds one demo and writes ``<out_dir>/<name>.html``; :func:`run_all` runs
them all and writes ``<out_dir>/index.html`` linking each. Modules are imported only when
their demo runs, so ``import nnfit.demos`` is instant.

Examples
--------
>>> list(list_demos())[:2]
['regression-intuition', 'linear-from-scratch']
>>> run_demo("linear-from-scratch", "demo-out")        # doctest: +SKIP
'demo-out/linear-from-scratch.html'
"""

from __future__ import annotations

import html
import importlib
import os
import time
import traceback

__all__ = ["DEMOS", "DemoFailed", "list_demos", "run_demo", "run_all"]

# name -> (module in nnfit.demos, title); the order is the seeds' order
DEMOS = {
    "regression-intuition": ("seed000", "Regression intuition"),
    "linear-from-scratch": ("seed001", "Linear regression from scratch"),
    "nonlinear-models": ("seed002", "Flexible nonlinear models for regression"),
    "gradient-descent": ("seed003", "Gradient descent and mini-batches"),
    "capacity": ("seed004", "Capacity and regularisation"),
}


class DemoFailed(RuntimeError):
    """One or more demos of :func:`run_all` raised; the index page lists which, and why.

    Attributes
    ----------
    index : str
        The path of the index page, written before this was raised.
    failures : dict of str -> str
        Demo name -> the error's one-line description.
    tracebacks : dict of str -> str
        Demo name -> the full traceback.
    """

    def __init__(self, message, index, failures, tracebacks=None):
        super().__init__(message)
        self.index = index
        self.failures = failures
        self.tracebacks = dict(tracebacks or {})


def list_demos():
    """The demos by name, in the seeds' order: ``{name: title}``.

    Returns
    -------
    dict of str -> str
    """
    return {name: title for name, (_, title) in DEMOS.items()}


def _module(name):
    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; the demos are {', '.join(DEMOS)}")
    return importlib.import_module(f"{__name__}.{DEMOS[name][0]}")


def _build(name, quick, progress):
    """Build one demo's report, timed; the report gains an 'About this run' section."""
    module = _module(name)
    started = time.perf_counter()
    report = module.build(quick=quick, progress=progress)
    seconds = time.perf_counter() - started
    report.add_section("About this run")
    report.add_text(
        f"Built by nnfit.demos.run_demo({name!r}{', quick=True' if quick else ''}) in "
        f"{seconds:.1f} s, JAX compilation included"
        + (" (quick mode: fewer epochs where training is slow; the same sections)." if quick
           else "."))
    report.add_environment()
    report.runtime_s = seconds
    return report, seconds


def run_demo(name, out_dir, *, quick=False, progress=None):
    """Run one demo and write its report to ``<out_dir>/<name>.html``.

    Parameters
    ----------
    name : str
        One of :func:`list_demos`.
    out_dir : str or path
        Created if missing.
    quick : bool
        Fewer epochs where training is slow, the same sections (for tests).
    progress : callable(str), optional
        Told which step runs.

    Returns
    -------
    str
        The path of the written HTML file.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the demos.
    """
    report, _ = _build(name, quick, progress)
    return report.write(os.path.join(os.fspath(out_dir), f"{name}.html"))


def run_all(out_dir, *, quick=False, progress=None):
    """Run every demo, write each report and an index page linking them.

    A demo that raises does not stop the others: the index says which failed and why, and
    :class:`DemoFailed` is raised once the index is written.

    Parameters
    ----------
    out_dir : str or path
    quick : bool
    progress : callable(str), optional
        Told which demo and step runs, e.g. ``"[2/5] linear-from-scratch: training"``.

    Returns
    -------
    str
        The path of ``<out_dir>/index.html``.
    """
    out_dir = os.fspath(out_dir)
    rows, failures, tracebacks = [], {}, {}
    started = time.perf_counter()
    for k, (name, (_, title)) in enumerate(DEMOS.items(), start=1):
        prefix = f"[{k}/{len(DEMOS)}] {name}"
        tell = None if progress is None else (
            lambda step, prefix=prefix: progress(f"{prefix}: {step}"))
        if progress is not None:
            progress(f"{prefix}: starting")
        row = {"name": name, "title": title, "summary": "", "seconds": None, "warnings": None,
               "error": None}
        t = time.perf_counter()
        try:
            row["summary"] = getattr(_module(name), "SUMMARY", "")
            report, row["seconds"] = _build(name, quick, tell)
            report.write(os.path.join(out_dir, f"{name}.html"))
            row["warnings"] = len(report.warnings)
        except Exception as err:  # one broken demo must not hide the others
            row["seconds"] = time.perf_counter() - t
            first = (str(err).strip().splitlines() or [""])[0]
            row["error"] = f"{type(err).__name__}: {first}".rstrip(": ")
            failures[name] = row["error"]
            tracebacks[name] = traceback.format_exc()
            if progress is not None:
                progress(f"{prefix}: failed: {row['error']}")
        rows.append(row)
    index = _index(rows, quick, time.perf_counter() - started).write(
        os.path.join(out_dir, "index.html"))
    if failures:
        raise DemoFailed(f"{len(failures)} of {len(DEMOS)} demos failed ({', '.join(failures)}); "
                         f"see {index}", index, failures, tracebacks)
    return index


def _index(rows, quick, seconds):
    """The index page: one row per demo with its title, summary, runtime, warnings and link."""
    from ..report import Report

    written = sum(row["error"] is None for row in rows)
    report = Report("nnfit demos: the five seed documents, reproduced",
                    subtitle=f"{written} of {len(rows)} reports written · {seconds:.0f} s in all"
                             + (" · quick mode" if quick else ""))
    report.add_section("Reports")
    report.add_text("Each seed document reproduced end to end with nnfit: every analysis it "
                    "shows, its printed numbers recomputed and checked, and what it leaves out. "
                    "A warning in a report means a check against the seed failed.")
    cells = []
    for row in rows:
        link = (f'<a href="{html.escape(row["name"])}.html">{html.escape(row["title"])}</a>'
                if row["error"] is None else html.escape(row["title"]))
        if row["error"] is not None:
            status = f'<span style="color:var(--warn)">failed: {html.escape(row["error"])}</span>'
        elif row["warnings"]:
            status = f'<span style="color:var(--warn)">{row["warnings"]} warning(s)</span>'
        else:
            status = "all checks passed"
        cells.append(f"<tr><td>{link}<br><code>{html.escape(row['name'])}</code></td>"
                     f"<td>{html.escape(row['summary'])}</td>"
                     f'<td class="num">{row["seconds"]:.1f} s</td><td>{status}</td></tr>')
    report.add_html('<table><thead><tr><th>demo</th><th>what it shows</th>'
                    '<th class="num">runtime</th><th>checks</th></tr></thead><tbody>'
                    + "".join(cells) + "</tbody></table>")
    report.add_section("About this run")
    report.add_environment()
    return report

"""Run folders: everything a command produced, in files a person or a program can read.

A run folder holds ``config.toml`` (the effective experiment), the fit (``fit.json``,
``params.npz``, ``history.csv``, see :meth:`nnfit.Fit.save`), ``report.html`` and
``status.json`` (finished, interrupted or diverged). Every file is
written to a temporary name and renamed into place, so an interrupted command leaves either
the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os

from .fitted import _atomic_write


def toml_dumps(tables):
    """Write a dict of tables of scalars and lists as TOML (enough for experiment files)."""
    lines = []
    for table, values in tables.items():
        if not values:
            continue
        lines.append(f"[{table}]")
        for key, value in values.items():
            if value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))


def save_run(folder, fit, config, *, status="finished", message="", X=None, y=None):
    """Write a run folder for ``fit``; returns the paths written.

    Parameters
    ----------
    folder : str
    fit : Fit
    config : dict
        The experiment as TOML tables (``data``, ``model``, ``train``).
    status : {'finished', 'interrupted', 'diverged'}
    message : str
        What happened, for ``status.json``.
    X, y : arrays, optional
        Data for the report's figures.
    """
    os.makedirs(folder, exist_ok=True)
    fit.save(folder)
    _atomic_write(os.path.join(folder, "config.toml"), lambda f: f.write(toml_dumps(config)), "w")
    _atomic_write(os.path.join(folder, "status.json"),
                  lambda f: json.dump({"status": status, "message": message,
                                       "epochs_run": fit.epochs_run.tolist(),
                                       "stop_reasons": fit.stop_reasons}, f, indent=2), "w")
    written = ["config.toml", "fit.json", "params.npz", "history.csv", "status.json"]
    report = write_report(folder, fit, X=X, y=y)
    if report:
        written.append(report)
    return [os.path.join(folder, name) for name in written]


def write_report(folder, fit, X=None, y=None):
    """Write ``report.html`` for a fit trained on ``X``, ``y``; returns its file name."""
    from .report import fit_report

    report = fit_report(fit, X=X, y=y, X_train=X, y_train=y,
                        title=os.path.basename(os.path.abspath(folder)))
    report.write(os.path.join(folder, "report.html"))
    return "report.html"

"""Run folders: everything a command produced, in files a person or a program can read.

A run folder holds ``config.toml`` (the effective experiment), the fit (``fit.json``,
``params.npz``, ``history.csv``, see :meth:`nnfit.Fit.save`), ``data.npz`` (the rows the fit was
trained on, for the report: plain arrays, read without pickle), ``status.json`` (finished,
interrupted or diverged), ``report.html`` and ``manifest.json`` (every other file's size and
SHA-256). The folder is written as a whole, into a temporary sibling that then takes its place
in one step (:mod:`nnfit._runfolder`), so an interrupted or killed command leaves either the
complete old run or the complete new one, never a mix. ``nnfit report`` reads only the files
inside the folder.
"""

from __future__ import annotations

import json
import os

import numpy as np

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
    """Write a run folder for ``fit``, as a whole; returns the paths written.

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
        The training data, saved in ``data.npz`` for the report's figures.

    Returns
    -------
    list of str
        The files written. A report that fails to render is left out with a ``RuntimeWarning``
        (the run matters more than its report; ``nnfit report`` tries again).
    """
    import warnings

    from ._runfolder import replacing

    title = os.path.basename(os.path.abspath(folder))
    with replacing(folder) as tmp:
        written = fit._write_files(tmp)
        with open(os.path.join(tmp, "config.toml"), "w") as f:
            f.write(toml_dumps(config))
        with open(os.path.join(tmp, "status.json"), "w") as f:
            json.dump({"status": status, "message": message,
                       "epochs_run": fit.epochs_run.tolist(),
                       "stop_reasons": fit.stop_reasons}, f, indent=2)
        written += ["config.toml", "status.json"]
        if X is not None and y is not None:
            _write_data(os.path.join(tmp, "data.npz"), X, y)
            written.append("data.npz")
        try:
            written.append(write_report(tmp, fit, X=X, y=y, title=title))
        except Exception as err:  # noqa: BLE001 - the run matters more than its report
            warnings.warn(f"the run is saved without report.html: rendering it failed "
                          f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}); "
                          f"nnfit report {os.fspath(folder)} tries again", RuntimeWarning,
                          stacklevel=2)
    return [os.path.join(folder, name) for name in written]


def _write_data(path, X, y):
    """The training rows as plain arrays: X (n, n_features) floats, y numbers or labels."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if y.dtype == object:
        y = y.astype(str)  # labels as a unicode array: no pickle
    with open(path, "wb") as f:
        np.savez(f, X=X, y=y)


def read_data(folder, n_inputs):
    """The training rows of a run folder (``data.npz``), checked; None when it has none.

    Raises
    ------
    RunFolderError
        ``data.npz`` disagrees with the manifest, cannot be read, or does not fit the network.
    """
    from ._runcheck import REWRITE, read_npz, verify
    from .errors import RunFolderError

    path = os.path.join(folder, "data.npz")
    verify(folder, ("data.npz",))  # first: a listed data.npz that is gone is a changed folder
    if not os.path.exists(path):
        return None
    arrays = read_npz(path, "the run's data")
    X, y = arrays.get("X"), arrays.get("y")
    if X is None or y is None or set(arrays) != {"X", "y"}:
        raise RunFolderError(f"{path} holds {sorted(arrays)}, not X and y; {REWRITE}")
    if X.ndim != 2 or X.shape[1] != n_inputs or not np.issubdtype(X.dtype, np.number):
        raise RunFolderError(f"{path}: X has shape {X.shape} ({X.dtype}), but the fit takes "
                             f"{n_inputs} feature(s): numbers of shape (n, {n_inputs}); {REWRITE}")
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise RunFolderError(f"{path}: y has shape {y.shape} for {len(X)} rows of X; {REWRITE}")
    return X, y


def write_report(folder, fit, X=None, y=None, *, title=None):
    """Write ``report.html`` for a fit trained on ``X``, ``y``; returns its file name."""
    from .report import fit_report

    fit = fit.encoded()  # the report draws the network's inputs: the rows data.npz holds
    report = fit_report(fit, X=X, y=y, X_train=X, y_train=y,
                        title=title or os.path.basename(os.path.abspath(folder)))
    report.write(os.path.join(folder, "report.html"))
    return "report.html"

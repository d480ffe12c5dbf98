"""A saved fit's files: ``fit.json``, ``params.npz`` and ``history.csv``, written and read back.

:meth:`nnfit.Fit.save` writes them into the temporary folder that :mod:`nnfit._runfolder` puts
in place as a whole, and :meth:`nnfit.Fit.load` reads them back, each file checked by
:mod:`nnfit._runcheck` before anything is built from it. JSON, CSV and ``.npz`` only: no pickle,
so a saved fit can be read (and trusted) without running its author's code.
"""

from __future__ import annotations

import json
import os

import numpy as np

from .errors import RunFolderError
from .mlp import MLP, Network

FORMAT_VERSION = 1
FILES = ("fit.json", "params.npz", "history.csv")


def write_files(fit, folder):
    """Write a Fit's fit.json, params.npz and history.csv into the (new, temporary) ``folder``.

    Returns
    -------
    list of str
        The names of the files written.
    """
    arrays = {}
    for i, (W, b) in enumerate(fit._member_params):
        arrays[f"W{i}"], arrays[f"b{i}"] = W, b
    if fit.network.mean is not None:
        arrays["mean"], arrays["var"] = fit.network.mean, fit.network.var
    for key, value in (fit.input_stats or {}).items():
        arrays[f"input_{key}"] = value
    histories = fit.histories
    meta = {
        "format": FORMAT_VERSION, "spec": _spec_to_json(fit.network.spec),
        "n_inputs": fit.network.n_inputs, "n_outputs": fit.network.n_outputs,
        "n_adapted": fit.network.n_adapted, "config": _jsonable(fit.config),
        "task": fit.task, "classes": None if fit.classes is None else fit.classes.tolist(),
        "y_shape": list(fit.y_shape),
        "feature_names": None if fit.feature_names is None else list(fit.feature_names),
        "dtype": fit.dtype, "stop_reasons": fit.stop_reasons,
        "best_epoch": None if fit.best_epoch is None else fit.best_epoch.tolist(),
        "timings": fit.timings, "solver_info": _jsonable(fit.solver_info),
        "epochs_run": fit.epochs_run.tolist(),
        "table": None if fit.table is None else fit.table.to_dict(),
        "notes": list(fit.notes), "data_warnings": list(fit.data_warnings),
        "scores": _jsonable(fit.scores),
    }
    with open(os.path.join(folder, "params.npz"), "wb") as f:
        np.savez(f, **arrays)
    with open(os.path.join(folder, "history.csv"), "w", newline="") as f:
        histories.to_csv(f, index=False)
    with open(os.path.join(folder, "fit.json"), "w") as f:
        json.dump(meta, f, indent=2)
    return list(FILES)


def read_files(folder):
    """Read and check the files :func:`write_files` wrote: what :class:`~nnfit.Fit` is built of.

    Returns
    -------
    network : Network
    member_params : list of (W, b)
        Each with a leading member axis.
    histories : pandas.DataFrame
    fields : dict
        The Fit's keyword arguments (``config``, ``task``, ``classes``, ...).

    Raises
    ------
    FileNotFoundError, RunFolderError
        As :meth:`nnfit.Fit.load` says.
    """
    from . import _runcheck as rc
    from ._runfolder import recover

    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        recover(folder)  # a save that died between its two renames
    path = os.path.join(folder, "fit.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{folder!r} holds no saved fit (no fit.json); give the "
                                "folder a fit was saved to")
    rc.verify(folder, FILES)
    meta = rc.read_versioned_json(path, FORMAT_VERSION, "")
    rc.check_meta(meta, path)
    try:
        spec = MLP(**meta["spec"])
    except (TypeError, ValueError) as err:
        raise RunFolderError(f"{path}: 'spec' is not a network this nnfit builds "
                             f"({rc._reason(err)}); {rc.REWRITE}") from None
    layer_sizes = (meta["n_inputs"], *spec.hidden, meta["n_outputs"])
    params, mean, var, stats = rc.read_params(os.path.join(folder, "params.npz"),
                                              layer_sizes, spec.normalize)
    n_members = params[0][0].shape[0]
    rc.check_members(meta, path, n_members)
    histories = rc.read_history(os.path.join(folder, "history.csv"), n_members,
                                meta.get("epochs_run"))
    network = Network(spec, meta["n_inputs"], meta["n_outputs"], mean, var, meta["n_adapted"])
    fields = dict(config=meta["config"], task=meta["task"], classes=meta["classes"],
                  y_shape=meta["y_shape"], feature_names=meta["feature_names"],
                  dtype=meta["dtype"], stop_reasons=meta["stop_reasons"],
                  best_epoch=meta["best_epoch"], timings=meta["timings"],
                  solver_info=meta.get("solver_info"), input_stats=stats,
                  table=rc.read_table_spec(meta, path), notes=rc.string_list(meta, "notes", path),
                  data_warnings=rc.string_list(meta, "data_warnings", path),
                  scores=rc.scores(meta, path))
    return network, params, histories, fields


def _spec_to_json(spec):
    """The network's options (an :class:`~nnfit.mlp.MLP`) as JSON: tuples become lists."""
    from dataclasses import asdict
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(spec).items()}


def _jsonable(value):
    """Config values as JSON: arrays to lists, callables and other objects to their repr."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.generic,)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)

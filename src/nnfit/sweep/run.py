"""Running a sweep: grouping runs into vectorised programs, executing them, saving, resuming.

Configurations that differ only in learning rate and penalties (and seeds) share a *group*:
one :func:`nnfit.fit` call trains them all as members of one compiled program (per-member
``learning_rate``, ``l1``, ``l2`` and ``seed`` vectors). Groups run one after the other, in
``n_jobs`` local processes, or as tasks on a Dask cluster; a group is trained by the top-level
function :func:`train_group`, so every executor computes the same numbers.

The run folder (``out``) is written as groups finish, each file atomically, the runs' Fits first
and their table rows second, so a row in ``table.csv`` means its Fit is on disk:

    out/sweep.json                      configurations by id, run order, data fingerprint
    out/table.csv                       one row per finished run (config_id, seed, ...)
    out/table.parquet                   the same, when pyarrow is installed (written at the end)
    out/fits/<config_id>/seed-<seed>/   Fit.save of that run (fit.json, params.npz, history.csv)

Calling :func:`run` again with the same ``out`` trains only the runs that have no row or no
saved Fit there: a sweep stopped halfway (Ctrl-C, a crash, a lost cluster) resumes.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .._checks import check_number
from . import grid as G
from .executors import _check_scheduler, _execute
from .folder import _fingerprint, _Folder, table
from .group import _groups
from ..errors import InvalidOptionError
from ..options import check_option


# ------------------------------------------------------------------------------ data
def _data(X, y, X_val, y_val, validation_split, validate_every_epoch):
    """Training and validation arrays, the split done once here (Keras' rule, as nnfit.fit)."""
    from .._checks import check_features, check_targets
    from ..datasets import validation_split as split

    if y is None and hasattr(X, "X") and hasattr(X, "y"):  # a nnfit Dataset
        ds = X
        X, y = ds.X, ds.y
        if X_val is None and getattr(ds, "X_val", None) is not None and not validation_split:
            X_val, y_val = ds.X_val, ds.y_val
    if y is None:
        raise InvalidOptionError("give y (or a nnfit Dataset as X)")
    X = check_features(X)
    y = check_targets(y, len(X))
    validation_split = check_option("validation_split", validation_split)
    if (X_val is None) != (y_val is None):
        raise InvalidOptionError("give both X_val and y_val, or neither")
    if X_val is not None:
        if validation_split:
            raise InvalidOptionError("give X_val/y_val or validation_split, not both")
        X_val = check_features(X_val, name="X_val")
        y_val = check_targets(y_val, len(X_val), name="y_val")
    elif validation_split:
        X, y, X_val, y_val = split(X, y, validation_split)
    return {"X": X, "y": y, "X_val": X_val, "y_val": y_val,
            "every_epoch": bool(validate_every_epoch)}



# ------------------------------------------------------------------------------ run
def run(grid, X, y=None, *, X_val=None, y_val=None, validation_split=0.0, seeds=(0,), base=None,
        out=None, scheduler=None, n_jobs=1, max_configs=1000, confirm=False, max_members=None,
        validate_every_epoch=True, verbose=False, callback=None):
    """Train every configuration of a grid with every seed; return a tidy table and the Fits.

    Parameters
    ----------
    grid : dict or list of dict
        Candidates per key, e.g. ``{"hidden": [(2,), (8,), (16, 16)], "l2": [0.0, 0.01]}``.
        Keys are :func:`nnfit.fit`'s and :class:`nnfit.MLP`'s names, or scikit-learn's
        (``hidden_layer_sizes``, ``alpha`` (as ``l2``, Keras-style), ``learning_rate_init``,
        ``max_iter``, ``solver``, ``random_state``). A list holds candidates, a tuple is one
        value (widths, per-layer penalties); ``seed`` lists seeds. See :mod:`nnfit.sweep.grid`.
    X : array-like of shape (n_samples, n_features), or a nnfit Dataset (then ``y=None``;
        its ``X_val``, ``y_val`` validate)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    X_val, y_val : array-like, optional
        Validation data, scored every epoch (``validate_every_epoch``) and at the end.
    validation_split : float in [0, 1)
        Without ``X_val``: validate on the last fraction of the rows (Keras' rule).
    seeds : sequence of int
        Seeds of every configuration whose grid lists no ``seed``.
    base : dict, optional
        Options fixed under the grid, e.g. ``{"epochs": 500, "batch_size": 32}``.
    out : str or Path, optional
        Run folder: the table and every run's Fit are saved as groups finish, and a second call
        with the same folder trains only the runs not finished there (resume).
    scheduler : str or dask.distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: every group becomes a task
        on that cluster (workers need nnfit installed). Same results as locally.
    n_jobs : int
        Without a scheduler: train this many groups at once in local processes.
    max_configs : int
        Refuse grids of more configurations (seeds not counted) unless ``confirm=True``.
    confirm : bool
    max_members : int, optional
        Most runs in one vectorised program; default: as many as keep members times parameters
        under 3e7.
    validate_every_epoch : bool
        Score the validation data every epoch (the history's ``val_*`` and the ``best_val_*``
        columns). ``False`` scores it once at the end, which is much cheaper for large
        networks and large validation sets; ``best_val_*`` are then NaN.
    verbose : bool
        Print a line per finished group.
    callback : callable(done, total, rows), optional
        Called after each group is saved with the runs done, the runs in all and the group's
        rows (a DataFrame); raising ``KeyboardInterrupt`` stops the sweep, as Ctrl-C does.

    Returns
    -------
    SweepResult
        ``.table`` has one row per (configuration, seed): ``config_id``, ``seed``, the
        configuration (``hidden``, ``activation``, ``optimizer``, ``learning_rate``,
        ``batch_size``, ``epochs``, ``l1``, ``l2`` and any other key that varies), ``n_params``
        (trainable), ``epochs_run``, ``best_epoch``, ``stop_reason``, ``history_loss``,
        ``history_penalty``, ``history_val_loss`` (the history's last epoch: loss with penalty,
        as Keras logs it), ``train_<m>`` and ``val_<m>`` (the final model
        scored on the training and validation rows, as Keras' ``evaluate``: ``mse`` and
        ``mae``, or ``accuracy``), ``best_train_<m>``, ``best_val_<m>``, ``best_val_loss``
        (best epoch of the history), ``time_s`` (the group's training time shared among its
        members), ``group_time_s``, ``group_size`` and ``group_id``. ``.fits[config_id]`` is a
        Fit whose members are that configuration's seeds. A stopped sweep returns what finished,
        with ``complete=False`` and a warning.

    Examples
    --------
    >>> import nnfit
    >>> data = nnfit.load_dataset("capacity")
    >>> result = nnfit.sweep.run({"hidden": [(2,), (64,)], "l2": [0.0, 0.001]}, data,
    ...                          seeds=(0, 1), base={"epochs": 50})  # doctest: +SKIP
    >>> result.table[["hidden", "l2", "seed", "train_mse", "val_mse"]]  # doctest: +SKIP
    """
    from .result import SweepResult

    data = _data(X, y, X_val, y_val, validation_split, validate_every_epoch)
    check_number("n_jobs", n_jobs, low=1, integer=True)
    if max_members is not None:
        check_number("max_members", max_members, low=1, integer=True)
    if callback is not None and not callable(callback):
        raise InvalidOptionError(f"callback must be callable, got {type(callback).__name__}")
    _check_scheduler(scheduler)
    expanded = G.expand(grid, base=base, seeds=seeds, max_configs=max_configs, confirm=confirm)
    configs = {c.id: c for c, _ in expanded}
    task = _task(configs.values(), data["y"])
    keys = [(c.id, s) for c, ss in expanded for s in ss]
    folder = _Folder(out, _fingerprint(data), task) if out is not None else None
    records = folder.records() if folder else {}
    all_configs = dict(folder.meta["configs"]) if folder else {}
    all_configs = {cid: G.Configuration(c) for cid, c in all_configs.items()}
    all_configs.update(configs)
    # rows of configurations the folder no longer describes (sweep.json lost) train again
    records = {k: v for k, v in records.items() if k[0] in all_configs}
    if folder:
        folder.write_meta(configs, keys)
    todo = [(configs[cid], seed) for cid, seed in keys if (cid, seed) not in records]
    n_out = _n_outputs(next(iter(configs.values())), data["y"])
    tasks = _groups(todo, data["X"].shape[1], n_out, max_members)
    fits = {}
    done = [len(keys) - len(todo)]
    started = time.perf_counter()
    state = {"interrupted": False}

    def handle(result):
        new = {}
        for key, fit, row in zip(result["keys"], result["fits"], result["rows"]):
            if result["interrupted"]:
                break
            fits[key] = fit
            new[key] = row
            if folder:
                folder.save_fit(key, fit)
        if result["interrupted"]:
            raise KeyboardInterrupt
        records.update(new)
        done[0] += len(new)
        if folder:
            order = [tuple(k) for k in folder.meta["order"]]
            folder.write_table(table(order, records, all_configs))
        if verbose:
            config = all_configs[result["keys"][0][0]]
            print(f"[{done[0]}/{len(keys)} runs] hidden={tuple(config['hidden'])} "
                  f"x{len(new)} members in one program, "
                  f"{result['rows'][0]['group_time_s']:.1f} s", flush=True)
        if callback is not None:
            callback(done[0], len(keys), table(list(new), new, all_configs))

    try:
        _execute(tasks, data, scheduler, n_jobs, handle)
    except KeyboardInterrupt:
        state["interrupted"] = True
    finished = [k for k in keys if k in records]
    if folder:
        order = [tuple(k) for k in folder.meta["order"]]
        folder.write_table(table(order, records, all_configs), parquet=True)
    if state["interrupted"]:
        where = f" and saved in {folder.path!r}; call again with the same out to resume" if folder else ""
        warnings.warn(f"sweep interrupted: {len(finished)} of {len(keys)} runs finished{where}",
                      UserWarning, stacklevel=2)
    return SweepResult(table(keys, records, all_configs), configs, fits=fits,
                       folder=folder.path if folder else None,
                       complete=len(finished) == len(keys),
                       seconds=time.perf_counter() - started)


def _task(configs, y):
    tasks = {"regression" if c["output"] == "linear" else "classification" for c in configs}
    if len(tasks) > 1:
        raise InvalidOptionError("grid key 'output' mixes regression ('linear') and classification "
                         "outputs; sweep them separately")
    return tasks.pop()


def _n_outputs(config, y):
    if config["output"] == "softmax":
        return int(np.max(y)) + 1
    if config["output"] == "sigmoid":
        return 1
    return 1 if y.ndim == 1 else y.shape[1]

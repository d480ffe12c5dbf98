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

import hashlib
import io
import json
import os
import time
import warnings

import numpy as np

from .. import __version__
from .._checks import check_number
from ..fitted import Fit, _atomic_write
from . import grid as G

FORMAT_VERSION = 1
# parameters times members of one compiled program when max_members is not given: 400 MB per
# float32 copy of the parameters, of which training keeps about six (params, gradients, Adam's
# two moments, the best parameters, the update). Bigger groups amortise better: 7 members of
# 5 x 1024 train in 2.8 times the time of one on two CPU cores.
PARAMETER_BUDGET = 1e8
CORE_COLUMNS = ("hidden", "activation", "optimizer", "learning_rate", "batch_size", "epochs",
                "l1", "l2")


# ------------------------------------------------------------------------------ data
def _data(X, y, X_val, y_val, validation_split, validate_every_epoch):
    """Training and validation arrays, the split done once here (Keras' rule, as nnfit.fit)."""
    from .._checks import check_features, check_number, check_targets
    from ..datasets import validation_split as split

    if y is None and hasattr(X, "X") and hasattr(X, "y"):  # a nnfit Dataset
        ds = X
        X, y = ds.X, ds.y
        if X_val is None and getattr(ds, "X_val", None) is not None and not validation_split:
            X_val, y_val = ds.X_val, ds.y_val
    if y is None:
        raise TypeError("give y (or a nnfit Dataset as X)")
    X = check_features(X)
    y = check_targets(y, len(X))
    check_number("validation_split", validation_split, low=0, high=1)
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if X_val is not None:
        if validation_split:
            raise ValueError("give X_val/y_val or validation_split, not both")
        X_val = check_features(X_val, name="X_val")
        y_val = check_targets(y_val, len(X_val), name="y_val")
    elif validation_split:
        if validation_split >= 1:
            raise ValueError(f"validation_split must be < 1, got {validation_split!r}")
        X, y, X_val, y_val = split(X, y, validation_split)
    return {"X": X, "y": y, "X_val": X_val, "y_val": y_val,
            "every_epoch": bool(validate_every_epoch)}


def _fingerprint(data):
    """A hash of the arrays and validation settings: a run folder belongs to one data set."""
    h = hashlib.sha1()
    for key in ("X", "y", "X_val", "y_val"):
        a = data[key]
        h.update(key.encode())
        if a is not None:
            a = np.ascontiguousarray(a, dtype=np.float64)
            h.update(str(a.shape).encode())
            h.update(a.tobytes())
    h.update(str(data["every_epoch"]).encode())
    return h.hexdigest()[:16]


# ------------------------------------------------------------------------------ one group
def train_group(task, data):
    """Train one group of runs in one :func:`nnfit.fit` call and score every member.

    Top-level and importable, so local processes and Dask workers run exactly this.

    Parameters
    ----------
    task : dict
        ``group_id``, ``configs`` (canonical configurations, one per member, agreeing in
        everything but learning rate and penalties) and ``seeds`` (one per member).
    data : dict
        ``X``, ``y``, ``X_val``, ``y_val`` (or None) and ``every_epoch``.

    Returns
    -------
    dict
        ``rows`` (one dict per member), ``fits`` (one single-member Fit per member), ``keys``
        ((config_id, seed) per member) and ``interrupted``.
    """
    from .. import training
    from ..engine import TrainingDiverged
    from ..mlp import MLP

    configs, seeds = task["configs"], list(task["seeds"])
    first, k = configs[0], len(configs)
    layers = G.n_layers(first)
    per_layer = lambda key: np.array([np.broadcast_to(np.asarray(c[key], np.float64), (layers,))  # noqa: E731
                                      for c in configs])
    rates = [c["learning_rate"] for c in configs]
    validation = None
    if data["X_val"] is not None and data["every_epoch"]:
        validation = (data["X_val"], data["y_val"])
    try:
        fit = training.fit(MLP(**G.model_options(first)), data["X"], data["y"],
                           validation_data=validation, learning_rate=rates if k > 1 else rates[0],
                           l1=per_layer("l1"), l2=per_layer("l2"), seed=seeds,
                           **G.fit_options(first))
    except TrainingDiverged as err:  # the other members trained on; keep what they reached
        fit = err.fit
    interrupted = "interrupted" in fit.stop_reasons
    scores = _scores(fit, data)
    rows, fits, keys = [], [], []
    for m, (config, seed) in enumerate(zip(configs, seeds)):
        cid = G.config_id(config)
        keys.append((cid, seed))
        fits.append(_member_fit(fit, m, config, seed, cid, task["group_id"]))
        rows.append(_row(fit, m, scores, k, task["group_id"]))
    return {"rows": rows, "fits": fits, "keys": keys, "interrupted": interrupted,
            "group_id": task["group_id"]}


def _scores(fit, data):
    """Final-model metrics per member on the training and validation rows (Keras' evaluate)."""
    out = {}
    for prefix, X, y in (("train", data["X"], data["y"]), ("val", data["X_val"], data["y_val"])):
        if X is None:
            continue
        pred = fit.predict_members(X)
        if fit.task == "classification":
            labels = fit.classes[np.argmax(pred, axis=-1)]
            out[f"{prefix}_accuracy"] = np.mean(labels == y[None, :], axis=1)
        else:
            target = y if y.ndim == 1 else y
            err = pred - target[None]
            axes = tuple(range(1, err.ndim))
            out[f"{prefix}_mse"] = np.mean(err ** 2, axis=axes)
            out[f"{prefix}_mae"] = np.mean(np.abs(err), axis=axes)
    return out


def _row(fit, m, scores, k, group):
    """The table cells of member ``m`` that come from training (configuration cells aside)."""
    h = fit.histories[fit.histories.member == m]
    row = {"n_params": int(fit.network.parameter_counts()[1]), "epochs_run": int(len(h)),
           "best_epoch": int(fit.best_epoch[m]) if fit.best_epoch is not None else -1,
           "stop_reason": fit.stop_reasons[m]}
    last = h.iloc[-1] if len(h) else None
    for col in ("loss", "penalty", "val_loss"):
        row[f"history_{col}"] = float(last[col]) if last is not None and col in h else float("nan")
    row.update({name: float(values[m]) for name, values in scores.items()})
    metrics = [c for c in h.columns if c not in ("member", "epoch", "loss", "penalty")
               and not c.startswith("val_")]
    for metric in metrics + ["loss"]:
        best = max if metric == "accuracy" else min
        for prefix, col in (("train", metric), ("val", f"val_{metric}")):
            if metric == "loss" and prefix == "train":
                continue
            values = h[col].to_numpy() if col in h else np.array([])
            row[f"best_{prefix}_{metric}"] = float(best(values)) if values.size else float("nan")
    row["time_s"] = float(fit.timings.get("total_s", np.nan)) / k
    row["group_time_s"] = float(fit.timings.get("total_s", np.nan))
    row["group_size"] = k
    row["group_id"] = group
    return row


def _member_fit(fit, m, config, seed, cid, group):
    """Member ``m`` of a group's Fit as a Fit of its own (one member, its own configuration)."""
    params = [(W[None], b[None]) for W, b in fit.member_params(m)]
    h = fit.histories[fit.histories.member == m].copy()
    h["member"] = 0
    cfg = dict(fit.config)
    cfg.update(learning_rate=config["learning_rate"], l1=config["l1"], l2=config["l2"],
               seeds=[int(seed)], n_members=1,
               sweep={"config_id": cid, "group_id": group, "group_size": fit.n_members})
    return Fit(fit.network, params, h.reset_index(drop=True), config=cfg, task=fit.task,
               classes=fit.classes, y_shape=fit.y_shape, feature_names=fit.feature_names,
               dtype=fit.dtype, stop_reasons=[fit.stop_reasons[m]],
               best_epoch=None if fit.best_epoch is None else [int(fit.best_epoch[m])],
               timings=dict(fit.timings),
               solver_info=None if fit.solver_info is None else [fit.solver_info[m]])


def stack_fits(fits):
    """Single-member Fits of one configuration as one Fit whose members are the seeds."""
    import pandas as pd

    if len(fits) == 1:
        return fits[0]
    first = fits[0]
    params = [(np.stack([f.member_params(0)[i][0] for f in fits]),
               np.stack([f.member_params(0)[i][1] for f in fits]))
              for i in range(len(first.member_params(0)))]
    histories = pd.concat([f.histories.assign(member=i) for i, f in enumerate(fits)],
                          ignore_index=True)
    cfg = dict(first.config)
    cfg.update(seeds=[s for f in fits for s in f.config.get("seeds", [])], n_members=len(fits))
    best = [int(f.best_epoch[0]) for f in fits] if first.best_epoch is not None else None
    info = [f.solver_info[0] for f in fits] if first.solver_info is not None else None
    return Fit(first.network, params, histories, config=cfg, task=first.task,
               classes=first.classes, y_shape=first.y_shape, feature_names=first.feature_names,
               dtype=first.dtype, stop_reasons=[f.stop_reasons[0] for f in fits],
               best_epoch=best, timings={"total_s": sum(f.timings.get("total_s", 0) for f in fits)},
               solver_info=info)


# ------------------------------------------------------------------------------ grouping
def _groups(pending, n_inputs, n_outputs, max_members):
    """Pending runs as tasks: one per group id, split to respect ``max_members``."""
    by_group = {}
    for config, seed in pending:
        by_group.setdefault(config.group, []).append((config, seed))
    tasks = []
    for gid, runs in by_group.items():
        config = runs[0][0]
        sizes = (n_inputs, *config["hidden"], n_outputs)
        n_params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
        cap = max_members or max(1, int(PARAMETER_BUDGET // n_params))
        size = -(-len(runs) // -(-len(runs) // cap))  # equal parts, not 7 + 1
        for start in range(0, len(runs), size):
            part = runs[start:start + size]
            tasks.append({"group_id": gid, "configs": [dict(c) for c, _ in part],
                          "seeds": [s for _, s in part]})
    return tasks


# ------------------------------------------------------------------------------ executors
_WORKER_DATA = {}


def _init_worker(data):
    _WORKER_DATA["data"] = data


def _train_in_worker(task):
    return train_group(task, _WORKER_DATA["data"])


def _execute(tasks, data, scheduler, n_jobs, handle):
    """Run every task, calling ``handle(result)`` as each finishes; returns when all did."""
    if scheduler is not None:
        return _execute_dask(tasks, data, scheduler, handle)
    if n_jobs == 1 or len(tasks) <= 1:
        for task in tasks:
            handle(train_group(task, data))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn, not fork: JAX's threads do not survive a fork
    pool = ProcessPoolExecutor(max_workers=min(n_jobs, len(tasks)), initializer=_init_worker,
                               initargs=(data,), mp_context=multiprocessing.get_context("spawn"))
    futures = [pool.submit(_train_in_worker, t) for t in tasks]
    try:
        for future in as_completed(futures):
            handle(future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check_scheduler(scheduler):
    """Fail before any training on a scheduler that is neither an address nor a client."""
    if scheduler is None:
        return
    if not isinstance(scheduler, str) and not (hasattr(scheduler, "submit")
                                               and hasattr(scheduler, "scatter")):
        raise TypeError(f"scheduler must be an address like 'tcp://host:8786' or a "
                        f"dask.distributed.Client, got {type(scheduler).__name__}")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ImportError("a Dask scheduler needs dask.distributed: pip install 'nnfit[dask]'"
                          ) from None


def _client(scheduler):
    import distributed

    if isinstance(scheduler, str):
        return distributed.Client(scheduler), True
    return scheduler, False


def _execute_dask(tasks, data, scheduler, handle):
    import distributed

    client, own = _client(scheduler)
    futures = []
    try:
        [shared] = client.scatter([data], broadcast=True)
        futures = [client.submit(train_group, t, shared, pure=False,
                                 key=f"nnfit-{t['group_id']}-{i}-{os.urandom(4).hex()}")
                   for i, t in enumerate(tasks)]
        for future in distributed.as_completed(futures):
            handle(future.result())
    finally:
        for future in futures:
            if not future.done():
                future.cancel()
        if own:
            client.close()


# ------------------------------------------------------------------------------ run folder
class _Folder:
    """The run folder: sweep.json, table.csv and the Fits, each written atomically."""

    def __init__(self, path, fingerprint, task):
        self.path = os.fspath(path)
        os.makedirs(self.path, exist_ok=True)
        self.meta_path = os.path.join(self.path, "sweep.json")
        meta = {"format": FORMAT_VERSION, "data": fingerprint, "task": task, "configs": {},
                "order": []}
        if os.path.exists(self.meta_path):
            with open(self.meta_path) as f:
                old = json.load(f)
            if old.get("format") != FORMAT_VERSION:
                raise ValueError(f"{self.meta_path}: format {old.get('format')!r} is not "
                                 f"{FORMAT_VERSION}; use a new folder")
            if old.get("data") != fingerprint:
                raise ValueError(f"out={self.path!r} holds a sweep of other data (or another "
                                 "validation set or split); give a new folder to start afresh")
            meta = old
        self.meta = meta

    def fit_path(self, cid, seed):
        return os.path.join(self.path, "fits", cid, f"seed-{seed}")

    def records(self):
        """Finished runs: {(config_id, seed): training cells}, only where the Fit is saved."""
        import pandas as pd

        path = os.path.join(self.path, "table.csv")
        if not os.path.exists(path):
            return {}
        # floats are written with repr; read them back bit for bit (pandas 3 does by default)
        exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
        frame = pd.read_csv(path, keep_default_na=False, na_values=["", "nan", "NaN"], **exact)
        cells = [c for c in frame.columns if c not in G.KEYS and c not in ("config_id", "seed")]
        out = {}
        for row in frame.to_dict("records"):
            key = (str(row["config_id"]), int(row["seed"]))
            if os.path.exists(os.path.join(self.fit_path(*key), "fit.json")):
                out[key] = {c: _plain(row[c]) for c in cells}
        return out

    def write_meta(self, configs, order):
        self.meta["configs"].update({cid: dict(c) for cid, c in configs.items()})
        seen = {tuple(k) for k in self.meta["order"]}
        self.meta["order"] += [list(k) for k in order if tuple(k) not in seen]
        self.meta["nnfit_version"] = __version__
        _atomic_write(self.meta_path, lambda f: json.dump(self.meta, f, indent=1), "w")

    def save_fit(self, key, fit):
        fit.save(self.fit_path(*key))

    def write_table(self, frame, parquet=False):
        _atomic_write(os.path.join(self.path, "table.csv"),
                      lambda f: frame.to_csv(f, index=False), "w")
        if parquet:
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                return
            flat = frame.copy()
            for col in flat.columns:
                if flat[col].dtype == object:
                    flat[col] = flat[col].map(lambda v: v if isinstance(v, str) else repr(v))
            buffer = io.BytesIO()
            flat.to_parquet(buffer, index=False)
            _atomic_write(os.path.join(self.path, "table.parquet"),
                          lambda f: f.write(buffer.getvalue()), "wb")


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def table(keys, records, configs):
    """The tidy table: one row per finished run in ``keys`` order, configuration cells first."""
    import pandas as pd

    keys = [k for k in keys if k in records]
    used = [configs[cid] for cid in dict.fromkeys(cid for cid, _ in keys)]
    columns = list(CORE_COLUMNS)
    for key in G.KEYS:
        if key not in columns and len({G.canonical_json(c[key]) for c in used}) > 1:
            columns.append(key)
    rows = []
    for cid, seed in keys:
        shown = G.display(configs[cid])
        rows.append({"config_id": cid, "seed": seed, **{c: shown[c] for c in columns},
                     **records[(cid, seed)]})
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["config_id", "seed", *columns])
    return frame


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
        raise TypeError(f"callback must be callable, got {type(callback).__name__}")
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
        raise ValueError("grid key 'output' mixes regression ('linear') and classification "
                         "outputs; sweep them separately")
    return tasks.pop()


def _n_outputs(config, y):
    if config["output"] == "softmax":
        return int(np.max(y)) + 1
    if config["output"] == "sigmoid":
        return 1
    return 1 if y.ndim == 1 else y.shape[1]

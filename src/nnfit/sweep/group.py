"""One group of runs: one vectorised :func:`nnfit.fit` call, its members scored and split.

:func:`train_group` is top-level and imports nothing from the caller's state, so the same
function runs in this process, in local worker processes and on Dask workers.
"""

from __future__ import annotations

import numpy as np

from ..fitted import Fit
from . import grid as G

# parameters times members of one compiled program when max_members is not given: 400 MB per
# float32 copy of the parameters, of which training keeps about six (params, gradients, Adam's
# two moments, the best parameters, the update). Bigger groups amortise better: 7 members of
# 5 x 1024 train in 2.8 times the time of one on two CPU cores.
PARAMETER_BUDGET = 1e8


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
    own = dict(learning_rate=config["learning_rate"], l1=config["l1"], l2=config["l2"])
    cfg.update(own, seeds=[int(seed)], n_members=1,
               sweep={"config_id": cid, "group_id": group, "group_size": fit.n_members})
    if "options" in cfg:  # the member's own options, not its group's
        cfg["options"] = {**cfg["options"], **own, "seed": int(seed), "n_members": 1}
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
    seeds = [s for f in fits for s in f.config.get("seeds", [])]
    cfg.update(seeds=seeds, n_members=len(fits))
    if "options" in cfg:
        cfg["options"] = {**cfg["options"], "seed": seeds, "n_members": len(fits)}
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

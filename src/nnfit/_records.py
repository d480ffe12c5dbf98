"""The per-epoch records of a training run, from the program's buffer to NumPy columns.

The program writes an epoch's numbers as one row of one buffer (one write an epoch); the host
turns the rows into named columns, joins the calls, and marks the epochs a member did not run.
"""

from __future__ import annotations

import numpy as np


def record_names(static):
    """The record columns of the program of ``static``, in the order an epoch writes them."""
    from .objectives import METRICS

    metrics = METRICS[static.task] if static.metrics is None else static.metrics
    if static.task == "classification":
        metrics = ("accuracy",) if "accuracy" in metrics else ()
    names = ["loss", "penalty", *metrics]
    if static.has_validation:
        names += ["val_loss", *(f"val_{m}" for m in metrics)]
    if static.optimizer.name == "lbfgs":
        names += ["grad_max_abs", "evaluations"]
    return (*names, "recorded")


def unpack(static, packed):
    """The program's record buffer (n_members, chunk, n_columns) as name -> (n_members, chunk)."""
    names = record_names(static)
    records = {k: packed[..., names.index(k)] for k in sorted(names)}  # history's column order
    records["recorded"] = records["recorded"] > 0
    return records


def stack(chunks):
    """Join chunk records into (n_members, epochs) arrays, NaN after a member stopped."""
    if not chunks:
        return {}
    joined = {k: np.concatenate([c[k] for c in chunks], axis=1) for k in chunks[0]}
    recorded = joined.pop("recorded")
    keep = int(recorded.any(axis=0).nonzero()[0].max()) + 1 if recorded.any() else 0
    out = {}
    for k, v in joined.items():
        v = np.where(recorded, v, np.nan)[:, :keep]
        out[k] = v
    out["recorded"] = recorded[:, :keep]
    return out


def histories_table(records, n_members):
    """The engine's records, name -> (n_members, epochs) arrays, as one long DataFrame."""
    import pandas as pd

    names = [k for k in records if k != "recorded"]
    if not names:
        return pd.DataFrame(columns=["member", "epoch"])
    recorded = records.get("recorded", np.ones(records[names[0]].shape, dtype=bool))
    counts = recorded.sum(axis=1)
    columns = {"member": np.repeat(np.arange(n_members), counts),
               "epoch": np.concatenate([np.arange(1, c + 1) for c in counts])}
    # a member's recorded epochs are its first ones, so the mask keeps them in order
    columns.update({k: records[k][recorded] for k in names})
    return pd.DataFrame(columns)

"""The per-epoch records of a training run, from the program's buffer to NumPy columns.

The program writes an epoch's numbers as one row of one buffer (one write an epoch); the host
turns the rows into named columns, joins the calls, and marks the epochs a member did not run.
"""

from __future__ import annotations

import numpy as np

# the names of the record columns of the program of a Static, set when it is traced
RECORD_NAMES: dict = {}


def unpack(static, packed):
    """The program's record buffer (n_members, chunk, n_columns) as name -> (n_members, chunk)."""
    names = RECORD_NAMES[static]
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

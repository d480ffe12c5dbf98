"""Per-member settings: the rates, penalties, tolerances and seeds of a run's members, and
their starting parameters (a warm start's, checked against the network).

A run trains ``n_members`` networks at once; each may have its own learning rate, L1/L2 rows
(one strength per dense layer) and seed. A vector given for one of them sets the number of
members (one seed for all when only ``n_members=1`` was asked: the members then differ only in
that setting, from the same start).
"""

from __future__ import annotations

import numpy as np

from ._checks import _short
from .errors import InvalidOptionError
from .options import MAX_SEED


def members(o, n_layers):
    """Per-member (learning rate, l1, l2, tol, target, gtol, ftol, max_evaluations) arrays
    and seeds; an unset L-BFGS test is a threshold it can never meet."""
    lr = 1.0 if callable(o.learning_rate) else o.learning_rate  # a schedule: the engine's
    lr = np.atleast_1d(np.asarray(lr, dtype=np.float64))
    l1 = penalty_rows("l1", o.l1, n_layers)
    l2 = penalty_rows("l2", o.l2, n_layers)
    sizes = {len(lr), len(l1), len(l2)} - {1}
    if len(sizes) > 1:
        raise InvalidOptionError(f"per-member learning_rate, l1 and l2 must have one length, "
                                 f"got {sorted(sizes)}")
    n = o.n_members
    m = sizes.pop() if sizes else 1
    if m > 1 and n not in (1, m):
        raise InvalidOptionError(f"n_members={n} but learning_rate/l1/l2 give {m} members; "
                                 "make them agree")
    if isinstance(o.seed, int):
        # a vector of rates or penalties with one seed compares them from the same start
        seeds = [o.seed] * m if (m > 1 and n == 1) else [o.seed + i for i in range(max(n, m))]
        if seeds[-1] > MAX_SEED:
            raise InvalidOptionError(f"seed={o.seed} with {len(seeds)} members reaches "
                                     f"{seeds[-1]}, past the largest seed {MAX_SEED}; use a "
                                     "smaller seed")
    else:
        seeds = list(o.seed)
        if len(seeds) != max(n, m) and n != 1:
            raise InvalidOptionError(f"seed has {len(seeds)} entries but n_members={n}")
    count = len(seeds)
    if m > 1 and count != m:
        raise InvalidOptionError(f"seed has {count} entries but learning_rate/l1/l2 give {m} "
                                 "members")
    off = lambda value, never: never if value is None else value  # noqa: E731
    hyper = (np.broadcast_to(lr, (count,)), np.broadcast_to(l1, (count, n_layers)),
             np.broadcast_to(l2, (count, n_layers)), np.full(count, o.tol),
             np.full(count, off(o.target_loss, -np.inf)), np.full(count, off(o.gtol, -np.inf)),
             np.full(count, off(o.ftol, -np.inf)), np.full(count, off(o.max_evaluations, np.inf)))
    return count, hyper, seeds


def penalty_rows(name, value, n_layers):
    """A penalty as an (m, n_layers) array: scalar, one per layer, or one row per member."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except ValueError:  # ragged rows
        raise InvalidOptionError(f"{name} rows per member must have one length, got {value!r}") from None
    if arr.ndim == 0:
        arr = np.full((1, n_layers), float(arr))
    elif arr.ndim == 1:
        if arr.size != n_layers:
            raise InvalidOptionError(f"{name} has {arr.size} values but the network has {n_layers} dense "
                             f"layers; give one number, or one per layer")
        arr = arr[None, :]
    elif arr.ndim == 2 and arr.shape[1] in (1, n_layers):
        arr = np.broadcast_to(arr, (arr.shape[0], n_layers))
    else:
        raise InvalidOptionError(f"{name} must be a number, one per layer, or (n_members, n_layers); "
                         f"got shape {arr.shape}")
    if np.any(arr < 0) or not np.all(np.isfinite(arr)):
        raise InvalidOptionError(f"{name} must be finite and >= 0, got {value!r}")
    return arr


def start_params(init_params, network, n_members, dtype):
    """``init_params`` checked against the network, as arrays with a member axis (host
    arrays: the compiled program takes them as they are, where jnp.asarray would run a
    device conversion per array and fit)."""
    if init_params is None:
        return None
    sizes = network.layer_sizes
    if not isinstance(init_params, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in init_params):
        raise InvalidOptionError(f"init_params must be a list of (W, b) pairs, one per dense "
                                 f"layer, as Fit.params gives; got {_short(init_params)}")
    if len(init_params) != len(sizes) - 1:
        raise InvalidOptionError(f"init_params has {len(init_params)} layers but the network has "
                         f"{len(sizes) - 1} (sizes {sizes})")
    start = []
    for layer, ((W, b), fan_in, fan_out) in enumerate(zip(init_params, sizes[:-1], sizes[1:])):
        try:
            W, b = np.asarray(W, dtype), np.asarray(b, dtype)
        except (TypeError, ValueError):
            raise InvalidOptionError(f"init_params layer {layer} must hold arrays of numbers, "
                                     f"got {_short(W)}, {_short(b)}") from None
        if W.shape == (fan_in, fan_out) and b.shape == (fan_out,):
            W, b = np.broadcast_to(W, (n_members, *W.shape)), np.broadcast_to(b, (n_members, *b.shape))
        if W.shape != (n_members, fan_in, fan_out) or b.shape != (n_members, fan_out):
            raise InvalidOptionError(f"init_params layer {layer} has shapes {W.shape}, {b.shape}; "
                             f"expected ({fan_in}, {fan_out}), ({fan_out},) or with a leading "
                             f"axis of {n_members} members")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise InvalidOptionError(f"init_params layer {layer} holds NaN or inf")
        start.append((W, b))
    return start

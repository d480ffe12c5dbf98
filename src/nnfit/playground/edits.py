"""What a hand does to a playground session: points clicked onto the picture, weights, biases
and units edited; and a new network before it trains: the memory check made before it is
built, and its picture at epoch 0 (:func:`preview`).

Functions of a :class:`~nnfit.playground.sessions.Session`, run on its worker thread between
chunks; each raises :class:`~nnfit.errors.InvalidOptionError` with a message for the page.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import InvalidOptionError
from .config import PlayConfig


def click(session, message):
    """The settings after a click on the picture: a point added under it, or the nearest one
    removed (``message``: ``at`` [x, y] of the picture, ``remove``, ``other`` for shift)."""
    at = message.get("at")
    p = session.problem
    dims = p.coords.shape[1]
    if not isinstance(at, list) or len(at) != 2 or not all(
            isinstance(v, (int, float)) and np.isfinite(v) for v in at):
        raise InvalidOptionError(f"at={at!r}: give the clicked point as [x, y]")
    if message.get("remove"):
        edit = ("-", (float(at[0]), float(at[1])))
    elif dims == 1:
        if p.task == "classification":
            raise InvalidOptionError("points are added to 1-input pictures of a curve; "
                                     "this one shows classes")
        edit = ("+", (float(at[0]), float(at[1])))
    else:  # a class (a click: the highest, shift-click: the first) or a level of the map
        other = bool(message.get("other"))
        if p.task == "classification":
            value = 0.0 if other else float(len(p.classes) - 1)
        else:
            value = float(np.min(p.values) if other else np.max(p.values))
        edit = ("+", (float(at[0]), float(at[1]), value))
    config = PlayConfig.from_dict({**session.config.to_dict(),
                                   "points": list(session.config.points) + [edit]})
    return dataclasses.replace(session.config, points=config.points)


def check_memory(session):
    """nnfit's estimate of the training run's memory against what is free (raises)."""
    from .._memory import check_training_memory

    c, p = session.config, session.problem
    n_train = int(session.mask.sum())
    n_val = len(p.validation[0]) if p.validation is not None else int((~session.mask).sum())
    # a table's inputs are known once encoded: its columns are a lower bound
    n_in = len(p.input_names) if p.is_table else np.asarray(p.X).shape[1]
    n_out = len(p.classes) if p.task == "classification" and len(p.classes) > 2 else 1
    batch = None if c.batch_size == 0 or c.batch_size >= n_train else c.batch_size
    check_training_memory((n_in, *c.hidden, n_out), n_members=c.members, n_train=n_train,
                          n_val=n_val, batch_size=batch, optimizer=c.optimizer)


def edit(session, message):
    """The fit after surgery on the current weights (every member alike): a weight, a bias, or
    a hidden unit switched off (its outgoing weights to 0)."""
    from .. import diagnose

    if session.fit is None:
        raise InvalidOptionError("no network yet; wait for the first picture")
    layer, sizes = _int(message, "layer"), session.fit.network.layer_sizes
    if not 0 <= layer < len(sizes) - 1:
        raise InvalidOptionError(f"layer {layer} does not exist; the network has layers 0 to "
                                 f"{len(sizes) - 2}")
    kind = message["type"]
    if isinstance(session.fit, Preview):  # not trained yet: edit the drawn weights
        session.fit = session.fit.as_fit(session)
    if kind == "weight":
        row, col, value = _int(message, "row"), _int(message, "col"), _float(message)
        W = np.array(diagnose.get_weights(session.fit, layer)[0])
        if not (0 <= row < W.shape[0] and 0 <= col < W.shape[1]):
            raise InvalidOptionError(f"weight ({row}, {col}) is not in layer {layer} of "
                                     f"shape {W.shape}")
        W[row, col] = value
        fit = diagnose.set_weights(session.fit, layer, W=W)
    elif kind == "bias":
        unit, value = _int(message, "unit"), _float(message)
        b = np.array(diagnose.get_weights(session.fit, layer)[1])
        if not 0 <= unit < b.shape[0]:
            raise InvalidOptionError(f"unit {unit} is not in layer {layer}")
        b[unit] = value
        fit = diagnose.set_weights(session.fit, layer, b=b)
    else:  # switch a hidden unit off: its outgoing weights to 0, its contribution gone
        unit = _int(message, "unit")
        if layer == len(sizes) - 2 or not 0 <= unit < sizes[layer + 1]:
            raise InvalidOptionError(f"unit {unit} of layer {layer} is not a hidden unit")
        fit = diagnose.set_unit(session.fit, layer, unit,
                                outgoing=np.zeros(sizes[layer + 2]))
    return fit

def preview(session):
    """The network at epoch 0, drawn from the seed as the engine draws it.

    Arrays: built and drawn here, without compiling the training program, so that a new
    layer or width is pictured at once (the program compiles on play). A table's inputs
    are known only once its columns are encoded: one epoch at a vanishing rate, in the
    program every chunk uses."""
    import jax

    from .._targetscale import TargetScale

    p = session.problem
    if p.is_table or session.config.optimizer == "lm":
        return session._fit(1, learning_rate=1e-30, preview=True)
    X, y, _ = session.rows
    model = session.model()
    n_out = len(p.classes) if model.output == "softmax" else 1
    network = model.build(X.shape[1], n_out, X)
    members = [network.init(jax.random.key(session.config.seed + m))
               for m in range(session.config.members)]
    params = [(np.asarray(W, np.float64), np.asarray(b, np.float64))
              for W, b in members[0]] if len(members) == 1 else [
        (np.stack([np.asarray(m[i][0]) for m in members]),
         np.stack([np.asarray(m[i][1]) for m in members])) for i in range(len(members[0]))]
    if p.task == "regression":  # trained on the standardised target: shown in its units
        Y = np.asarray(y, np.float64).reshape(len(y), -1)
        params = TargetScale.learn(Y, np.ones(len(Y))).fold(params)
    return Preview(network, params, p.task, session.config.members)


class Preview:
    """A network not trained yet, as much of a :class:`~nnfit.Fit` as a picture reads."""

    def __init__(self, network, params, task, n_members):
        self.network, self.params, self.task, self.n_members = network, params, task, n_members

    def inputs(self, X, warn=True):
        return np.asarray(X, np.float64)

    def as_fit(self, session):
        """The real Fit of these weights (compiles the program), for an edit."""
        return session._fit(1, learning_rate=1e-30, preview=True)


def _num(value):
    value = float(value)
    return value if np.isfinite(value) else None


def _int(message, key):
    value = message.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise InvalidOptionError(f"{key}={value!r}: give a whole number")
    return int(value)


def _float(message):
    value = message.get("value")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InvalidOptionError(f"value={value!r}: give a number") from None
    if not np.isfinite(value) or abs(value) > 1e6:
        raise InvalidOptionError(f"value={value!r}: give a finite number within +-1e6")
    return value


__all__ = ["click", "edit", "check_memory", "preview", "Preview"]
